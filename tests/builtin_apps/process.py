"""The built-in apps' process, started as production starts it (the Procfile's ``apps`` line)
on a free port, and signed requests made with the Standard Webhooks library as the platform
makes them."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

ROOT = Path(__file__).resolve().parents[2]
LOTTERY_SECRET = "whsec_" + "bG90dGVyeS1zaWduaW5nLXNlY3JldC0wMQ=="
QUIZ_SECRET = "whsec_" + "cXVpei1zaWduaW5nLXNlY3JldC0wMDAwMQ=="
QUIZ_CLIENT_SECRET = "ucs_quiz-client-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_credentials(path: Path) -> None:
    path.write_text(
        json.dumps(
            {
                "apps": {
                    "lottery": {
                        "app_id": "app_lottery",
                        "client_secret": "ucs_lottery",
                        "webhook_secret": LOTTERY_SECRET,
                    },
                    "quiz": {
                        "app_id": "app_quiz",
                        "client_secret": QUIZ_CLIENT_SECRET,
                        "webhook_secret": QUIZ_SECRET,
                    },
                }
            }
        )
    )


def procfile_command(*, port: int, workers: int) -> list[str]:
    """The Procfile's ``apps`` line, as production runs it, on ``127.0.0.1:<port>``."""
    (line,) = [
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("apps:")
    ]
    command = (
        line.removeprefix("apps:")
        .replace("${APPS_PORT:-8002}", str(port))
        .replace("${APPS_CONCURRENCY:-2}", str(workers))
        .replace("0.0.0.0:", "127.0.0.1:")
        .split()
    )
    assert command[0] == "gunicorn" and "builtin_apps.wsgi:application" in command, line
    assert "$" not in " ".join(command), line
    return [sys.executable, "-m", *command]


@dataclass
class AppsProcess:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    directory: Path, *, credentials: Path, platform_url: str, workers: int = 2, port: int = 0
) -> AppsProcess:
    """Start the apps process, waiting until ``/apps/lottery/health`` answers 200."""
    port = port or free_port()
    log = directory / "apps.log"
    process = subprocess.Popen(
        procfile_command(port=port, workers=workers),
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "BUILTIN_APPS_CREDENTIALS": str(credentials),
            "BUILTIN_APPS_STATE": str(directory / "state.sqlite3"),
            "UMBRELLA_URL": platform_url,
        },
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    apps = AppsProcess(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the apps process exited: {apps.output()}")
        try:
            if httpx.get(f"{apps.url}/apps/lottery/health", timeout=1).status_code == 200:
                return apps
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    apps.stop()
    raise AssertionError(f"the apps process did not start: {apps.output()}")


def signed(
    secret: str, body: Any, *, msg_id: str | None = None, at: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers the platform sends: ``webhook-signature`` by the library."""
    data = json.dumps(body, separators=(",", ":"))
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, data),
        "content-type": "application/json",
    }
    return data.encode(), headers


def post(client: httpx.Client, path: str, secret: str, body: Any, **sign: Any) -> httpx.Response:
    content, headers = signed(secret, body, **sign)
    return client.post(path, content=content, headers=headers)
