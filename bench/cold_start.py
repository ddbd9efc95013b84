"""Cold start of the Lambda package: process start to the first 200, against a bare Django.

    .venv/bin/python bench/cold_start.py [--runs 7]

Builds the `dev` package with `zappa package` (prebuild included: collectstatic, checked-hash
bytecode), and a hello-world Django package the same way from the same virtualenv (Django and
Zappa's handler only). Unzips both and, in a fresh `python -S` process each run (the package
first on the path, then the runtime's own boto3/botocore, nothing else), times process start ->
the first 200 from the package's `handler.lambda_handler` for an API Gateway GET of `/`. ASX DB's
home page reads DynamoDB (DynamoDB Local, started here, sample directory loaded). Runs alternate
between the two so machine load hits both alike. Prints sizes and the median of the runs.
"""

import argparse
import json
import os
import py_compile
import shutil
import statistics
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy import lambda_package  # noqa: E402
from deploy.prebuild import compile_bytecode  # noqa: E402
from devtools.dynamodb_local import running  # noqa: E402

SECRET = "bench-only-key-" + "Zr4kP8wQ" * 6
# What a bare Django app needs in its package besides Django itself: Zappa's handler and the
# modules it imports that the runtime does not provide.
HELLO_KEEPS = {
    "django", "asgiref", "sqlparse", "zappa", "werkzeug", "markupsafe", "durationpy",
    "dateutil", "six.py", "jmespath", "urllib3",
}  # fmt: skip

HELLO_FILES = {
    "hello/__init__.py": "",
    "hello/settings.py": (
        "import os\n"
        "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n"
        "DEBUG = False\n"
        "ALLOWED_HOSTS = ['.execute-api.ap-southeast-2.amazonaws.com']\n"
        "ROOT_URLCONF = 'hello.urls'\n"
        "INSTALLED_APPS = []\n"
        "MIDDLEWARE = ['django.middleware.common.CommonMiddleware']\n"
        "DATABASES = {}\n"
        "USE_TZ = True\n"
    ),
    "hello/urls.py": (
        "from django.http import HttpResponse\n"
        "from django.urls import path\n\n\n"
        "def hello(request):\n"
        "    return HttpResponse('Hello, world')\n\n\n"
        "urlpatterns = [path('', hello)]\n"
    ),
}


def build_hello(workdir: Path) -> Path:
    project = workdir / "hello-project"
    for name, text in HELLO_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    site_packages = Path(sysconfig.get_paths()["purelib"])
    kept = {f"{name.split('.')[0]}-" for name in HELLO_KEEPS}
    exclude = sorted(
        entry.name
        for entry in site_packages.iterdir()
        if entry.name not in HELLO_KEEPS
        and entry.name != "__pycache__"  # a pattern, matched at every level: would drop all .pyc
        and not (entry.name.endswith(".dist-info") and entry.name.lower().startswith(tuple(kept)))
    )
    settings = {
        "dev": {
            "project_name": "hello",
            "django_settings": "hello.settings",
            "runtime": "python3.12",
            "aws_region": "ap-southeast-2",
            "use_precompiled_packages": False,
            "log_level": "INFO",
            "debug": False,
            "exclude": [*exclude, "tests", "*.po", "*.mo"],
        }
    }
    (project / "zappa_settings.json").write_text(json.dumps(settings))
    compile_bytecode()  # the shared site-packages, as the ASX DB build does
    for source in project.rglob("*.py"):
        py_compile.compile(
            str(source), invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
        )
    return lambda_package.build("dev", workdir / "hello-dev.zip", cwd=project)


def cold_start(package_dir: Path, runtime: Path, env: dict) -> float:
    report = lambda_package.invoke(
        package_dir, runtime, [lambda_package.api_gateway_event("/")], env=env
    )
    result = report["results"][0]
    if result.get("response", {}).get("statusCode") != 200:
        raise RuntimeError(f"no 200: {result}\n{report['stderr'][-2000:]}")
    return result["finished"] - report["started"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="asxdb-cold-start-"))
    try:
        print("building the ASX DB package (zappa package dev)...", flush=True)
        asx_zip = lambda_package.build("dev", workdir / "asxdb-dev.zip")
        print("building the hello-world package the same way...", flush=True)
        hello_zip = build_hello(workdir)
        asx_dir = lambda_package.unpack(asx_zip, workdir / "asxdb")
        hello_dir = lambda_package.unpack(hello_zip, workdir / "hello")
        runtime = lambda_package.runtime_dir(workdir / "runtime")

        with running() as dynamodb_url:
            asx_env = {
                "DJANGO_SECRET_KEY": SECRET,
                "DYNAMODB_ENDPOINT_URL": dynamodb_url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
            }
            hello_env = {"DJANGO_SECRET_KEY": SECRET}
            setup = lambda_package.invoke(
                asx_dir,
                runtime,
                [{"manage": "create_table"}, {"manage": "init_companies --sample"}],
                env=asx_env,
            )
            if any("error" in result for result in setup["results"]):
                raise RuntimeError(setup["results"])
            # One untimed run each: the first read of a freshly unzipped tree pays for the disk.
            cold_start(asx_dir, runtime, asx_env)
            cold_start(hello_dir, runtime, hello_env)
            asx_times, hello_times = [], []
            for _ in range(args.runs):
                asx_times.append(cold_start(asx_dir, runtime, asx_env))
                hello_times.append(cold_start(hello_dir, runtime, hello_env))

        asx_median, hello_median = statistics.median(asx_times), statistics.median(hello_times)
        print()
        print(f"{'package':<12} {'zipped':>14} {'unzipped':>16} {'cold start (median)':>20}")
        for name, zip_path, median in [
            ("ASX DB", asx_zip, asx_median),
            ("hello world", hello_zip, hello_median),
        ]:
            print(
                f"{name:<12} {zip_path.stat().st_size:>14,} "
                f"{lambda_package.unzipped_size(zip_path):>16,} {median:>19.3f}s"
            )
        print()
        print(f"runs each: {args.runs}; load average: {os.getloadavg()[0]:.2f}")
        print(f"ASX DB runs:      {', '.join(f'{t:.3f}' for t in asx_times)}")
        print(f"hello world runs: {', '.join(f'{t:.3f}' for t in hello_times)}")
        print(f"ratio: {asx_median / hello_median:.2f}x the hello world (target < 2x)")
        print(f"target < 0.5 s: {'met' if asx_median < 0.5 else 'NOT met'}")
        print(f"Lambda's unzipped limit: {lambda_package.LAMBDA_UNZIPPED_LIMIT:,} bytes")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
