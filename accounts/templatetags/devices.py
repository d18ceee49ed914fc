from typing import Any

from django import template

from accounts.models import EndedSession, User
from accounts.selectors import ended_sessions_for

register = template.Library()


@register.simple_tag
def ended_sessions(user: Any) -> list[EndedSession]:
    """The device list's "recently ended" part: which sessions ended, and why."""
    if not isinstance(user, User):
        return []
    return ended_sessions_for(user=user)
