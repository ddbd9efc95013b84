#!/usr/bin/env python
"""Django's command-line entry point for ASX DB.

Settings come from the environment and from `.env` in the project root (`make run` writes one
for DynamoDB Local when there is none). Django's database commands are not offered: the site
has no SQL database (asxdb_site/commands.py).
"""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asxdb_site.settings")
    from asxdb_site.commands import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
