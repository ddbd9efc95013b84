"""zappa_settings.json as Zappa 0.63 reads it (`extends` is a shallow merge), and the IAM policy
each stage attaches: least privilege on its own table, logs and function."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import get_commands

from companies import jobs

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = json.loads((ROOT / "zappa_settings.json").read_text())
STAGES = ["dev", "production"]
# Every DynamoDB call services.py and selectors.py make: exists() -> DescribeTable,
# create_table -> CreateTable, adding a missing index -> UpdateTable, get -> GetItem,
# query -> Query, save -> PutItem, update -> UpdateItem, batch_write -> BatchWriteItem; on the
# table and its indexes. Only DeleteItem, on the table alone: a real fetch deleting the company's
# sample periods. No Scan, no DeleteTable, no other delete. And on the table alone, reading and
# turning on its time to live (create_table; the init ledger's items expire).
DYNAMODB_ACTIONS = {
    "dynamodb:BatchWriteItem",
    "dynamodb:CreateTable",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "dynamodb:UpdateTable",
}
TTL_ACTIONS = {"dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive"}
TABLE_ONLY_ACTIONS = {"dynamodb:DeleteItem"} | TTL_ACTIONS


def stage(name: str) -> dict:
    """What Zappa 0.63 does with `extends`: the stage's keys replace the base's, whole."""
    settings = dict(SETTINGS[name])
    parent = settings.pop("extends", None)
    return {**stage(parent), **settings} if parent else settings


@pytest.mark.parametrize("name", STAGES)
def test_stage_runs_python312_in_sydney_with_django(name):
    config = stage(name)
    assert config["runtime"] == "python3.12"
    assert config["aws_region"] == "ap-southeast-2"
    assert config["django_settings"] == "asxdb_site.settings"
    assert config["log_level"] == "INFO" and config["debug"] is False
    assert not config.get("slim_handler", False)
    assert config["environment_variables"]["DYNAMODB_TABLE"] == f"asxdb-{name}"


def test_keep_warm_only_in_production():
    assert stage("production")["keep_warm"] is True
    assert stage("dev")["keep_warm"] is False


@pytest.mark.parametrize("name", STAGES)
def test_every_job_is_scheduled_with_valid_rule_names(name):
    config = stage(name)
    functions = {event["function"] for event in config["events"]}
    assert functions == {
        "companies.jobs.refresh_companies",
        "companies.jobs.refresh_prices",
        "companies.jobs.init_companies",
    }
    for function in functions:
        assert re.fullmatch(r"[._A-Za-z0-9]{0,63}", function)  # no hyphen: the handler splits on it
        assert len(f"{config['project_name']}-{name}-{function}") <= 64
        module, attribute = function.rsplit(".", 1)
        assert module == "companies.jobs" and callable(getattr(jobs, attribute))


@pytest.mark.parametrize("name", STAGES)
def test_stage_attaches_least_privilege_on_its_own_table(name):
    config = stage(name)
    policy = json.loads((ROOT / config["attach_policy"]).read_text())
    table = config["environment_variables"]["DYNAMODB_TABLE"]
    function = f"{config['project_name']}-{name}"
    by_service = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            by_service.setdefault(action.split(":")[0], set()).add(action)
        for resource in statement["Resource"]:
            assert table in resource or function in resource
    assert by_service["dynamodb"] == DYNAMODB_ACTIONS | TABLE_ONLY_ACTIONS
    assert by_service["lambda"] == {"lambda:InvokeFunction"}
    assert by_service.keys() == {"dynamodb", "lambda", "logs"}
    dynamodb = next(s for s in policy["Statement"] if "dynamodb:Query" in s["Action"])
    assert sorted(dynamodb["Resource"]) == [
        f"arn:aws:dynamodb:ap-southeast-2:*:table/{table}",
        f"arn:aws:dynamodb:ap-southeast-2:*:table/{table}/index/*",
    ]


def allowed_resources(policy: dict) -> dict[str, set[str]]:
    """Every action the policy allows -> every resource it is allowed on."""
    allowed = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            allowed.setdefault(action, set()).update(statement["Resource"])
    return allowed


@pytest.mark.parametrize("name", STAGES)
def test_delete_item_is_allowed_on_the_table_only_and_no_other_delete_or_scan(name):
    config = stage(name)
    policy = json.loads((ROOT / config["attach_policy"]).read_text())
    table = config["environment_variables"]["DYNAMODB_TABLE"]
    table_arn = f"arn:aws:dynamodb:ap-southeast-2:*:table/{table}"
    allowed = allowed_resources(policy)

    assert allowed["dynamodb:DeleteItem"] == {table_arn}  # not its indexes, not another table
    [delete] = [s for s in policy["Statement"] if "dynamodb:DeleteItem" in s["Action"]]
    assert delete["Action"] == ["dynamodb:DeleteItem"] and delete["Resource"] == [table_arn]
    assert delete["Sid"] not in {s["Sid"] for s in policy["Statement"] if s is not delete}
    for action in DYNAMODB_ACTIONS:
        assert allowed[action] == {table_arn, f"{table_arn}/index/*"}, action
    for action in TTL_ACTIONS:
        assert allowed[action] == {table_arn}, action
    deletes = {action for action in allowed if "delete" in action.lower()}
    assert deletes == {"dynamodb:DeleteItem"}  # no DeleteTable, DeleteBackup, log deletes...
    assert not {action for action in allowed if action.lower().endswith(":scan")}
    assert not {action for action in allowed if "*" in action}  # dynamodb:*, dynamodb:Delete*


def test_no_secret_key_is_committed():
    for name in STAGES:
        config = stage(name)
        assert "DJANGO_SECRET_KEY" not in config.get("environment_variables", {})
        assert "DJANGO_SECRET_KEY" not in config.get("aws_environment_variables", {})


def test_refresh_job_runs_the_refresh_command():
    assert "refresh_companies" in get_commands()
    with mock.patch("companies.jobs.call_command") as call_command:
        jobs.refresh_companies({"detail-type": "Scheduled Event"}, None)
    call_command.assert_called_once_with("refresh_companies")


@pytest.mark.parametrize("name", STAGES)
def test_prices_refresh_runs_after_the_asx_close_on_weekdays(name):
    (event,) = [e for e in stage(name)["events"] if e["function"].endswith("refresh_prices")]
    minutes, hours, day, month, weekdays, year = event["expression"][5:-1].split()
    first, last = (int(h) for h in hours.split("-"))
    # the ASX closes at 16:00 Sydney time: 05:00 UTC in summer, 06:00 in winter
    assert first >= 6 and last <= 10 and weekdays == "MON-FRI"
    assert minutes == "0/5"  # a run every five minutes until every company is done


def test_prices_job_runs_the_prices_command():
    assert "refresh_prices" in get_commands()
    with mock.patch("companies.jobs.call_command") as call_command:
        jobs.refresh_prices({"detail-type": "Scheduled Event"}, None)
    call_command.assert_called_once_with("refresh_prices")


def test_check_deploy_is_clean_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DYNAMODB_", "INIT_"))
    }
    env.update(stage("production")["environment_variables"])
    env["DJANGO_SECRET_KEY"] = "production-like-key-" + "Vb7nQ2xL" * 6
    # The package ships no .env; a local one (`make run` writes DJANGO_DEBUG=true) must not leak in.
    env.setdefault("DJANGO_DEBUG", "false")
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    # security.W003 (no CSRF middleware) and W021 (HSTS preload is opt-in)
    assert "System check identified no issues (2 silenced)." in completed.stdout


@pytest.mark.parametrize("name", STAGES)
def test_django_starts_in_lambdas_init_phase(name):
    """Zappa builds the app on the first event unless this variable is set on the function;
    with it, the handler's import (Lambda's init, with more CPU) sets Django up, and our WSGI
    module imports the URLconf, compiles the pages' templates and opens the DynamoDB clients."""
    config = stage(name)
    assert config["app_function"] == "asxdb_site.wsgi.application"
    assert config["aws_environment_variables"]["INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT"]
