"""The management commands `manage.py` offers: Django's, less those that need a SQL database.

ASX DB keeps its data in DynamoDB and configures no SQL database (`DATABASES` is empty), so
Django's database commands (migrate, dbshell, loaddata, ...) cannot work here. `manage.py help`
leaves them out, and calling one says so and names what to use instead, rather than failing
somewhere inside Django's database layer.
"""

import contextlib
import sys

from django.core import management

# Every command of Django (and its contrib apps) that reads or writes a SQL database.
DATABASE_COMMANDS = frozenset(
    {
        "changepassword",
        "clearsessions",
        "createcachetable",
        "createsuperuser",
        "dbshell",
        "dumpdata",
        "flush",
        "inspectdb",
        "loaddata",
        "makemigrations",
        "migrate",
        "optimizemigration",
        "ping_google",
        "remove_stale_contenttypes",
        "showmigrations",
        "sqlflush",
        "sqlmigrate",
        "sqlsequencereset",
        "squashmigrations",
        "testserver",
    }
)

_django_get_commands = management.get_commands


def available_commands() -> dict[str, str]:
    """{command name: app} as Django's get_commands, without the database commands."""
    return {
        name: app for name, app in _django_get_commands().items() if name not in DATABASE_COMMANDS
    }


def unavailable(command: str, *, prog_name: str = "manage.py") -> str:
    return (
        f"{prog_name} {command} is not available: ASX DB keeps its data in DynamoDB and has no "
        "SQL database (DATABASES is empty), so Django's database commands cannot run here.\n"
        f"The table and its indexes: {prog_name} create_table; the data: init_companies, "
        f"refresh_companies, refresh_prices. Type '{prog_name} help' for every command.\n"
    )


@contextlib.contextmanager
def _offering_available_commands():
    # Django's help text and shell completion read get_commands from the module. Only they see
    # the shorter list: Django's own system checks look makemigrations up in the full one.
    management.get_commands = available_commands
    try:
        yield
    finally:
        management.get_commands = _django_get_commands


class ManagementUtility(management.ManagementUtility):
    """Django's, offering only `available_commands()`."""

    def main_help_text(self, commands_only=False):
        with _offering_available_commands():
            return super().main_help_text(commands_only=commands_only)

    def autocomplete(self):
        with _offering_available_commands():
            super().autocomplete()

    def fetch_command(self, subcommand):
        if subcommand in DATABASE_COMMANDS:
            sys.stderr.write(unavailable(subcommand, prog_name=self.prog_name))
            sys.exit(1)
        return super().fetch_command(subcommand)


def execute_from_command_line(argv: list[str]) -> None:
    """Django's execute_from_command_line, offering only `available_commands()`."""
    ManagementUtility(argv).execute()
