"""Two-way, blind reviews of completed bookings.

The venue reviews the artist and the artist reviews the venue, each once, within
``REVIEW_WINDOW_DAYS`` of completion. Neither is shown to anyone but its author until both are
in (both are published in the transaction of the second) or the window has passed (the beat
task ``marketplace.reveal_due_reviews``): neither side can answer the other's review with its
own. The reviewed side's ``avg_rating``/``total_reviews`` are recomputed from its published,
visible reviews in the transaction that publishes or hides one. Each side may reply once,
publicly, to the review of it; staff may hide a review with a reason.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from accounts.models import Role, User
from artists.models import ArtistProfile
from artists.services import require_staff
from marketplace import notifications
from marketplace.models import (
    REVIEW_WINDOW_DAYS,
    Booking,
    BookingStatus,
    Gig,
    Review,
    Side,
    VenueProfile,
)
from marketplace.services.common import apply, clean_reason, validation_error
from umbrella import text
from umbrella.errors import ApplicationError, NotFoundError

WINDOW = dt.timedelta(days=REVIEW_WINDOW_DAYS)


def _side_of(user: User, booking_id: int) -> tuple[str, Booking]:
    if user.role == Role.ARTIST:
        side, owner = Side.ARTIST, {"artist__user": user}
    elif user.role == Role.VENUE:
        side, owner = Side.VENUE, {"gig__venue__user": user}
    else:
        raise NotFoundError("not_found", "No such booking.")
    booking = Booking.objects.select_related("gig").filter(pk=booking_id, **owner).first()
    if booking is None:
        raise NotFoundError("not_found", "No such booking.")
    return side, booking


def _rounded(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _recount(review: Review) -> None:
    """Recompute the reviewed side's rating from its published, visible reviews (exact)."""
    if review.side == Side.VENUE:  # the venue wrote it: it is about the artist
        target: Any = ArtistProfile.objects.select_for_update().get(pk=review.artist_id)
        reviews = Review.objects.filter(artist_id=review.artist_id, side=Side.VENUE)
    else:
        target = VenueProfile.objects.select_for_update().get(pk=review.venue_id)
        reviews = Review.objects.filter(venue_id=review.venue_id, side=Side.ARTIST)
    figures = reviews.filter(published_at__isnull=False, hidden=False).aggregate(
        avg=Avg("rating"), n=Count("id")
    )
    target.avg_rating = _rounded(figures["avg"])
    target.total_reviews = figures["n"]
    target.save(update_fields=["avg_rating", "total_reviews", "updated_at"])


def _publish(reviews: list[Review], now: dt.datetime) -> None:
    for review in reviews:
        review.published_at = now
        review.save(update_fields=["published_at"])
        _recount(review)
    if reviews:  # both sides: the reviews of their gig are public now
        first = reviews[0]
        told = User.objects.filter(
            Q(artist_profile__pk=first.artist_id) | Q(venue_profile__pk=first.venue_id)
        ).order_by("pk")
        title = Gig.objects.values_list("title", flat=True).get(pk=first.gig_id)
        notifications.reviews_published(told, gig_title=title, booking_id=first.booking_id)


def review_create(*, user: User, booking_id: int, data: dict[str, Any]) -> Review:
    """Review the other side of a completed booking: once, within the review window."""
    side, booking = _side_of(user, booking_id)
    now = timezone.now()
    if booking.status != BookingStatus.COMPLETED or booking.completed_at is None:
        raise ApplicationError(
            "review_not_open", "A booking is reviewed once the gig is completed.", status=409
        )
    if now > booking.completed_at + WINDOW:
        raise ApplicationError(
            "review_not_open",
            f"Reviews are written within {REVIEW_WINDOW_DAYS} days of the gig.",
            status=409,
        )
    review = Review(
        booking=booking,
        gig_id=booking.gig_id,
        artist_id=booking.artist_id,
        venue_id=booking.gig.venue_id,
        side=side,
        reviewer=user,
    )
    apply(review, data, fields=("rating", "comment"), required=("rating",))
    try:
        with transaction.atomic():
            # The booking's row: the second review and the reveal task take turns here.
            Booking.objects.select_for_update().get(pk=booking.pk)
            review.save(force_insert=True)
            both = list(
                Review.objects.filter(booking=booking, published_at__isnull=True).order_by("id")
            )
            if len(both) == 2:
                _publish(both, now)
                review.refresh_from_db()
    except IntegrityError as error:
        if Review.objects.filter(booking=booking, side=side).exists():
            raise ApplicationError(
                "already_reviewed", "You have already reviewed this booking.", status=409
            ) from error
        raise
    return review


def reviews_reveal_due(*, now: dt.datetime | None = None) -> int:
    """Publish every review whose booking completed more than the window ago (the other side
    never wrote one). Idempotent; the number published."""
    now = now or timezone.now()
    due = Review.objects.filter(
        published_at__isnull=True, booking__completed_at__lte=now - WINDOW
    ).values_list("booking_id", flat=True)
    published = 0
    for booking_id in sorted(set(due)):
        with transaction.atomic():
            Booking.objects.select_for_update().get(pk=booking_id)
            waiting = list(Review.objects.filter(booking_id=booking_id, published_at__isnull=True))
            _publish(waiting, now)
            published += len(waiting)
    return published


@transaction.atomic
def review_reply(*, user: User, review_id: int, reply: str) -> Review:
    """The reviewed side answers a published review of it, once, publicly."""
    if user.role == Role.ARTIST:
        about_me = {"side": Side.VENUE, "artist__user": user}
    elif user.role == Role.VENUE:
        about_me = {"side": Side.ARTIST, "venue__user": user}
    else:
        raise NotFoundError("not_found", "No such review.")
    review = (
        Review.objects.select_for_update()
        .filter(pk=review_id, published_at__isnull=False, hidden=False, **about_me)
        .first()
    )
    if review is None:
        raise NotFoundError("not_found", "No such review.")
    if review.replied_at is not None:
        raise ApplicationError("already_replied", "You have already replied.", status=409)
    clean = text.free_text(reply or "")
    if not clean:
        raise validation_error({"reply": ["Write your reply."]})
    apply(review, {"reply": clean}, fields=("reply",))
    review.replied_at = timezone.now()
    review.save(update_fields=["reply", "replied_at"])
    if review.reviewer_id is not None:
        if review.side == Side.VENUE:  # the artist answers the venue's review
            by_name = ArtistProfile.objects.values_list("stage_name", flat=True).get(
                pk=review.artist_id
            )
        else:
            by_name = VenueProfile.objects.values_list("name", flat=True).get(pk=review.venue_id)
        title = Gig.objects.values_list("title", flat=True).get(pk=review.gig_id)
        notifications.review_replied(
            User.objects.get(pk=review.reviewer_id),
            gig_title=title,
            booking_id=review.booking_id,
            by_name=by_name,
        )
    return review


@transaction.atomic
def review_hide(*, review_id: int, by: User, reason: str) -> Review:
    """Staff hide a review (with a reason); the reviewed side's rating no longer counts it."""
    require_staff(by)
    review = Review.objects.select_for_update().get(pk=review_id)
    review.hidden = True
    review.hidden_reason = clean_reason(reason, required=True)
    review.hidden_by = by
    review.save(update_fields=["hidden", "hidden_reason", "hidden_by"])
    if review.published_at is not None:
        _recount(review)
    return review
