"""Umbrella's built-in apps, Lottery (``app_lottery``) and Quiz (``app_quiz``): SPEC-events §8.

They are served by the same deployment as Umbrella but, like any third party's app, use only
the public contract of docs/apps.md: a manifest registered through the API (``lottery.json``,
``quiz.json``; ``manage.py register_builtin_apps``), webhooks verified with the Standard
Webhooks library, and the app-token API. So this package imports nothing of the project (an
import-linter contract in pyproject.toml checks it): the standard library, ``standardwebhooks``
and ``httpx`` only.

``builtin_apps.wsgi:application`` is a small WSGI application run as its own process (the
Procfile's ``apps``; ``bin/dev`` starts it): docs/rooms.md "Built-in apps" says why.
"""

import json
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
NAMES = ("lottery", "quiz")
APP_IDS = {"lottery": "app_lottery", "quiz": "app_quiz"}
DEFAULT_BASE_URL = "http://127.0.0.1:8002/apps"


def manifest(name: str, base_url: str | None = None) -> dict[str, Any]:
    """The manifest of built-in app ``name``, its ``base_url`` ``<base_url>/<name>`` when
    ``base_url`` (where the apps process is reached, without a trailing ``/``) is given."""
    data: dict[str, Any] = json.loads((PACKAGE / f"{name}.json").read_text())
    if base_url:
        data["base_url"] = f"{base_url.rstrip('/')}/{name}"
    return data
