"""`manage.py` as an operator meets it: the commands it offers, their help, and what
`refresh_companies` says when nothing is due."""

import argparse
import datetime
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import BaseCommand

from asxdb_site.commands import DATABASE_COMMANDS, available_commands
from companies import refresh, services
from companies.models import Company, index_key
from tests.directories import small_directory

ROOT = Path(__file__).resolve().parents[2]
OUR_COMMANDS = sorted(
    path.stem
    for path in (ROOT / "companies" / "management" / "commands").glob("*.py")
    if not path.stem.startswith("_")  # _refresh.py is shared code, not a command
)


def manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_help_offers_our_commands_and_no_database_command():
    listed = manage("help", "--commands").stdout.split()
    assert set(OUR_COMMANDS) <= set(listed)
    assert "runserver" in listed and "collectstatic" in listed
    assert not {"migrate", "makemigrations", "dbshell", "flush", "loaddata"} & set(listed)


def test_commands_still_pass_djangos_system_checks():
    # Django's checks look makemigrations up among all commands: hiding it must not break them.
    result = manage("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("command", ["migrate", "dbshell", "sqlmigrate", "inspectdb"])
def test_a_database_command_says_it_is_not_available(command):
    result = manage(command)
    assert result.returncode == 1
    assert f"{command} is not available" in result.stderr
    assert "no SQL database" in result.stderr and "create_table" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_for_a_database_command_says_it_is_not_available():
    result = manage("help", "flush")
    assert result.returncode == 1
    assert "flush is not available" in result.stderr


def test_only_django_commands_that_need_no_database_are_offered():
    # A Django upgrade that adds a command fails this test, so someone decides whether it
    # needs a database (then it belongs in DATABASE_COMMANDS).
    django_commands = {name for name, app in available_commands().items() if app != "companies"}
    assert django_commands == {
        "check",
        "collectstatic",
        "compilemessages",
        "diffsettings",
        "findstatic",
        "makemessages",
        "runserver",
        "sendtestemail",
        "shell",
        "startapp",
        "startproject",
        "test",
    }
    assert not DATABASE_COMMANDS & set(available_commands())


def _own_options(command: BaseCommand) -> list[argparse.Action]:
    """The options a command adds, without those every Django command has."""
    common = {
        option
        for action in BaseCommand().create_parser("manage.py", "base")._actions
        for option in action.option_strings
    }
    parser = command.create_parser("manage.py", "command")
    return [action for action in parser._actions if not set(action.option_strings) & common]


@pytest.mark.parametrize("name", OUR_COMMANDS)
def test_every_option_of_our_commands_has_help(name):
    command = load_command_class("companies", name)
    assert command.help
    missing = [
        "/".join(action.option_strings) or action.dest
        for action in _own_options(command)
        if not action.help or action.help == argparse.SUPPRESS
    ]
    assert missing == []


def _refreshed(ticker: str, *, next_attempt: datetime.datetime) -> None:
    Company(ticker).update(
        actions=[
            Company.last_outcome.set("ok"),
            Company.next_attempt.set(next_attempt),
            Company.by_refresh_due.set(index_key(next_attempt.isoformat(), ticker)),
        ]
    )


class _NoYahoo:
    def fetch_company(self, ticker):
        raise AssertionError(f"nothing is due, yet {ticker} was fetched")


def test_refresh_with_nothing_due_says_why_and_what_is_next(moto_table, monkeypatch, capsys):
    monkeypatch.setattr(refresh, "_client", _NoYahoo())
    services.directory_load(directory=small_directory(3))
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    for hours, ticker in [(5, "T00"), (2, "T01"), (9, "T02")]:
        _refreshed(ticker, next_attempt=now + datetime.timedelta(hours=hours))

    call_command("refresh_companies")

    out = capsys.readouterr().out
    assert out.startswith("nothing due: every listed company was refreshed within")
    assert "REFRESH_INTERVAL_HOURS (24 h)" in out
    assert "next due: T01 at" in out and "(in 1 h 59 min" in out


def test_refresh_of_an_empty_table_says_there_is_nothing_listed(moto_table, capsys):
    call_command("refresh_companies")
    assert "nothing due: no company is listed" in capsys.readouterr().out
