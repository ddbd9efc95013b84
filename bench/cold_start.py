"""Cold start of the Lambda package: process start to the first 200, against a bare Django.

    .venv/bin/python bench/cold_start.py [--runs 7] [--rounds 3] [--vs /tmp/cold-before]

Builds the `dev` package with `zappa package` (prebuild included: collectstatic, checked-hash
bytecode), and a hello-world Django package the same way from the same virtualenv (Django and
Zappa's handler only); with `--vs`, also the package of another checkout of this project (the
previous commit: `git archive HEAD | tar -x -C /tmp/cold-before`). Unzips them and, in a fresh
`python -S` process each run (the package first on the path, then the runtime's own
boto3/botocore, nothing else; the function's `aws_environment_variables` set, as on Lambda),
times process start -> the first 200 from the package's `handler.lambda_handler` for an API
Gateway GET of `/`, split at the end of the handler module's import (Lambda's init phase). ASX
DB's home page reads DynamoDB (DynamoDB Local, started here, sample directory loaded). Runs
alternate between the packages so machine load hits all alike.

Then the same with 4 processes started together (4 containers cold at once), and a breakdown of
one cold start into phases, each run in order in a fresh process: the interpreter, Zappa's
handler module, Django's settings and apps, the middleware, the URLconf, the pages' templates,
the DynamoDB client (and a second model's), the rest of Zappa's init, then the first request
(its DynamoDB calls, its template rendering, the rest). Phase times are medians of 3 processes;
the modules each phase imports are from one more under `-X importtime` (self time, grouped by
top-level package; importtime's own overhead inflates them).
"""

import argparse
import json
import os
import py_compile
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy import lambda_package  # noqa: E402
from deploy.prebuild import compile_bytecode  # noqa: E402
from devtools.dynamodb_local import running  # noqa: E402

SECRET = "bench-only-key-" + "Zr4kP8wQ" * 6
TARGET_RATIO = 1.3
AT_ONCE = 4
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

# What asxdb_site/wsgi.py's warm-up compiles (a package without them skips it).
PAGE_TEMPLATES = ("base.html", "includes/_ticker_box.html")

# Run inside an unzipped package (`python -S phases.py EVENT.json OUT.json`): the cold start's
# work, phase by phase, in the order the handler does it; a marker line on stderr ends each
# phase so that `-X importtime` lines can be told apart.
PHASES_SCRIPT = r"""
import json, os, sys, time

STARTED = time.time()
marks = []


def mark(name):
    marks.append((name, time.time()))
    print(f"@@phase {name}", file=sys.stderr, flush=True)


mark("interpreter")
import handler

mark("Zappa's handler module")
import zappa_settings

os.environ.update(zappa_settings.ENVIRONMENT_VARIABLES)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", zappa_settings.DJANGO_SETTINGS)
import django

django.setup(set_prefix=False)
from django.conf import settings

mark("Django settings and apps")
from django.core.handlers.wsgi import WSGIHandler

WSGIHandler()
mark("middleware")
from django.urls import get_resolver

get_resolver().reverse_dict
mark("URLconf (views, selectors)")
if settings.TEMPLATES:
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    for name in TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            pass
mark("page templates (compile)")
if "companies" in settings.INSTALLED_APPS:
    from companies import models

    models.Company._get_connection().connection.client
    mark("DynamoDB client")
    models.SiteStats._get_connection().connection.client
    mark("a second model's client")
handler.LambdaHandler()
mark("rest of Zappa's init")

spent = {"dynamodb": 0.0, "calls": 0, "render": 0.0}


def timed(owner, name, key):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - started
            if key == "dynamodb":
                spent["calls"] += 1

    setattr(owner, name, wrapper)


if "companies" in settings.INSTALLED_APPS:
    from pynamodb.connection.base import Connection

    timed(Connection, "_make_api_call", "dynamodb")
from django.template.backends.django import Template

timed(Template, "render", "render")


class Context:
    function_name = "asxdb-dev"
    memory_limit_in_mb = 1024
    aws_request_id = "0"

    def get_remaining_time_in_millis(self):
        return 300_000


with open(sys.argv[1]) as source:
    response = handler.lambda_handler(json.load(source), Context())
mark("first request")
with open(sys.argv[2], "w") as out:
    json.dump({"marks": marks, "status": response["statusCode"], "spent": spent}, out)
"""


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
            # as ASX DB's: Django's setup in Lambda's init phase
            "aws_environment_variables": {"INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true"},
        }
    }
    (project / "zappa_settings.json").write_text(json.dumps(settings))
    compile_bytecode()  # the shared site-packages, as the ASX DB build does
    for source in project.rglob("*.py"):
        py_compile.compile(
            str(source), invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
        )
    return lambda_package.build("dev", workdir / "hello-dev.zip", cwd=project)


