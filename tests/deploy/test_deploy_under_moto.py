"""`zappa deploy dev` run to completion inside moto (no AWS account), and what it leaves behind:
the function, its schedule, its API, and an execution role holding only our policy.

Patched, because moto lacks it or the session already did it:
- `openapi_spec_validator` (an optional moto extra that moto's API Gateway imports at start-up;
  Zappa builds its API from a CloudFormation template and never has moto validate an OpenAPI
  spec) is stubbed with empty modules rather than installed into the venv Zappa packages;
- `ZappaCLI.execute_prebuild_script` and `create_package` reuse the package the session fixture
  built with `zappa package dev` (the same prebuild and excludes), instead of building it again.
moto answers `lambda:AddPermission` with 200 where AWS answers 201, so Zappa logs "Problem
creating permission" for each scheduled rule; the permission is created all the same (asserted).
"""

import json
import shutil
import sys
import types
from pathlib import Path
from unittest import mock

import boto3
import pytest

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-southeast-2"


def _stub_module(monkeypatch, name, **attributes):
    module = types.ModuleType(name)
    module.__path__ = []
    module.__dict__.update(attributes)
    monkeypatch.setitem(sys.modules, name, module)


@pytest.fixture(scope="module")
def deployed(lambda_zip, tmp_path_factory):
    """One `zappa deploy dev` for the module; the tests read what it made while moto still runs."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _deploy(lambda_zip, tmp_path_factory.mktemp("deploy"), monkeypatch)


def _deploy(lambda_zip, tmp_path, monkeypatch):
    from moto import mock_aws
    from zappa.cli import ZappaCLI

    _stub_module(monkeypatch, "openapi_spec_validator", validate_spec=lambda *a, **k: None)
    _stub_module(monkeypatch, "openapi_spec_validator.validation")
    _stub_module(
        monkeypatch,
        "openapi_spec_validator.validation.exceptions",
        OpenAPIValidationError=type("OpenAPIValidationError", (Exception,), {}),
    )
    # Zappa leaves its CloudFormation template in the working directory: work elsewhere.
    shutil.copy(ROOT / "zappa_settings.json", tmp_path)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    monkeypatch.chdir(tmp_path)

    def reuse_package(self, output=None, use_zappa_release=None):
        self.zip_path = str(shutil.copy(lambda_zip, tmp_path / "asxdb-dev.zip"))

    with (
        mock_aws(),
        mock.patch.object(ZappaCLI, "execute_prebuild_script", lambda self: None),
        mock.patch.object(ZappaCLI, "create_package", reuse_package),
    ):
        ZappaCLI().handle(["deploy", "dev"])
        yield


def test_zappa_deploy_dev_creates_the_function_schedule_and_api(deployed):
    lam = boto3.client("lambda", region_name=REGION)
    function = lam.get_function(FunctionName="asxdb-dev")["Configuration"]
    assert function["Runtime"] == "python3.12"
    assert function["Handler"] == "handler.lambda_handler"
    assert function["Timeout"] == 300
    assert function["Role"].endswith(":role/asxdb-dev-ZappaLambdaExecutionRole")

    events = boto3.client("events", region_name=REGION)
    rules = {rule["Name"]: rule for rule in events.list_rules()["Rules"]}
    assert set(rules) == {
        "asxdb-dev-companies.jobs.refresh_companies",
        "asxdb-dev-companies.jobs.refresh_prices",
        "asxdb-dev-companies.jobs.init_companies",
    }  # and no keep-warm rule in dev
    for name in rules:
        [target] = events.list_targets_by_rule(Rule=name)["Targets"]
        assert target["Arn"] == function["FunctionArn"]
    invokers = json.loads(lam.get_policy(FunctionName="asxdb-dev")["Policy"])["Statement"]
    assert sum(s["Principal"] == {"Service": "events.amazonaws.com"} for s in invokers) == 3

    apis = boto3.client("apigateway", region_name=REGION).get_rest_apis()["items"]
    assert [api["name"] for api in apis] == ["asxdb-dev"]


def test_execution_role_holds_only_the_attached_policy(deployed):
    iam = boto3.client("iam")
    role = "asxdb-dev-ZappaLambdaExecutionRole"
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["zappa-permissions"]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    document = iam.get_role_policy(RoleName=role, PolicyName="zappa-permissions")["PolicyDocument"]
    expected = json.loads((ROOT / "deploy" / "iam-policy-dev.json").read_text())
    assert document == expected  # Zappa's broad default (s3:*, ec2, logs:*...) is gone entirely
