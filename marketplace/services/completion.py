"""Completing gigs: a filled gig whose end has passed is completed, its booking too, and the
booked artist's ``total_gigs`` and ``total_earnings`` go up by one gig and its fee.

Idempotent and safe to run twice at once: each gig is completed under its row's lock, and a gig
already completed is left alone, so a counter is never bumped twice. Run by the beat task
``marketplace.complete_due_gigs``.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from artists.models import ArtistProfile
from marketplace import notifications
from marketplace.models import Booking, BookingStatus, Gig, GigStatus, StatusChange, Subject
from marketplace.services.gigs import lock_gig

BATCH = 500


def gig_complete(*, gig_id: int, now: dt.datetime | None = None) -> bool:
    """Complete one filled gig that has ended; ``False`` when there is nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        gig = lock_gig(gig_id)
        if gig.status != GigStatus.FILLED or gig.ends_at > now:
            return False
        gig.status = GigStatus.COMPLETED
        gig.save(update_fields=["status", "updated_at"])
        changes = [
            StatusChange(gig=gig, subject=Subject.GIG, from_status="filled", to_status="completed")
        ]
        booking = (
            Booking.objects.select_for_update().filter(gig=gig, status=BookingStatus.ACTIVE).first()
        )
        if booking is not None:
            booking.status = BookingStatus.COMPLETED
            booking.completed_at = now
            booking.save(update_fields=["status", "completed_at", "updated_at"])
            ArtistProfile.objects.filter(pk=booking.artist_id).update(
                total_gigs=F("total_gigs") + 1, total_earnings=F("total_earnings") + booking.fee
            )
            changes.append(
                StatusChange(
                    gig=gig,
                    subject=Subject.BOOKING,
                    booking_id=booking.pk,
                    from_status="active",
                    to_status="completed",
                )
            )
        StatusChange.objects.bulk_create(changes)
        if booking is not None:  # time to review, both sides
            told = User.objects.filter(
                Q(artist_profile__pk=booking.artist_id) | Q(venue_profile__pk=gig.venue_id)
            ).order_by("pk")
            notifications.review_requested(told, gig=gig, booking_id=booking.pk)
    return True


def gigs_complete_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Complete up to ``limit`` filled gigs that have ended, oldest first (each in its own
    short transaction); the number completed. Call again while it returns ``limit``."""
    now = now or timezone.now()
    due = Gig.objects.filter(status=GigStatus.FILLED, ends_at__lte=now).order_by("ends_at", "id")
    return sum(gig_complete(gig_id=pk, now=now) for pk in due.values_list("pk", flat=True)[:limit])
