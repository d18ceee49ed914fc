"""What every list check starts with: the JSON body and the paginated envelope."""

import json
from typing import Any


def parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def page_rows(body: bytes) -> list[Any] | str:
    """The ``results`` of a paginated body, or what is wrong with the envelope."""
    data = parse(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return "no results list"
    if "next" not in data or "previous" not in data:
        return "no next/previous"
    return data["results"]
