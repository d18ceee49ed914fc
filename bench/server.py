"""gunicorn as production runs it (sync workers), on a free local port, always stopped again."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.environment import PROJECT_DIR

HOST = "127.0.0.1"
START_TIMEOUT = float(os.environ.get("BENCH_START_TIMEOUT", "30"))  # a loaded machine: more
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    log_path: Path
    pid: int = 0  # gunicorn's master


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def gunicorn_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "umbrella.wsgi:application",
        "--worker-class",
        "sync",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        # The default control socket is one path per machine user: parallel runs would collide.
        "--no-control-socket",
    ]


@contextmanager
def running_server(env: dict[str, str], *, workers: int, ready_path: str) -> Iterator[Server]:
    """Start gunicorn, wait until ``ready_path`` answers 200, and stop it however we leave."""
    port = free_port()
    with tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log") as log:
        # A new session: Ctrl-C reaches only us, and we stop gunicorn in order (finally below).
        process = subprocess.Popen(
            gunicorn_command(port, workers),
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Server(HOST, port, Path(log.name), process.pid)
        try:
            wait_until_ready(process, server, ready_path)
            yield server
        finally:
            stop(process)


def wait_until_ready(process: subprocess.Popen[bytes], server: Server, path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{log_tail(server)}")
        if answers_ok(server, path):
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready after {START_TIMEOUT:.0f}s:\n{log_tail(server)}")


def answers_ok(server: Server, path: str) -> bool:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM is gunicorn's graceful stop; SIGKILL only if it does not finish in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # The whole group (its own session, see above), so no orphaned worker keeps the port.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(server: Server, lines: int = 40) -> str:
    text = server.log_path.read_text(errors="replace")
    return "\n".join(text.splitlines()[-lines:])
