"""Reads of fan lists for the API and the studio pages. The member list is one statement per
page (values, cursor by id, no COUNT)."""

from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from artists.models import ArtistProfile
from messaging.models import ContactList, ContactMember, ImportJob
from umbrella.api import iso_timestamp

LIST_FIELDS = ("id", "name", "description", "signup_token", "signup_open", "created_at")
MEMBER_FIELDS = (
    "id",
    "email",
    "phone",
    "name",
    "city",
    "region",
    "source",
    "consent_at",
    "opted_in",
    "opted_out_at",
    "created_at",
)
MEMBER_STATUSES = ("subscribed", "pending", "opted_out")


def lists_of(*, artist: ArtistProfile) -> QuerySet[ContactList, dict[str, Any]]:
    """The artist's lists, newest first, with their member counts (one grouped statement)."""
    return (
        ContactList.objects.filter(artist=artist)
        .annotate(
            member_count=Count("members"),
            subscribed_count=Count(
                "members", filter=Q(members__opted_in=True, members__opted_out_at__isnull=True)
            ),
        )
        .order_by("-created_at", "-id")
        .values(*LIST_FIELDS, "member_count", "subscribed_count")
    )


def room_list(*, artist_id: int) -> ContactList | None:
    """The list where fans who opt in from a live room of the artist land (docs/rooms.md, "Fan
    lists"): the artist's oldest list open for sign-ups (an artist closes a list's sign-ups to
    stop it taking anyone new, from a room too)."""
    return (
        ContactList.objects.filter(artist_id=artist_id, signup_open=True)
        .order_by("created_at", "id")
        .first()
    )


def room_member_status(*, artist_id: int, email: str) -> str | None:
    """Where ``email`` stands on the artist's room list: ``subscribed``, ``pending`` (a
    confirmation link is out), ``opted_out``, or ``None`` (not on it, or no such list)."""
    contact_list = room_list(artist_id=artist_id)
    if contact_list is None:
        return None
    member = (
        ContactMember.objects.filter(contact_list=contact_list, email=email.strip().lower())
        .only("opted_in", "opted_out_at")
        .first()
    )
    if member is None:
        return None
    return member_status({"opted_in": member.opted_in, "opted_out_at": member.opted_out_at})


def signup_url(token: str) -> str:
    return settings.SITE_URL + reverse("fans-join", args=[token])


def list_card(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "signup_open": row["signup_open"],
        "signup_url": signup_url(row["signup_token"]),
        "member_count": row.get("member_count", 0),
        "subscribed_count": row.get("subscribed_count", 0),
        "created_at": iso_timestamp(row["created_at"]),
    }


def list_row(*, artist: ArtistProfile, list_id: int) -> dict[str, Any] | None:
    return lists_of(artist=artist).filter(pk=list_id).first()


def member_status(row: dict[str, Any]) -> str:
    if row["opted_out_at"] is not None:
        return "opted_out"
    if row["opted_in"]:
        return "subscribed"
    return "pending"


def members_of(
    *, list_id: int, status: str | None = None, search: str = ""
) -> QuerySet[ContactMember, dict[str, Any]]:
    """A list's members, newest first (order: id). ``status``: one of :data:`MEMBER_STATUSES`."""
    rows = ContactMember.objects.filter(contact_list_id=list_id)
    if status == "opted_out":
        rows = rows.filter(opted_out_at__isnull=False)
    elif status == "subscribed":
        rows = rows.filter(opted_in=True, opted_out_at__isnull=True)
    elif status == "pending":
        rows = rows.filter(opted_in=False, opted_out_at__isnull=True)
    if search:
        rows = rows.filter(
            Q(email__contains=search.lower())
            | Q(phone__contains=search)
            | Q(name__icontains=search)
        )
    return rows.order_by("-id").values(*MEMBER_FIELDS)


def member_card(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "email": row["email"],
        "phone": row["phone"],
        "name": row["name"],
        "city": row["city"],
        "region": row["region"],
        "source": row["source"],
        "status": member_status(row),
        "consent_at": iso_timestamp(row["consent_at"]) if row["consent_at"] else None,
        "opted_out_at": iso_timestamp(row["opted_out_at"]) if row["opted_out_at"] else None,
        "created_at": iso_timestamp(row["created_at"]),
    }


def job_card(job: ImportJob) -> dict[str, Any]:
    total = job.total_rows or 0
    return {
        "id": job.pk,
        "list_id": job.contact_list_id,
        "filename": job.filename,
        "status": job.status,
        "total_rows": total,
        "processed_rows": job.processed_rows,
        "imported_count": job.imported_count,
        "rejected_count": job.rejected_count,
        "percent": 100 if total == 0 else min(100, job.processed_rows * 100 // total),
        "error": job.error,
        "created_at": iso_timestamp(job.created_at),
        "finished_at": iso_timestamp(job.finished_at) if job.finished_at else None,
    }
