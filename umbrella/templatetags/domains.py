"""Template tags that ask the domain registry (umbrella/domains.py) for pages of higher apps."""

from django import template

from umbrella import domains

register = template.Library()


@register.simple_tag
def message_url(user_id: int | None) -> str:
    """The page that starts a conversation with ``user_id`` ("" when no domain offers one)::

    {% message_url profile.user_id as url %}
    {% if url %}<a href="{{ url }}">Message</a>{% endif %}
    """
    if not user_id:
        return ""
    return domains.contact_url(user_id) or ""
