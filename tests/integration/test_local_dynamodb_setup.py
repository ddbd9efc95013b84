"""DynamoDB Local as `make run` and the suite start it: on 127.0.0.1 only, built from source on
a fresh checkout, and reachable by a bare `manage.py` through the `.env` that `make run` writes."""

import ipaddress
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from companies import models
from devtools import dynamodb_local

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def other_addresses() -> list[str]:
    """This machine's addresses other than loopback (`hostname -I`)."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10)
    except OSError:
        return []
    addresses = []
    for text in out.stdout.split():
        try:
            address = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            continue
        if not address.is_loopback and not address.is_link_local:
            addresses.append(str(address))
    return addresses


def accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except ConnectionRefusedError:
        return False


def assert_loopback_only(port: int) -> None:
    assert accepts("127.0.0.1", port)
    others = other_addresses()
    if not others:
        pytest.skip("this machine has no address but loopback: nothing to refuse on")
    assert {address: accepts(address, port) for address in others} == dict.fromkeys(others, False)


def test_the_suites_instance_listens_on_loopback_only(dynamodb_local_url):
    assert_loopback_only(urlsplit(dynamodb_local_url).port)


def test_the_make_run_instance_listens_on_loopback_only(tmp_path, monkeypatch):
    monkeypatch.setattr(dynamodb_local, "PID_FILE", tmp_path / "pid")
    monkeypatch.setattr(dynamodb_local, "LOG_FILE", tmp_path / "dynamodb-local.log")
    port = dynamodb_local.free_port()
    dynamodb_local.start(port=port, data_dir=tmp_path / "data")
    try:
        assert_loopback_only(port)
    finally:
        dynamodb_local.stop()


def test_the_launcher_is_compiled_when_missing_and_reused(tmp_path, monkeypatch):
    classes = dynamodb_local.launcher_classes(builds=tmp_path)
    assert (classes / "LoopbackDynamoDBLocal.class").is_file()

    real_which = shutil.which
    monkeypatch.setattr(
        dynamodb_local.shutil, "which", lambda name: None if name == "javac" else real_which(name)
    )
    assert dynamodb_local.launcher_classes(builds=tmp_path) == classes  # no javac needed now
    with pytest.raises(dynamodb_local.DynamoDBLocalError, match="default-jdk-headless"):
        dynamodb_local.launcher_classes(builds=tmp_path / "fresh")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_bare_manage_py_works_with_the_env_make_run_writes(dynamodb_local_url, tmp_path):
    # A checkout of its own, so its .env is the one make writes (the settings read the .env
    # beside asxdb_site/): the project's code, linked in.
    project = tmp_path / "checkout"
    project.mkdir()
    shutil.copy(ROOT / "manage.py", project)
    shutil.copytree(
        ROOT / "asxdb_site", project / "asxdb_site", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("companies", "scraping", "templates", "static"):
        (project / name).symlink_to(ROOT / name)
    port = urlsplit(dynamodb_local_url).port
    made = subprocess.run(
        [
            "make",
            "-s",
            "-f",
            str(ROOT / "Makefile"),
            "-C",
            str(project),
            ".env",
            f"DDB_PORT={port}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    table = f"asxdb-dotenv-{uuid.uuid4().hex[:8]}"
    with (project / ".env").open("a") as env_file:
        env_file.write(f"DYNAMODB_TABLE={table}\n")  # this test's own table

    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    for command in (["create_table"], ["init_companies", "--sample"]):
        ran = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=project,
            env=bare,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, ran.stderr

    models.bind_table(table_name=table, host=dynamodb_local_url)
    try:
        assert len(list(models.Company.ticker_index.query(models.LISTED))) == 40
    finally:
        models.Company.delete_table()
