"""Applications and bookings: apply, withdraw, accept, reject, cancel a booking.

Accepting is the one place a booking is made, in one transaction that locks the gig, then the
artist: two accepts on one gig wait for each other (the second finds the gig filled), and two
venues accepting one artist for overlapping gigs wait on the artist's row (the second finds
the first booking). On PostgreSQL an exclusion constraint backs the overlap rule up.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import OnboardingRequired
from artists import selectors as artist_selectors
from artists.models import ArtistProfile
from marketplace import hooks, notifications
from marketplace.models import (
    Application,
    ApplicationStatus,
    Booking,
    BookingStatus,
    Gig,
    GigStatus,
    Side,
    StatusChange,
    Subject,
    Unavailability,
)
from marketplace.services.common import apply, audit, clean_reason
from marketplace.services.gigs import lock_gig, venue_ready
from umbrella.errors import ApplicationError, NotFoundError


def _artist_ready(user: User) -> ArtistProfile:
    artist = artist_selectors.artist_own(user=user)
    if not user.onboarding_complete:
        raise ApplicationError("onboarding_required", OnboardingRequired.default_detail, status=403)
    return artist


def _require_open_future(gig: Gig) -> None:
    if gig.status != GigStatus.OPEN:
        raise ApplicationError("gig_not_open", f"The gig is {gig.status}.", status=409)
    if gig.starts_at <= timezone.now():
        raise ApplicationError("gig_not_open", "The gig has already started.", status=409)


def _require_free(artist_id: int, gig: Gig, *, you: bool) -> None:
    """The artist hasn't marked the gig's date unavailable and holds no active booking whose
    times overlap the gig's."""
    who = "You" if you else "The artist"
    if Unavailability.objects.filter(
        artist_id=artist_id, start_date__lte=gig.date, end_date__gte=gig.date
    ).exists():
        raise ApplicationError(
            "artist_unavailable", f"{who} marked {gig.date} as unavailable.", status=409
        )
    if Booking.objects.filter(
        artist_id=artist_id,
        status=BookingStatus.ACTIVE,
        starts_at__lt=gig.ends_at,
        ends_at__gt=gig.starts_at,
    ).exists():
        raise ApplicationError(
            "artist_double_booked",
            f"{who} already {'have' if you else 'has'} a booking at that time.",
            status=409,
        )


def _not_pending(application: Application) -> ApplicationError:
    return ApplicationError(
        "application_not_pending", f"The application is {application.status}.", status=409
    )


def application_create(*, user: User, gig_id: int, data: dict[str, Any]) -> Application:
    """An onboarded artist applies to an open, future gig, once (the unique constraint on
    (gig, artist) decides: a repeat, even a concurrent one, is 409 ``already_applied``)."""
    artist = _artist_ready(user)
    try:
        with transaction.atomic():
            gig = lock_gig(gig_id)
            _require_open_future(gig)
            _require_free(artist.pk, gig, you=True)
            application = Application(gig=gig, artist=artist, gig_starts_at=gig.starts_at)
            apply(application, data, fields=("pitch", "proposed_rate"))
            application.save(force_insert=True)
            audit(
                gig=gig,
                subject=Subject.APPLICATION,
                application_id=application.pk,
                by=user,
                from_status="",
                to_status=ApplicationStatus.PENDING,
            )
            notifications.application_received(
                _venue_user(gig), gig=gig, artist_name=artist.stage_name
            )
    except IntegrityError as error:
        if Application.objects.filter(gig_id=gig_id, artist=artist).exists():
            raise ApplicationError(
                "already_applied", "You have already applied to this gig.", status=409
            ) from error
        raise
    return application


def _venue_user(gig: Gig) -> User:
    return User.objects.get(venue_profile__pk=gig.venue_id)


def _artist_users(artist_ids: list[int]) -> list[User]:
    return list(User.objects.filter(artist_profile__pk__in=artist_ids).order_by("pk"))


def _lock_application(application_id: int, **owner: Any) -> tuple[Gig, Application]:
    """Lock the application's gig, then the application (the marketplace's lock order)."""
    found = Application.objects.filter(pk=application_id, **owner).values_list("gig_id", flat=True)
    gig_id = found.first()
    if gig_id is None:
        raise NotFoundError("not_found", "No such application.")
    gig = lock_gig(gig_id)
    return gig, Application.objects.select_for_update().get(pk=application_id)


@transaction.atomic
def application_withdraw(*, user: User, application_id: int) -> Application:
    """The artist withdraws their application while it is pending."""
    artist = artist_selectors.artist_own(user=user)
    gig, application = _lock_application(application_id, artist=artist)
    if application.status != ApplicationStatus.PENDING:
        raise _not_pending(application)
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    audit(
        gig=gig,
        subject=Subject.APPLICATION,
        application_id=application.pk,
        by=user,
        from_status=ApplicationStatus.PENDING,
        to_status=ApplicationStatus.WITHDRAWN,
    )
    notifications.application_withdrawn(_venue_user(gig), gig=gig, artist_name=artist.stage_name)
    return application


@transaction.atomic
def application_reject(*, user: User, application_id: int, reason: str = "") -> Application:
    """The venue turns down a pending application to one of its gigs."""
    venue = venue_ready(user)
    gig, application = _lock_application(application_id, gig__venue=venue)
    if application.status != ApplicationStatus.PENDING:
        raise _not_pending(application)
    application.status = ApplicationStatus.REJECTED
    application.save(update_fields=["status", "updated_at"])
    audit(
        gig=gig,
        subject=Subject.APPLICATION,
        application_id=application.pk,
        by=user,
        from_status=ApplicationStatus.PENDING,
        to_status=ApplicationStatus.REJECTED,
        reason=clean_reason(reason, required=False),
    )
    notifications.applications_rejected(_artist_users([application.artist_id]), gig=gig)
    return application


