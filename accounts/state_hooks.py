"""What a higher app keeps in step with an account's state, without accounts importing it.

An artist is listed in discovery only while the account is an active, onboarded artist
(``artists.models.PUBLIC_OWNER``). Discovery reads a stored copy of that (the profile's
``listed`` flag), so every change of the account's role, onboarding or activity must reach it.
Each app that stores such a copy registers a hook in its ``AppConfig.ready``; the accounts
services that change those fields (onboarding, staff edits in admin, deactivation,
anonymisation) call :func:`user_state_changed` inside their transaction, after saving the user
(the same pattern as ``accounts.deletion`` and ``accounts.role_locks``).

A write to those fields that bypasses the services (a queryset ``update()``, a shell) must call
:func:`user_state_changed` too, or the copy is stale: tests/artists/test_listed.py runs every
service path and fails if one forgets.
"""

from collections.abc import Callable

from accounts.models import User

StateHook = Callable[[User], None]

# The user fields whose change the hooks must see.
WATCHED_FIELDS = frozenset({"role", "onboarding_complete", "is_active"})

_hooks: list[StateHook] = []


def user_state_register(hook: StateHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def user_state_changed(user: User) -> None:
    """Let every registered app catch up with the user's saved role, onboarding and activity."""
    for hook in _hooks:
        hook(user)
