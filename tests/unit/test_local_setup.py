"""What `make run` leaves behind for local work, and the README's account of the commands."""

import re
import shutil
import subprocess
from pathlib import Path

import environ
import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make_env(directory: Path, *args: str) -> subprocess.CompletedProcess:
    """`make .env` as `make run` runs it, in `directory` instead of the project root."""
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "-C", str(directory)]
        + [".env", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_make
def test_make_writes_an_env_for_dynamodb_local(tmp_path):
    result = make_env(tmp_path, "DDB_PORT=8123")
    assert result.returncode == 0, result.stderr

    class ReadInto(environ.Env):  # the settings' parser, into a dict instead of os.environ
        ENVIRON = {}

    ReadInto.read_env(tmp_path / ".env")
    assert ReadInto.ENVIRON == {
        "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:8123",
        "DJANGO_DEBUG": "true",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }


@needs_make
def test_make_never_overwrites_an_operators_env(tmp_path):
    own = "DYNAMODB_TABLE=asxdb-mine\nDJANGO_SECRET_KEY=operator-secret\n"
    (tmp_path / ".env").write_text(own)
    result = make_env(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".env").read_text() == own


def test_env_is_ignored_by_git():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=ROOT, capture_output=True, timeout=30
    )
    assert ignored.returncode == 0


def _operating_section() -> list[str]:
    section = README.split("\n## Operating\n", 1)[1]
    return section.split("\n## ", 1)[0].split("\n### ", 1)[0].splitlines()


def test_the_operating_table_is_one_table():
    lines = _operating_section()
    rows = [n for n, line in enumerate(lines) if line.startswith("|")]
    assert rows, "no table in the Operating section"
    assert rows == list(range(rows[0], rows[-1] + 1)), "a blank or other line splits the table"
    assert lines[rows[0] + 1].startswith("| ---")


def test_the_operating_table_names_every_command():
    commands = ROOT / "companies" / "management" / "commands"
    table = "\n".join(line for line in _operating_section() if line.startswith("|"))
    named = set(re.findall(r"`manage\.py (\w+)", table))
    ours = {path.stem for path in commands.glob("*.py") if not path.stem.startswith("_")}
    assert ours <= named, f"not in the Operating table: {sorted(ours - named)}"