@transaction.atomic
def application_accept(*, user: User, application_id: int) -> Booking:
    """The venue accepts a pending application, in one transaction: the application is
    accepted, the gig filled, the other pending applications rejected, the booking made."""
    venue = venue_ready(user)
    gig, application = _lock_application(application_id, gig__venue=venue)
    # The artist's row next: accepts of one artist on two venues' gigs take turns here.
    ArtistProfile.objects.select_for_update(no_key=True).filter(pk=application.artist_id).first()
    if application.status != ApplicationStatus.PENDING:
        raise _not_pending(application)
    _require_open_future(gig)
    _require_free(application.artist_id, gig, you=False)

    rejected = list(
        Application.objects.select_for_update()
        .filter(gig=gig, status=ApplicationStatus.PENDING)
        .exclude(pk=application.pk)
        .values_list("pk", "artist_id")
    )
    others = [pk for pk, _ in rejected]
    Application.objects.filter(pk__in=others).update(
        status=ApplicationStatus.REJECTED, updated_at=timezone.now()
    )
    application.status = ApplicationStatus.ACCEPTED
    application.save(update_fields=["status", "updated_at"])
    gig.status = GigStatus.FILLED
    gig.save(update_fields=["status", "updated_at"])
    fee = application.proposed_rate if application.proposed_rate is not None else None
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                gig=gig,
                artist_id=application.artist_id,
                application=application,
                starts_at=gig.starts_at,
                ends_at=gig.ends_at,
                fee=fee if fee is not None else gig.payment_amount,
            )
    except IntegrityError as error:  # the exclusion constraint: only a write that skipped us
        raise ApplicationError(
            "artist_double_booked", "The artist already has a booking at that time.", status=409
        ) from error

    def change(subject: str, frm: str, to: str, **ids: Any) -> StatusChange:
        return StatusChange(gig=gig, subject=subject, by=user, from_status=frm, to_status=to, **ids)

    StatusChange.objects.bulk_create(
        [
            change(Subject.APPLICATION, "pending", "accepted", application_id=application.pk),
            *(
                change(Subject.APPLICATION, "pending", "rejected", application_id=pk)
                for pk in others
            ),
            change(Subject.GIG, GigStatus.OPEN, GigStatus.FILLED),
            change(Subject.BOOKING, "", BookingStatus.ACTIVE, booking_id=booking.pk),
        ]
    )
    notifications.application_accepted(_artist_users([application.artist_id])[0], gig=gig)
    notifications.applications_rejected(
        _artist_users([artist_id for _, artist_id in rejected]), gig=gig
    )
    hooks.booking_accepted(booking.pk)
    return booking


@transaction.atomic
def booking_cancel(*, user: User, booking_id: int, reason: str) -> Booking:
    """Either side cancels an active booking before the gig starts, with a reason. The gig
    opens again for applications; the accepted application becomes withdrawn (artist) or
    rejected (venue), so a gig never has two accepted applications."""
    if user.role == Role.ARTIST:
        side, owner = Side.ARTIST, {"artist__user": user}
    elif user.role == Role.VENUE:
        side, owner = Side.VENUE, {"gig__venue__user": user}
    else:
        raise NotFoundError("not_found", "No such booking.")
    gig_id = Booking.objects.filter(pk=booking_id, **owner).values_list("gig_id", flat=True).first()
    if gig_id is None:
        raise NotFoundError("not_found", "No such booking.")
    reason = clean_reason(reason, required=True)
    gig = lock_gig(gig_id)
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    if booking.status != BookingStatus.ACTIVE:
        raise ApplicationError(
            "booking_not_active", f"The booking is {booking.status}.", status=409
        )
    now = timezone.now()
    if booking.starts_at <= now:
        raise ApplicationError(
            "booking_started", "The gig has started: it can't be cancelled now.", status=409
        )
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_by = side
    booking.cancel_reason = reason
    booking.cancelled_at = now
    booking.save(
        update_fields=["status", "cancelled_by", "cancel_reason", "cancelled_at", "updated_at"]
    )
    application = Application.objects.select_for_update().get(pk=booking.application_id)
    app_status = ApplicationStatus.WITHDRAWN if side == Side.ARTIST else ApplicationStatus.REJECTED
    application.status = app_status
    application.save(update_fields=["status", "updated_at"])
    changes = [
        (
            Subject.BOOKING,
            BookingStatus.ACTIVE,
            BookingStatus.CANCELLED,
            {"booking_id": booking.pk},
        ),
        (
            Subject.APPLICATION,
            ApplicationStatus.ACCEPTED,
            app_status,
            {"application_id": application.pk},
        ),
    ]
    if gig.status == GigStatus.FILLED:
        gig.status = GigStatus.OPEN
        gig.save(update_fields=["status", "updated_at"])
        changes.append((Subject.GIG, GigStatus.FILLED, GigStatus.OPEN, {}))
    StatusChange.objects.bulk_create(
        StatusChange(gig=gig, subject=s, by=user, from_status=f, to_status=t, reason=reason, **ids)
        for s, f, t, ids in changes
    )
    if side == Side.ARTIST:
        artist_name = ArtistProfile.objects.values_list("stage_name", flat=True).get(
            pk=booking.artist_id
        )
        notifications.booking_cancelled(_venue_user(gig), gig=gig, by_name=artist_name)
    else:
        notifications.booking_cancelled(
            _artist_users([booking.artist_id])[0], gig=gig, by_name=gig.venue_name
        )
    return booking
