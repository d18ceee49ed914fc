"""Template tags that ask the domain registry (umbrella/domains.py) for pages of higher apps."""

from typing import Any

from django import template

from umbrella import domains

register = template.Library()


@register.simple_tag
def message_url(kind: str, pk: int | None) -> str:
    """The page that starts a conversation ("" when no domain offers one, or no ``pk``)::

        {% load domains %}{% message_url "venue" gig.venue_id as url %}
        {% if url %}<a href="{{ url }}" role="button">Message the venue</a>{% endif %}

    ``kind``: "user" (a user id), "artist" (an artist profile id) or "venue" (a venue's).
    """
    if not pk:
        return ""
    return domains.contact_url(kind, pk) or ""


@register.simple_tag
def gig_fragment_urls(gig_id: int) -> list[str]:
    """The URLs of the fragments higher apps add to a gig's page (``domains.gig_fragment_urls``)::

    {% load domains %}{% gig_fragment_urls gig.id as fragments %}
    """
    return domains.gig_fragment_urls(gig_id)


@register.simple_tag(takes_context=True)
def page_links(context: Any, page: str, **values: object) -> list[dict[str, str]]:
    """The links higher apps add to a place of this page, for the signed-in user::

    {% load domains %}{% page_links "conversation" conversation=conversation_id as links %}
    {% for link in links %}<a href="{{ link.url }}">{{ link.label }}</a>{% endfor %}
    """
    user = getattr(context.get("request"), "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return [{"label": label, "url": url} for label, url in domains.page_links(page, role, **values)]


@register.simple_tag
def artist_stats_fragment_urls(slug: str) -> list[str]:
    """The URLs of the fragments higher apps add to an artist's Stats tab
    (``domains.artist_stats_fragment_urls``)::

    {% load domains %}{% artist_stats_fragment_urls artist.slug as fragments %}
    """
    return domains.artist_stats_fragment_urls(slug)
