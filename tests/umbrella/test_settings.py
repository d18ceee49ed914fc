"""What ``umbrella/settings.py`` gives with no environment (the embedded default) and without
``DEBUG``: read in a subprocess, since the test process has its own environment."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

READ = """
import json
from umbrella import settings as s
print(json.dumps({
    "database": {k: s.DATABASES["default"].get(k, {}) for k in ("ENGINE", "NAME", "OPTIONS")},
    "renderers": s.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
    "rates": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "middleware": s.MIDDLEWARE,
    "last_seen": s.LAST_SEEN_INTERVAL_SECONDS,
}, default=str))
"""


def _settings(**env: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


@pytest.mark.skipif((BASE_DIR / ".env").exists(), reason="a .env file changes the embedded default")
def test_the_embedded_default_is_sqlite_made_for_parallel_requests():
    found = _settings()

    database = found["database"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].endswith("db.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert found["last_seen"] == 300
    assert "accounts.last_seen.LastSeenMiddleware" in found["middleware"]
    assert "allauth.usersessions.middleware.UserSessionsMiddleware" not in found["middleware"]
    # Outermost, the deprecation headers, so the JSON error pages made next carry them too.
    assert found["middleware"][:2] == [
        "umbrella.deprecation.DeprecationMiddleware",
        "umbrella.api.JsonErrorsMiddleware",
    ]
    assert found["rates"]["anon"] == "20/min"
    assert found["rates"]["anon_read"] == "120/min"
    # Development: the browsable API for a browser that asks for HTML.
    assert "rest_framework.renderers.BrowsableAPIRenderer" in found["renderers"]


def test_without_debug_the_api_renders_json_only():
    found = _settings(DEBUG="false", DATABASE_URL="postgres://nobody@127.0.0.1:5432/none")

    assert found["renderers"] == ["rest_framework.renderers.JSONRenderer"]
    assert found["database"]["OPTIONS"] == {}  # the SQLite options are for SQLite only
