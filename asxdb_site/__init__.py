"""The ASX DB Django project: settings, URL map and WSGI entry point."""
