"""The environment every bench subprocess (migrate, seed, gunicorn) runs with."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/umbrella_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
BENCH_EMAIL = "bench@umbrella.local"

# Settings that would make the server unlike production (or unlike every other bench run).
_DROPPED = ("DJANGO_ENV", "DEBUG", "API_BROWSABLE", "CELERY_TASK_ALWAYS_EAGER", "ALLOWED_HOSTS")


def server_env(*, database_url: str, redis_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=secrets.token_urlsafe(50),  # per run: nothing signed needs to outlive it
        DEBUG="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")])),
    )
    return env


def redacted(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def run_module(
    env: dict[str, str], module: str, *args: str, what: str = "", tail: int = 800
) -> str:
    """``python -m module args…`` in the project with ``env`` (the server's: its SECRET_KEY
    signs, its database is the bench's); its standard output. A failure raises with the end of
    its standard error."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{what or args[0]} failed: {result.stderr.strip()[-tail:]}")
    return result.stdout