class Package:
    def __init__(self, name: str, zip_path: Path, directory: Path, env: dict, function_env):
        self.name, self.zip_path, self.directory = name, zip_path, directory
        self.env, self.function_env = env, function_env
        self.runs: list[dict[str, float]] = []
        self.at_once: list[float] = []
        self.phases: list[dict] = []
        self.imports: dict[str, Counter] = {}


def cold_start(package: Package, runtime: Path) -> dict[str, float]:
    """One fresh process: seconds to the end of the handler's import (Lambda's init) and to the
    first 200."""
    report = lambda_package.invoke(
        package.directory,
        runtime,
        [lambda_package.api_gateway_event("/")],
        env=package.env,
        function_env=package.function_env,
    )
    result = report["results"][0]
    if result.get("response", {}).get("statusCode") != 200:
        raise RuntimeError(f"no 200: {result}\n{report['stderr'][-2000:]}")
    return {
        "init": report["imported"] - report["started"],
        "total": result["finished"] - report["started"],
    }


def cold_starts_at_once(package: Package, runtime: Path) -> list[float]:
    with ThreadPoolExecutor(AT_ONCE) as pool:
        return [run["total"] for run in pool.map(lambda _: cold_start(package, runtime), range(4))]


def phases(package: Package, runtime: Path, workdir: Path, *, importtime: bool) -> dict:
    """One fresh process through PHASES_SCRIPT: {"phases": [(name, seconds)], "spent",
    "imports": {phase: Counter(top-level package -> seconds)}}."""
    script = workdir / "phases" / "phases.py"  # its directory is first on sys.path: no package
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"TEMPLATES = {PAGE_TEMPLATES!r}\n{PHASES_SCRIPT}")
    event, out = workdir / "phase-event.json", workdir / "phase-out.json"
    event.write_text(json.dumps(lambda_package.api_gateway_event("/")))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DYNAMODB_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(
        PYTHONPATH=f"{package.directory}{os.pathsep}{runtime}",
        PYTHONDONTWRITEBYTECODE="1",
        LAMBDA_TASK_ROOT=str(package.directory),
        **package.env,
    )
    # No INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT: the script runs the handler's init itself, in parts.
    command = [sys.executable, "-S", *(["-X", "importtime"] if importtime else [])]
    started = time.time()
    completed = subprocess.run(
        [*command, str(script), str(event), str(out)],
        cwd=package.directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if completed.returncode or not out.exists():
        raise RuntimeError(f"phases failed:\n{completed.stderr[-3000:]}")
    report = json.loads(out.read_text())
    out.unlink()
    if report["status"] != 200:
        raise RuntimeError(f"phases: no 200 ({report['status']})")
    previous, timeline = started, []
    for name, at in report["marks"]:
        timeline.append((name, at - previous))
        previous = at
    imports: dict[str, Counter] = defaultdict(Counter)
    if importtime:
        phase_names = iter(name for name, _ in report["marks"])
        current = next(phase_names)
        for line in completed.stderr.splitlines():
            if line.startswith("@@phase "):
                current = next(phase_names, current)
                continue
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
            if match:
                imports[current][match[2].split(".")[0]] += int(match[1]) / 1e6
    return {"phases": timeline, "spent": report["spent"], "imports": imports}


def phase_table(packages: list[Package]) -> None:
    names = [name for name, _ in max((p.phases[0]["phases"] for p in packages), key=len)]
    print(f"{'phase (median of 3 processes), s':<34}" + "".join(f"{p.name:>14}" for p in packages))
    medians = {}
    for package in packages:
        by_name = defaultdict(list)
        for run in package.phases:
            for name, seconds in run["phases"]:
                by_name[name].append(seconds)
            by_name["  of which DynamoDB calls"].append(run["spent"]["dynamodb"])
            by_name["  of which template rendering"].append(run["spent"]["render"])
            by_name["total"].append(sum(seconds for _, seconds in run["phases"]))
        medians[package.name] = {name: statistics.median(v) for name, v in by_name.items()}
        calls = package.phases[0]["spent"]["calls"]
        medians[package.name]["  DynamoDB calls (count)"] = calls
    rows = [
        *names,
        "  of which DynamoDB calls",
        "  DynamoDB calls (count)",
        "  of which template rendering",
        "total",
    ]
    for row in rows:
        cells = []
        for package in packages:
            value = medians[package.name].get(row)
            if value is None:
                cells.append(f"{'-':>14}")
            elif row.endswith("(count)"):
                cells.append(f"{value:>14d}")
            else:
                cells.append(f"{value:>14.3f}")
        print(f"{row:<34}" + "".join(cells))
    print()
    print("imports by phase (self seconds under -X importtime, top packages):")
    for package in packages:
        print(f"  {package.name}:")
        for name in names:
            counter = package.imports.get(name)
            if not counter:
                continue
            top = ", ".join(f"{top} {seconds:.3f}" for top, seconds in counter.most_common(6))
            print(f"    {name:<30} {sum(counter.values()):.3f}  ({top})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="serial cold starts per package")
    parser.add_argument("--rounds", type=int, default=3, help=f"rounds of {AT_ONCE} at once")
    parser.add_argument("--vs", type=Path, help="another checkout to build and compare (before)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="asxdb-cold-start-"))
    try:
        builds = []
        if args.vs:
            print(f"building the package of {args.vs} (zappa package dev)...", flush=True)
            zip_path = lambda_package.build("dev", workdir / "before-dev.zip", cwd=args.vs)
            builds.append(("before", zip_path, args.vs))
        print("building the ASX DB package (zappa package dev)...", flush=True)
        builds.append(("ASX DB", lambda_package.build("dev", workdir / "asxdb-dev.zip"), ROOT))
        print("building the hello-world package the same way...", flush=True)
        hello_zip = build_hello(workdir)
        runtime = lambda_package.runtime_dir(workdir / "runtime")

        with running() as dynamodb_url:
            asx_env = {
                "DJANGO_SECRET_KEY": SECRET,
                "DYNAMODB_ENDPOINT_URL": dynamodb_url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
            }
            packages = [
                Package(
                    name,
                    zip_path,
                    lambda_package.unpack(zip_path, workdir / name.replace(" ", "-")),
                    asx_env,
                    lambda_package.aws_environment("dev", cwd=tree),
                )
                for name, zip_path, tree in builds
            ]
            hello = Package(
                "hello world",
                hello_zip,
                lambda_package.unpack(hello_zip, workdir / "hello"),
                {"DJANGO_SECRET_KEY": SECRET},
                lambda_package.aws_environment("dev", cwd=workdir / "hello-project"),
            )
            for package in packages:
                setup = lambda_package.invoke(
                    package.directory,
                    runtime,
                    [{"manage": "create_table"}, {"manage": "init_companies --sample"}],
                    env=asx_env,
                    function_env=package.function_env,
                )
                if any("error" in result for result in setup["results"]):
                    raise RuntimeError(setup["results"])
            packages.append(hello)
            # One untimed run each: the first read of a freshly unzipped tree pays for the disk.
            for package in packages:
                cold_start(package, runtime)
            for _ in range(args.runs):
                for package in packages:
                    package.runs.append(cold_start(package, runtime))
            for _ in range(args.rounds):
                for package in packages:
                    package.at_once += cold_starts_at_once(package, runtime)
            for importtime in (False, False, False, True):
                for package in packages:
                    run = phases(package, runtime, workdir, importtime=importtime)
                    if importtime:
                        package.imports = run["imports"]
                    else:
                        package.phases.append(run)

        asx = next(p for p in packages if p.name == "ASX DB")
        median = {
            p.name: {
                key: statistics.median(run[key] for run in p.runs) for key in ("init", "total")
            }
            for p in packages
        }
        print()
        print(
            f"{'package':<12} {'zipped':>12} {'unzipped':>13} {'init (median)':>14} "
            f"{'first 200 (median)':>19} {f'{AT_ONCE} at once: median':>19} {'max':>7}"
        )
        for package in packages:
            print(
                f"{package.name:<12} {package.zip_path.stat().st_size:>12,} "
                f"{lambda_package.unzipped_size(package.zip_path):>13,} "
                f"{median[package.name]['init']:>13.3f}s {median[package.name]['total']:>18.3f}s "
                f"{statistics.median(package.at_once):>18.3f}s {max(package.at_once):>6.3f}s"
            )
        print()
        print(f"runs each: {args.runs} serial, {args.rounds} x {AT_ONCE} at once; "
              f"load average: {os.getloadavg()[0]:.2f}")  # fmt: skip
        for package in packages:
            runs = ", ".join(f"{run['total']:.3f}" for run in package.runs)
            print(f"{package.name + ' runs:':<18}{runs}")
        print()
        phase_table(packages)
        print()
        ratio = median["ASX DB"]["total"] / median["hello world"]["total"]
        # each round's two runs back to back: the ratio pair by pair holds while the machine's
        # speed drifts between rounds (these runs are bimodal on a shared machine)
        pairs = zip(asx.runs, hello.runs, strict=True)
        paired = statistics.median(ours["total"] / theirs["total"] for ours, theirs in pairs)
        at_once_ratio = statistics.median(asx.at_once) / statistics.median(hello.at_once)
        verdict = "met" if paired <= TARGET_RATIO else "NOT met"
        print(f"first 200, ASX DB / hello world: {ratio:.2f}x of the medians")
        print(
            f"first 200, ASX DB / hello world, round by round: median {paired:.2f}x "
            f"(target <= {TARGET_RATIO}x: {verdict})"
        )
        print(f"{AT_ONCE} at once, median ASX DB / hello world: {at_once_ratio:.2f}x")
        if args.vs:
            before, hello_total = median["before"]["total"], median["hello world"]["total"]
            print(f"ASX DB / before: {median['ASX DB']['total'] / before:.2f}x; "
                  f"before / hello world: {before / hello_total:.2f}x")  # fmt: skip
        print(f"Lambda's unzipped limit: {lambda_package.LAMBDA_UNZIPPED_LIMIT:,} bytes")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
