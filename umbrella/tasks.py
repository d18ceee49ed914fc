"""Task plumbing shared by every app."""

from collections.abc import Callable
from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, /, **kwargs: Any) -> None:
    """Send ``task`` with keyword arguments once the current transaction commits.

    Outside a transaction it is sent at once. Tasks take ids, never model instances. The way
    every domain's services enqueue work (docs/conventions.md); the first callers arrive with
    the marketplace's notifications (issue 9). Until then only tests use it.
    """
    send: Callable[[], Any] = lambda: task.apply_async(kwargs=kwargs)  # noqa: E731
    transaction.on_commit(send)
