"""Who may still change their role: higher apps say so without accounts importing them.

A role-specific onboarding (the artist wizard) writes data that only makes sense for that role.
Once it has saved anything, the role is locked even before onboarding completes, so a switch to
"fan" cannot publish or orphan a half-built profile. Each domain app registers a check in its
``AppConfig.ready``; the lower layer only calls the checks.
"""

from collections.abc import Callable

from accounts.models import User

# A check returns a message saying why the user's role is locked, or None.
RoleLockCheck = Callable[[User], str | None]

_checks: list[RoleLockCheck] = []


def role_lock_register(check: RoleLockCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def role_lock_reason(user: User) -> str | None:
    """Why the user's role cannot change any more, or None while it still may."""
    if user.onboarding_complete and user.role:
        return "Your role is set once onboarding is complete."
    for check in _checks:
        reason = check(user)
        if reason:
            return reason
    return None
