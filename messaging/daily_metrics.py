"""Messaging's part of the nightly analytics rollup (``umbrella.daily_metrics``): messages
received by artists and venues, artists' fan list growth and campaign sends. Registered in
``MessagingConfig.ready``; each function is one ``SELECT … GROUP BY`` (fan growth two) for every
artist or venue of the day.

* **Messages received**: messages sent to the artist's (venue's) account that day, by anyone.
* **Fan list growth**: fans who joined one of the artist's lists that day (their consent time:
  added by hand, imported, or a confirmed sign-up) minus fans who left that day (an unsubscribe,
  or taken off a list by the artist). Net, so it can be negative.
* **Campaign sends**: campaign messages handed to the email or SMS provider that day.
"""

from typing import Any

from django.db import connection
from django.db.models import Count

from artists.models import ArtistProfile
from marketplace.models import VenueProfile
from messaging.models import (
    ConsentEvent,
    ConsentEventKind,
    ContactMember,
    Conversation,
    Delivery,
    Message,
)
from umbrella.daily_metrics import ARTIST, VENUE, Day, Figures

LEFT = (ConsentEventKind.UNSUBSCRIBED, ConsentEventKind.REMOVED)


def _received(profile_table: str, day: Day) -> dict[int, dict[str, Any]]:
    """Messages received per profile of ``profile_table`` (the recipient is the conversation's
    other side)."""
    sql = f"""
        SELECT p.id, COUNT(*)
        FROM {Message._meta.db_table} m
        JOIN {Conversation._meta.db_table} c ON c.id = m.conversation_id
        JOIN {profile_table} p ON p.user_id = CASE
            WHEN m.sender_id = c.user_low_id THEN c.user_high_id ELSE c.user_low_id END
        WHERE m.created_at >= %s AND m.created_at < %s
        GROUP BY p.id
    """  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        # As the ORM would pass them: SQLite compares the stored text, which has no "+00:00".
        bounds = [connection.ops.adapt_datetimefield_value(t) for t in (day.start, day.end)]
        cursor.execute(sql, bounds)
        return {pk: {"messages_received": n} for pk, n in cursor.fetchall()}


def artist_messages_of_day(day: Day) -> dict[int, dict[str, Any]]:
    return _received(ArtistProfile._meta.db_table, day)


def venue_messages_of_day(day: Day) -> dict[int, dict[str, Any]]:
    return _received(VenueProfile._meta.db_table, day)


def fan_growth_of_day(day: Day) -> dict[int, dict[str, Any]]:
    joined = (
        ContactMember.objects.filter(consent_at__gte=day.start, consent_at__lt=day.end)
        .order_by()
        .values("contact_list__artist_id")
        .annotate(n=Count("id"))
        .values_list("contact_list__artist_id", "n")
    )
    left = (
        ConsentEvent.objects.filter(
            artist_id__isnull=False, kind__in=LEFT, at__gte=day.start, at__lt=day.end
        )
        .order_by()
        .values("artist_id")
        .annotate(n=Count("id"))
        .values_list("artist_id", "n")
    )
    growth: dict[int, int] = dict(joined)
    for artist_id, n in left:
        growth[artist_id] = growth.get(artist_id, 0) - n
    return {artist_id: {"fan_growth": n} for artist_id, n in growth.items()}


def campaign_sends_of_day(day: Day) -> dict[int, dict[str, Any]]:
    rows = (
        Delivery.objects.filter(sent_at__gte=day.start, sent_at__lt=day.end)
        .order_by()
        .values("campaign__artist_id")
        .annotate(n=Count("id"))
        .values_list("campaign__artist_id", "n")
    )
    return {artist_id: {"campaign_sends": n} for artist_id, n in rows}


FIGURES = (
    Figures(ARTIST, ("messages_received",), artist_messages_of_day),
    Figures(ARTIST, ("fan_growth",), fan_growth_of_day),
    Figures(ARTIST, ("campaign_sends",), campaign_sends_of_day),
    Figures(VENUE, ("messages_received",), venue_messages_of_day),
)
