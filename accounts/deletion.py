"""What a higher app does when an account is deleted for good, without accounts importing it.

Deleting a user cascades to the rows of every domain app (an artist's profile, tracks, media
files, quota), but not to what those rows point at outside the database: stored files. Each app
that keeps such things registers a hook in its ``AppConfig.ready``; ``user_hard_delete`` runs the
hooks inside its transaction, before the rows go, and a hook schedules its clean-up with
``transaction.on_commit`` (the same pattern as the role locks in ``accounts.role_locks``).
"""

from collections.abc import Callable

from accounts.models import User

DeletionHook = Callable[[User], None]

_hooks: list[DeletionHook] = []


def user_deletion_register(hook: DeletionHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def user_deletion_prepare(user: User) -> None:
    """Let every registered app prepare for the account's rows to be deleted."""
    for hook in _hooks:
        hook(user)
