"""The site's URL map: everything lives in the companies app."""

from django.urls import include, path

urlpatterns = [
    path("", include("companies.urls")),
]

handler404 = "companies.views.not_found"
