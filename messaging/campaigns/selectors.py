"""Reads of campaigns for the API and the pages: the artist's list and a campaign's report,
each a fixed number of queries whatever the number of campaigns or deliveries."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from artists.models import ArtistProfile
from messaging.campaigns import segments, services
from messaging.models import ArtistOptOut, Campaign, ContactList, Delivery, DeliveryStatus

STATUSES = [status.value for status in DeliveryStatus]


def _counts() -> dict[str, Any]:
    return {
        f"n_{status}": Count("deliveries", filter=Q(deliveries__status=status))
        for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.BOUNCED)
    }


def campaigns_of(*, artist: ArtistProfile) -> QuerySet[Campaign]:
    """The artist's campaigns, newest first, with sent/failed/bounced counts (one query)."""
    return (
        Campaign.objects.filter(artist=artist)
        .select_related("contact_list")
        .annotate(**_counts())
        .order_by("-id")
    )


def own_campaign(*, artist: ArtistProfile, campaign_id: int) -> Campaign | None:
    return (
        Campaign.objects.filter(artist=artist, pk=campaign_id)
        .select_related("contact_list", "artist")
        .first()
    )


def campaign_card(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "kind": campaign.kind,
        "channel": campaign.channel,
        "status": campaign.status,
        "contact_list_id": campaign.contact_list_id,
        "contact_list_name": campaign.contact_list.name if campaign.contact_list else None,
        "all_lists": campaign.all_lists,
        "audience_city": campaign.audience_city,
        "audience_region": campaign.audience_region,
        "subject": campaign.subject,
        "body": campaign.body,
        "scheduled_at": campaign.scheduled_at,
        "started_at": campaign.started_at,
        "finished_at": campaign.finished_at,
        "recipient_count": campaign.recipient_count,
        "booking_id": campaign.booking_id,
        "created_at": campaign.created_at,
        "sent_count": getattr(campaign, "n_sent", None),
        "failed_count": getattr(campaign, "n_failed", None),
        "bounced_count": getattr(campaign, "n_bounced", None),
    }


def preview(campaign: Campaign) -> dict[str, Any]:
    """The campaign as a fan would get it (sample values), who would get it now, and for SMS
    the segments."""
    subject, text = services.render_for(campaign, None)
    data: dict[str, Any] = {
        "recipient_count": services.recipient_count(campaign),
        "subject": subject,
        "text": text,
        "segments": None,
    }
    if campaign.channel == "sms":
        counted = segments.count(text)
        data["segments"] = {
            "encoding": counted.encoding,
            "units": counted.units,
            "count": counted.segments,
            "per_segment": counted.per_segment,
        }
    return data


def report(campaign: Campaign) -> dict[str, Any]:
    """Deliveries by status, delivered, complaints, and the artist's opt-outs since sending
    started (three queries)."""
    rows = Delivery.objects.filter(campaign=campaign).aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in STATUSES},
        delivered=Count("id", filter=Q(delivered_at__isnull=False)),
        complained=Count("id", filter=Q(complained_at__isnull=False)),
        total=Count("id"),
    )
    since = campaign.started_at
    opt_outs = (
        ArtistOptOut.objects.filter(Q(artist=campaign.artist_id), at__gte=since).count()
        if since
        else 0
    )
    return {
        "by_status": {status: rows[status] for status in STATUSES},
        "total": rows["total"],
        "delivered": rows["delivered"],
        "bounced": rows[DeliveryStatus.BOUNCED],
        "complained": rows["complained"],
        "opt_outs_since": opt_outs,
    }


def list_choices(*, artist: ArtistProfile) -> list[tuple[str, str]]:
    return [("", "All my lists")] + [
        (str(pk), name)
        for pk, name in ContactList.objects.filter(artist=artist)
        .order_by("name")
        .values_list("pk", "name")
    ]
