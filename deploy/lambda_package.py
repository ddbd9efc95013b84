"""Build the Lambda package as `zappa package` does, and run it here as Lambda would.

Used by the deploy tests and `bench/cold_start.py`; never shipped. Running "as Lambda would"
means: the unzipped package first on the path, then what the python3.12 runtime itself provides
(boto3, botocore, s3transfer, which the package excludes), and nothing else from this machine's
virtualenv (`python -S`). Events go to the package's own `handler.lambda_handler`.
"""

import json
import os
import re
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)
INVOKE_SCRIPT = Path(__file__).with_name("invoke.py")
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
# python3.12 on Lambda runs on Amazon Linux 2023.
RUNTIME_GLIBC = (2, 34)
LAMBDA_UNZIPPED_LIMIT = 262_144_000
EXECUTE_API_HOST = "abc123defg.execute-api.ap-southeast-2.amazonaws.com"


def build(stage: str, output: Path, *, cwd: Path = ROOT) -> Path:
    """`zappa package <stage> -o output` (runs the prebuild: collectstatic, bytecode), with no AWS
    credentials in reach: packaging must not need an account."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_ACCESS", "AWS_SECRET"))},
        "AWS_SESSION_TOKEN": "",
        "AWS_PROFILE": "no-such-profile",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "VIRTUAL_ENV": str(VENV),
        "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    subprocess.run(
        [str(VENV / "bin" / "zappa"), "package", stage, "-o", str(output)],
        cwd=cwd,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return output


def aws_environment(stage: str, *, cwd: Path = ROOT) -> dict[str, str]:
    """The stage's `aws_environment_variables`: set on the function itself, not in the package
    (INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT, which moves Django's setup into Lambda's init)."""
    settings = json.loads((cwd / "zappa_settings.json").read_text())
    config = settings[stage]
    while "aws_environment_variables" not in config and "extends" in config:
        config = settings[config["extends"]]
    return dict(config.get("aws_environment_variables", {}))


def unpack(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    return into


def unzipped_size(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as archive:
        return sum(info.file_size for info in archive.infolist())


def runtime_dir(into: Path) -> Path:
    """What the Lambda runtime provides and the package leaves out: links to this venv's copies."""
    into.mkdir(parents=True, exist_ok=True)
    purelib = Path(sysconfig.get_paths()["purelib"])
    for name in RUNTIME_PROVIDED:
        link = into / name
        if not link.exists():
            link.symlink_to(purelib / name, target_is_directory=True)
    return into


def glibc_needs(package_dir: Path) -> dict[str, tuple[int, int]]:
    """The highest GLIBC_x.y version each shared object of the package needs (`readelf -V`)."""
    needs = {}
    for path in package_dir.rglob("*"):
        if not path.is_file() or not re.search(r"\.so(\.\d+)*$", path.name):
            continue
        output = subprocess.run(
            ["readelf", "--version-info", "--wide", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # Only the "needs" section: what the object asks of the system, not what it defines.
        _, _, version_needs = output.partition(".gnu.version_r")
        versions = [
            (int(major), int(minor))
            for major, minor in re.findall(r"Name: GLIBC_(\d+)\.(\d+)", version_needs)
        ]
        if versions:
            needs[str(path.relative_to(package_dir))] = max(versions)
    return needs


def invoke(
    package_dir: Path,
    runtime: Path,
    events: list[dict],
    *,
    env: dict[str, str] | None = None,
    function_env: dict[str, str] | None = None,
    timeout: float = 120,
) -> dict:
    """Send `events` in order to one fresh Lambda-like process; returns what invoke.py reported:
    {"started": epoch, "imported": epoch (the handler module imported, Lambda's init done),
    "ready_on_import" (Django set up by then), "results": [{"response"|"error", "seconds",
    "finished"}], "modules" (heavy ones imported), "watched_modules", "stdout", "stderr"}.
    `function_env` is the function's own environment (default: the dev stage's
    `aws_environment_variables`)."""
    events_file = package_dir.parent / f"events-{time.monotonic_ns()}.json"
    result_file = events_file.with_suffix(".result.json")
    events_file.write_text(json.dumps(events))
    process_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DYNAMODB_", "INIT_", "VIRTUAL_ENV", "PYTHON"))
    }
    process_env.update(
        {
            "PYTHONPATH": f"{package_dir}{os.pathsep}{runtime}",
            "PYTHONDONTWRITEBYTECODE": "1",  # the package is read-only on Lambda
            "LAMBDA_TASK_ROOT": str(package_dir),
            **(aws_environment("dev") if function_env is None else function_env),
            **(env or {}),
        }
    )
    started = time.time()
    completed = subprocess.run(
        [sys.executable, "-S", str(INVOKE_SCRIPT), str(events_file), str(result_file)],
        cwd=package_dir,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if not result_file.exists():
        raise RuntimeError(f"invoke.py failed:\n{completed.stdout}\n{completed.stderr}")
    report = json.loads(result_file.read_text())
    events_file.unlink()
    result_file.unlink()
    report.update(started=started, stdout=completed.stdout, stderr=completed.stderr)
    return report


def api_gateway_event(
    path: str,
    *,
    method: str = "GET",
    stage: str = "dev",
    host: str = EXECUTE_API_HOST,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    user_arn: str | None = None,
) -> dict:
    """An API Gateway REST API (payload 1.0) proxy event, as it reaches the function."""
    all_headers = {
        "Accept": "text/html",
        "Host": host,
        "User-Agent": "Mozilla/5.0",
        "X-Forwarded-For": "203.0.113.9, 130.176.1.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    return {
        "resource": "/{proxy+}" if path != "/" else "/",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {key: [value] for key, value in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")} if path != "/" else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "domainName": host,
            "apiId": host.split(".")[0],
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {
                "sourceIp": "203.0.113.9",
                "userAgent": "Mozilla/5.0",
                "userArn": user_arn,
                "caller": None,
                "accessKey": None,
                "accountId": None,
            },
        },
        "body": body,
        "isBase64Encoded": False,
    }


def scheduled_event(function: str, *, project: str = "asxdb", stage: str = "dev") -> dict:
    """What EventBridge sends for a Zappa `events` entry: the function path is in the rule name."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-24T20:00:00Z",
        "region": "ap-southeast-2",
        "resources": [
            f"arn:aws:events:ap-southeast-2:123456789012:rule/{project}-{stage}-{function}"
        ],
        "detail": {},
    }


def keep_warm_event(*, project: str = "asxdb", stage: str = "dev") -> dict:
    return scheduled_event(
        "zappa-keep-warm-handler.keep_warm_callback", project=project, stage=stage
    )
