"""Every write of fan lists, one function per state change (docs/messaging.md, "Fan lists and
consent").

- Lists: :func:`contact_list_create`, :func:`contact_list_update`, :func:`contact_list_delete`.
- Members: :func:`member_add` (the artist attests consent), :func:`member_remove`; CSV imports
  are in :mod:`messaging.fans.imports`.
- The public sign-up: :func:`signup_request` (sends the confirmation email) and
  :func:`signup_confirm` (the link in it: consent is recorded then).
- From a live room: :func:`room_opt_in` (a fan joining a room of the artist opts in; events
  calls it).
- Leaving: :func:`unsubscribe` (the signed link of every email), :func:`sms_inbound` (SMS
  STOP/START from Twilio's webhook).

Every member-creating write locks its list's row first, so two imports, sign-ups or adds of
one address at the same time make one member (the unique constraints stay the last word).
Every change of consent writes a :class:`~messaging.models.ConsentEvent`.
"""

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from artists.models import ArtistProfile
from artists.selectors import artist_own
from messaging.fans import consent
from messaging.fans.addresses import AddressError, default_region, normalize_email, normalize_phone
from messaging.models import (
    LIST_DESCRIPTION_MAX_LENGTH,
    LIST_NAME_MAX_LENGTH,
    MEMBER_NAME_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    ArtistOptOut,
    ConsentEvent,
    ConsentEventKind,
    ContactList,
    ContactMember,
    MemberSource,
    OptOutChannel,
)
from umbrella import text
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.tasks import enqueue_on_commit
from umbrella.throttling import window_count

logger = logging.getLogger(__name__)

STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _validation(field: str, message: str) -> ApplicationError:
    return ApplicationError("validation_error", message, details={field: [message]}, field=field)


def rate(setting: str) -> tuple[int, int]:
    """A rate setting ("10/hour") as (count, seconds)."""
    count, _, period = str(getattr(settings, setting)).partition("/")
    return int(count), _PERIODS[period.strip()[:1].lower()]


def event(
    kind: str,
    *,
    artist_id: int | None,
    list_id: int | None = None,
    email: str | None = None,
    phone: str | None = None,
    at: Any = None,
    **detail: Any,
) -> ConsentEvent:
    return ConsentEvent.objects.create(
        artist_id=artist_id,
        contact_list_id=list_id,
        email=email,
        phone=phone,
        kind=kind,
        at=at or timezone.now(),
        detail={k: v for k, v in detail.items() if v is not None},
    )


# --- lists ---------------------------------------------------------------------------------------


def own_list(*, user: User, list_id: int, lock: bool = False) -> ContactList:
    """One of the signed-in artist's lists (``lock``: its row locked); 404 otherwise."""
    artist = artist_own(user=user)
    lists = ContactList.objects.select_for_update() if lock else ContactList.objects
    found = lists.filter(pk=list_id, artist=artist).first()
    if found is None:
        raise NotFoundError("not_found", "No such list.")
    return found


def clean_list_name(value: Any) -> str:
    clean = text.single_line(value) if isinstance(value, str) else ""
    if not clean:
        raise _validation("name", "Give the list a name.")
    if len(clean) > LIST_NAME_MAX_LENGTH:
        raise _validation("name", f"A list's name has at most {LIST_NAME_MAX_LENGTH} characters.")
    return clean


def clean_description(value: Any) -> str:
    clean = text.free_text(value) if isinstance(value, str) else ""
    if len(clean) > LIST_DESCRIPTION_MAX_LENGTH:
        raise _validation(
            "description", f"A description has at most {LIST_DESCRIPTION_MAX_LENGTH} characters."
        )
    return clean


def _name_taken(name: str) -> ApplicationError:
    return _validation("name", f"You already have a list called “{name}”.")


def contact_list_create(*, user: User, name: Any, description: Any = "") -> ContactList:
    """A new list of the artist's, with its own sign-up link (names unique per artist)."""
    clean_name = clean_list_name(name)
    clean_text = clean_description(description)
    with transaction.atomic():
        artist = artist_own(user=user, lock=True)  # serialises the count below
        if ContactList.objects.filter(artist=artist).count() >= settings.FANS_MAX_LISTS:
            raise ApplicationError(
                "too_many_lists",
                f"An artist can have {settings.FANS_MAX_LISTS} lists. Delete one first.",
                status=409,
            )
        try:
            with transaction.atomic():
                return ContactList.objects.create(
                    artist=artist,
                    name=clean_name,
                    description=clean_text,
                    signup_token=secrets.token_urlsafe(16),
                )
        except IntegrityError as error:
            raise _name_taken(clean_name) from error


@transaction.atomic
def contact_list_update(
    *,
    user: User,
    list_id: int,
    name: Any = None,
    description: Any = None,
    signup_open: bool | None = None,
) -> ContactList:
    """Rename a list, change its description, open or close its sign-up page."""
    contact_list = own_list(user=user, list_id=list_id, lock=True)
    if name is not None:
        contact_list.name = clean_list_name(name)
    if description is not None:
        contact_list.description = clean_description(description)
    if signup_open is not None:
        contact_list.signup_open = bool(signup_open)
    try:
        with transaction.atomic():
            contact_list.save(update_fields=["name", "description", "signup_open", "updated_at"])
    except IntegrityError as error:
        raise _name_taken(contact_list.name) from error
    return contact_list


@transaction.atomic
def contact_list_delete(*, user: User, list_id: int) -> None:
    """Delete a list and its members. Opt-outs are the artist's, not the list's: they stay, and
    so does the record of consent (its rows lose the link to the list)."""
    contact_list = own_list(user=user, list_id=list_id, lock=True)
    contact_list.delete()


# --- members -------------------------------------------------------------------------------------


def clean_place(value: Any, limit: int) -> str:
    """A name, a city or a region as stored: one line, cut to the field's length."""
    return text.single_line(value)[:limit] if isinstance(value, str) else ""


def clean_member_fields(
    *, artist: ArtistProfile, email: Any, phone: Any, name: Any, city: Any, region: Any
) -> dict[str, Any]:
    """The stored forms of a member's fields (``validation_error`` on the field otherwise)."""
    try:
        clean_email = normalize_email(email)
    except AddressError as error:
        raise _validation("email", str(error)) from error
    try:
        clean_phone = normalize_phone(phone, region=default_region(artist.location_country))
    except AddressError as error:
        raise _validation("phone", str(error)) from error
    if clean_email is None and clean_phone is None:
        raise _validation("email", "Give an email address or a phone number.")
    return {
        "email": clean_email,
        "phone": clean_phone,
        "name": clean_place(name, MEMBER_NAME_MAX_LENGTH),
        "city": clean_place(city, PLACE_MAX_LENGTH),
        "region": clean_place(region, PLACE_MAX_LENGTH),
    }


def _on_list(list_id: int, *, email: str | None, phone: str | None) -> ContactMember | None:
    address = Q()
    if email:
        address |= Q(email=email)
    if phone:
        address |= Q(phone=phone)
    return ContactMember.objects.filter(address, contact_list_id=list_id).first()


def member_add(
    *,
    user: User,
    list_id: int,
    email: Any = None,
    phone: Any = None,
    name: Any = "",
    city: Any = "",
    region: Any = "",
) -> ContactMember:
    """Add a fan by hand. The artist attests that the fan agreed (the consent time is now). An
    address that opted out of the artist is refused: only its owner can sign up again."""
    with transaction.atomic():
        contact_list = own_list(user=user, list_id=list_id, lock=True)
        fields = clean_member_fields(
            artist=contact_list.artist,
            email=email,
            phone=phone,
            name=name,
            city=city,
            region=region,
        )
        if consent.opted_out(contact_list.artist_id, email=fields["email"], phone=fields["phone"]):
            raise ApplicationError(
                "opted_out",
                "This fan unsubscribed from your messages. Only they can sign up again, on "
                "your sign-up page.",
                status=409,
            )
        if _on_list(contact_list.pk, email=fields["email"], phone=fields["phone"]):
            raise ApplicationError(
                "already_member",
                "This email address or phone number is already on the list.",
                status=409,
            )
        now = timezone.now()
        member = ContactMember.objects.create(
            contact_list=contact_list,
            source=MemberSource.MANUAL,
            consent_at=now,
            opted_in=True,
            **fields,
        )
        event(
            ConsentEventKind.ADDED,
            artist_id=contact_list.artist_id,
            list_id=contact_list.pk,
            email=member.email,
            phone=member.phone,
            at=now,
            by=user.pk,
        )
    return member


@transaction.atomic
def member_remove(*, user: User, list_id: int, member_id: int) -> None:
    """Take a fan off a list. An opt-out stays with the artist (ArtistOptOut), whatever list
    the fan was on."""
    contact_list = own_list(user=user, list_id=list_id, lock=True)
    member = ContactMember.objects.filter(pk=member_id, contact_list=contact_list).first()
    if member is None:
        raise NotFoundError("not_found", "No such member.")
    event(
        ConsentEventKind.REMOVED,
        artist_id=contact_list.artist_id,
        list_id=contact_list.pk,
        email=member.email,
        phone=member.phone,
        by=user.pk,
    )
    member.delete()


# --- the public sign-up (double opt-in) ---------------------------------------------------------


def signup_list(token: str) -> ContactList:
    """The list of a public sign-up link (open for sign-ups), else 404."""
    found = (
        ContactList.objects.select_related("artist")
        .filter(signup_token=token, signup_open=True)
        .first()
    )
    if found is None:
        raise NotFoundError("not_found", "This sign-up page does not exist or is closed.")
    return found


def _throttle(key: str, setting: str, *, field: str = "email") -> None:
    allowed, seconds = rate(setting)
    if window_count(key, seconds) > allowed:
        raise ApplicationError(
            "throttled",
            "Too many sign-ups from here. Try again later.",
            details={"retry_after_seconds": seconds},
            status=429,
            field=field,
        )


SIGNUP_SENT = "sent"  # a confirmation email is on its way
SIGNUP_ALREADY = "already"  # already on the list and opted in: nothing sent
SIGNUP_RECENT = "recent"  # a confirmation was sent a moment ago: not sent again yet


def signup_request(
    *,
    token: str,
    email: Any,
    name: Any = "",
    city: Any = "",
    phone: Any = None,
    ip: str | None = None,
) -> str:
    """A visitor asks to join a list: a pending member and a confirmation email (nothing is
    sent to the fan until they click it). Safe to submit again: one member per address; a
    new confirmation at most every ``FANS_CONFIRM_RESEND_SECONDS``; nothing for a fan already
    opted in. At most ``FANS_SIGNUP_RATE`` per IP and per address. The page says the same
    thing whatever the outcome (no way to learn who is on a list)."""
    contact_list = signup_list(token)
    try:
        clean_email = normalize_email(email)
    except AddressError as error:
        raise _validation("email", str(error)) from error
    if clean_email is None:
        raise _validation("email", "Enter your email address.")
    fields = clean_member_fields(
        artist=contact_list.artist, email=clean_email, phone=phone, name=name, city=city, region=""
    )
    if ip:
        _throttle(f"fans-signup-ip:{ip}", "FANS_SIGNUP_RATE")
    _throttle(f"fans-signup-address:{contact_list.pk}:{clean_email}", "FANS_SIGNUP_RATE")
    with transaction.atomic():
        contact_list = ContactList.objects.select_for_update().get(pk=contact_list.pk)
        member = (
            ContactMember.objects.select_for_update()
            .filter(contact_list=contact_list, email=clean_email)
            .first()
        )
        if member is not None and member.opted_in and member.opted_out_at is None:
            return SIGNUP_ALREADY
        return _confirmation_request(
            contact_list, member, fields=fields, source=MemberSource.SIGNUP, ip=ip
        )


def _consented(member: ContactMember, *, artist_id: int, at: datetime) -> None:
    """``member`` is opted in as of ``at`` (a confirmation, or a room's opt-in of a verified
    address): any earlier opt-out of the list and its pending confirmation are cleared, and so is
    the artist's own opt-out of that address. The caller holds the member's row lock."""
    member.opted_in = True
    member.opted_out_at = None
    member.consent_at = at
    member.confirm_token_hash = ""
    member.save(
        update_fields=["opted_in", "opted_out_at", "consent_at", "confirm_token_hash", "updated_at"]
    )
    ArtistOptOut.objects.filter(artist_id=artist_id, email=member.email).delete()


def _confirmation_request(
    contact_list: ContactList,
    member: ContactMember | None,
    *,
    fields: dict[str, Any],
    source: str,
    **detail: Any,
) -> str:
    """The double opt-in's first half, in the caller's transaction under the list's lock: a
    pending member (``member`` if the address is on the list already, not opted in) with a new
    confirmation link, its record, and the email enqueued on commit — unless a link went out
    less than ``FANS_CONFIRM_RESEND_SECONDS`` ago."""
    now = timezone.now()
    resend = timedelta(seconds=settings.FANS_CONFIRM_RESEND_SECONDS)
    if member is not None and member.confirm_sent_at and now - member.confirm_sent_at < resend:
        return SIGNUP_RECENT
    if member is None:
        phone_taken = fields["phone"] and _on_list(
            contact_list.pk, email=None, phone=fields["phone"]
        )
        member = ContactMember.objects.create(
            contact_list=contact_list,
            source=source,
            opted_in=False,
            **{**fields, "phone": None if phone_taken else fields["phone"]},
        )
    else:
        for field in ("name", "city"):
            if fields[field]:
                setattr(member, field, fields[field])
    member.confirm_sent_at = now
    member.confirm_token_hash = consent.token_hash(consent.confirm_token(member))
    member.save()
    event(
        ConsentEventKind.SIGNUP_REQUESTED,
        artist_id=contact_list.artist_id,
        list_id=contact_list.pk,
        email=member.email,
        phone=member.phone,
        at=now,
        **detail,
    )
    from messaging import tasks

    enqueue_on_commit(tasks.fans_send_confirmation_task, member_id=member.pk)
    return SIGNUP_SENT


def signup_confirm(*, token: str, ip: str | None = None) -> ContactMember:
    """The link of the confirmation email: the fan is opted in and the consent time recorded.
    The fan's own confirmation also lifts an earlier email opt-out of this artist (they asked
    to join again). Clicking twice is fine; an old, unknown or expired link is 404."""
    member_id = consent.read_confirm_token(token)
    if member_id is None:
        raise NotFoundError("not_found", "This confirmation link is not valid.")
    with transaction.atomic():
        member = (
            ContactMember.objects.select_for_update()
            .select_related("contact_list")
            .filter(pk=member_id)
            .first()
        )
        if member is None:
            raise NotFoundError("not_found", "This confirmation link is not valid.")
        if not member.confirm_token_hash and member.opted_in and member.opted_out_at is None:
            return member  # confirmed already (a second click)
        if member.confirm_token_hash != consent.token_hash(token) or member.confirm_sent_at is None:
            raise NotFoundError("not_found", "This confirmation link is not valid any more.")
        max_age = timedelta(seconds=settings.FANS_CONFIRM_MAX_AGE_SECONDS)
        now = timezone.now()
        if now - member.confirm_sent_at > max_age:
            raise ApplicationError(
                "link_expired", "This link has expired. Sign up again for a new one.", status=410
            )
        artist_id = member.contact_list.artist_id
        _consented(member, artist_id=artist_id, at=now)
        event(
            ConsentEventKind.SIGNUP_CONFIRMED,
            artist_id=artist_id,
            list_id=member.contact_list_id,
            email=member.email,
            phone=member.phone,
            at=now,
            ip=ip,
        )
    return member


def confirmation_email(member: ContactMember) -> EmailMessage:
    contact_list = member.contact_list
    context = {
        "member": member,
        "list": contact_list,
        "artist_name": contact_list.artist.stage_name,
        "confirm_url": consent.confirm_url(member),
        "site_name": settings.SITE_NAME,
        "valid_days": settings.FANS_CONFIRM_MAX_AGE_SECONDS // 86400,
    }
    subject = render_to_string("messaging/fans/email/confirm_subject.txt", context)
    body = render_to_string("messaging/fans/email/confirm_message.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[member.email or ""],
        headers=consent.list_unsubscribe_headers(member, artist_id=contact_list.artist_id),
    )


def send_confirmation(*, member_id: int) -> bool:
    """Send the confirmation email of a pending sign-up (the task). Nothing if it was confirmed
    or removed meanwhile."""
    member = (
        ContactMember.objects.select_related("contact_list__artist")
        .filter(pk=member_id, email__isnull=False, confirm_sent_at__isnull=False)
        .exclude(confirm_token_hash="")
        .first()
    )
    if member is None:
        return False
    confirmation_email(member).send()
    return True


# --- from a live room (events) ------------------------------------------------------------------


def no_fan_list(artist_id: int | None, reason: str) -> ApplicationError:
    """``409 no_fan_list``: there is no list to opt in to (``reason``: ``no_artist`` — the room
    is nobody's; ``no_open_list`` — the artist has no list open for sign-ups)."""
    message = (
        "This room is not an artist's: there is no fan list to join."
        if reason == "no_artist"
        else "This artist has no fan list open for sign-ups."
    )
    return ApplicationError(
        "no_fan_list",
        message,
        details={"reason": reason, "artist_id": artist_id},
        status=409,
        field="fan_list_opt_in",
    )


def _address_verified(user: User, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def room_opt_in(*, artist_id: int, user: User, room_id: int) -> ContactMember:
    """A signed-in fan who joins a live room of the artist asks for the artist's news
    (docs/rooms.md, "Fan lists"). They land on the artist's **room list**
    (:func:`messaging.fans.selectors.room_list`: the oldest list open for sign-ups; none is
    ``409 no_fan_list``), by their account's email address, with ``source`` ``room``.

    - Already subscribed there: nothing changes, nothing is recorded (asking twice adds once).
    - The account's address is verified (what the double opt-in's link proves): they are opted
      in now (``consent_at`` now, ``ConsentEvent`` ``room_opt_in`` naming the user and the
      room), and, since they asked themselves, an earlier email opt-out of this artist is lifted
      (as a confirmed sign-up does).
    - Not verified: the double opt-in — a pending member and the confirmation email, exactly as
      the sign-up page (``signup_requested``, one link per ``FANS_CONFIRM_RESEND_SECONDS``).

    Under the list's row lock, in the caller's transaction when there is one (the room join's),
    so simultaneous opt-ins of one fan make one member."""
    try:
        email = normalize_email(user.email)
    except AddressError:
        email = None
    if email is None:
        raise _validation("fan_list_opt_in", "Your account has no usable email address.")
    with transaction.atomic():
        contact_list = (
            ContactList.objects.select_for_update()
            .filter(artist_id=artist_id, signup_open=True)
            .order_by("created_at", "id")
            .first()
        )
        if contact_list is None:
            raise no_fan_list(artist_id, "no_open_list")
        member = (
            ContactMember.objects.select_for_update()
            .filter(contact_list=contact_list, email=email)
            .first()
        )
        if member is not None and member.opted_in and member.opted_out_at is None:
            return member
        name = clean_place(user.get_short_name(), MEMBER_NAME_MAX_LENGTH)
        if not _address_verified(user, email):
            fields = {"email": email, "phone": None, "name": name, "city": "", "region": ""}
            _confirmation_request(
                contact_list,
                member,
                fields=fields,
                source=MemberSource.ROOM,
                user=user.pk,
                room=room_id,
            )
            return ContactMember.objects.get(contact_list=contact_list, email=email)
        now = timezone.now()
        if member is None:
            member = ContactMember.objects.create(
                contact_list=contact_list,
                email=email,
                name=name,
                source=MemberSource.ROOM,
                opted_in=True,
                consent_at=now,
            )
            ArtistOptOut.objects.filter(artist_id=artist_id, email=email).delete()
        else:
            _consented(member, artist_id=artist_id, at=now)
        event(
            ConsentEventKind.ROOM_OPT_IN,
            artist_id=artist_id,
            list_id=contact_list.pk,
            email=email,
            phone=member.phone,
            at=now,
            user=user.pk,
            room=room_id,
        )
    return member


# --- leaving ---------------------------------------------------------------------------------


def _opt_out(
    *,
    artist_id: int | None,
    email: str | None = None,
    phone: str | None = None,
    channel: str,
    reason: str,
    at: Any,
) -> None:
    """Record an opt-out (once per address and artist; an existing row is kept as it is)."""
    lookup = {"email": email} if email else {"phone": phone}
    if artist_id is None:
        exists = ArtistOptOut.objects.filter(artist__isnull=True, **lookup).exists()
    else:
        exists = ArtistOptOut.objects.filter(artist_id=artist_id, **lookup).exists()
    if exists:
        return
    try:
        with transaction.atomic():
            ArtistOptOut.objects.create(
                artist_id=artist_id, at=at, channel=channel, reason=reason, **lookup
            )
    except IntegrityError:
        pass  # opted out at the same moment by another request


def unsubscribe(*, token: str, one_click: bool = False, ip: str | None = None) -> ArtistProfile:
    """The link of a fan email: the address is opted out of the artist (every list, today's
    and later ones) and the members carrying it leave their lists (nothing more to them, by
    email or SMS). Idempotent. An unknown link is 404."""
    data = consent.read_unsubscribe_token(token)
    if data is None:
        raise NotFoundError("not_found", "This unsubscribe link is not valid.")
    artist = ArtistProfile.objects.filter(pk=data["a"]).first()
    if artist is None:
        raise NotFoundError("not_found", "This unsubscribe link is not valid any more.")
    email = data.get("e") if isinstance(data.get("e"), str) else None
    member_id = int(data["m"]) if isinstance(data.get("m"), int) else 0
    now = timezone.now()
    with transaction.atomic():
        members = ContactMember.objects.filter(contact_list__artist=artist)
        if email:
            members = members.filter(Q(email=email) | Q(pk=member_id))
            _opt_out(
                artist_id=artist.pk,
                email=email,
                channel=OptOutChannel.EMAIL,
                reason="one-click unsubscribe" if one_click else "unsubscribe link",
                at=now,
            )
        else:
            members = members.filter(pk=member_id)
        members.filter(opted_out_at__isnull=True).update(
            opted_in=False, opted_out_at=now, confirm_token_hash="", updated_at=now
        )
        event(
            ConsentEventKind.UNSUBSCRIBED,
            artist_id=artist.pk,
            email=email,
            at=now,
            ip=ip,
            one_click=one_click or None,
        )
    return artist


def email_undeliverable(*, artist_id: int, email: str, cause: str) -> None:
    """A campaign email to ``email`` hard-bounced or was marked as spam (``cause``: "bounce"
    or "complaint", from the email provider's webhook): the address is opted out of the artist
    like an unsubscribe, so no list of the artist mails it again. Idempotent."""
    now = timezone.now()
    with transaction.atomic():
        _opt_out(
            artist_id=artist_id,
            email=email,
            channel=OptOutChannel.EMAIL,
            reason="hard bounce" if cause == "bounce" else "spam complaint",
            at=now,
        )
        ContactMember.objects.filter(
            contact_list__artist_id=artist_id, email=email, opted_out_at__isnull=True
        ).update(opted_in=False, opted_out_at=now, confirm_token_hash="", updated_at=now)
        event(ConsentEventKind.UNSUBSCRIBED, artist_id=artist_id, email=email, at=now, cause=cause)


def sms_inbound(*, from_number: Any, body: Any) -> str | None:
    """An SMS to the platform's sender number (Twilio's webhook, signature already checked).
    STOP and its synonyms opt the number out of every artist (the number is shared; Twilio
    itself stops delivering to it); START/UNSTOP lifts that and opts back in the members
    whose consent is recorded and who did not leave otherwise. Anything else changes nothing.
    Returns ``"stop"``, ``"start"`` or ``None``."""
    words = body.strip().upper().split() if isinstance(body, str) else []
    keyword = words[0].strip(".!") if words else ""
    if keyword not in STOP_WORDS and keyword not in START_WORDS:
        return None
    try:
        phone = normalize_phone(from_number, region=settings.FANS_DEFAULT_PHONE_REGION)
    except AddressError:
        phone = None
    if phone is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        if keyword in STOP_WORDS:
            _opt_out(
                artist_id=None,
                phone=phone,
                channel=OptOutChannel.SMS,
                reason=f"SMS {keyword}",
                at=now,
            )
            ContactMember.objects.filter(phone=phone, opted_out_at__isnull=True).update(
                opted_in=False, opted_out_at=now, updated_at=now
            )
            event(ConsentEventKind.SMS_STOP, artist_id=None, phone=phone, at=now, word=keyword)
            return "stop"
        ArtistOptOut.objects.filter(artist__isnull=True, phone=phone).delete()
        email_out = ArtistOptOut.objects.filter(
            Q(artist_id=OuterRef("contact_list__artist_id")) | Q(artist__isnull=True),
            email=OuterRef("email"),
        )
        phone_out = ArtistOptOut.objects.filter(
            artist_id=OuterRef("contact_list__artist_id"), phone=phone
        )
        ContactMember.objects.filter(
            phone=phone, opted_out_at__isnull=False, consent_at__isnull=False
        ).exclude(Exists(email_out)).exclude(Exists(phone_out)).update(
            opted_in=True, opted_out_at=None, updated_at=now
        )
        event(ConsentEventKind.SMS_START, artist_id=None, phone=phone, at=now, word=keyword)
    return "start"


# --- staff (admin) -------------------------------------------------------------------------------


def _require_staff(by: User) -> None:
    if not (by.is_active and by.is_staff):
        raise ApplicationError("permission_denied", "Only staff can do this.", status=403)


def opt_out_check(
    *, artist_id: int | None, email: Any = None, phone: Any = None, reason: Any = ""
) -> dict[str, Any]:
    """What :func:`opt_out_by_staff` would record (normalised), or the error it would raise."""
    artist = ArtistProfile.objects.filter(pk=artist_id).first() if artist_id else None
    if artist_id and artist is None:
        raise _validation("artist", "No such artist.")
    try:
        clean_email = normalize_email(email)
    except AddressError as error:
        raise _validation("email", str(error)) from error
    region = default_region(artist.location_country if artist else None)
    try:
        clean_phone = normalize_phone(phone, region=region)
    except AddressError as error:
        raise _validation("phone", str(error)) from error
    if (clean_email is None) == (clean_phone is None):
        raise _validation("email", "Give either an email address or a phone number.")
    clean_reason = text.single_line(reason)[:200] if isinstance(reason, str) else ""
    if not clean_reason:
        raise _validation("reason", "Say why (kept with the opt-out).")
    return {"email": clean_email, "phone": clean_phone, "reason": clean_reason}


def opt_out_by_staff(
    *, by: User, artist_id: int | None, email: Any = None, phone: Any = None, reason: Any = ""
) -> ArtistOptOut:
    """Staff record an opt-out (a fan asked by other means): for one artist, or for every
    artist when ``artist_id`` is empty. The members carrying the address leave their lists."""
    _require_staff(by)
    clean = opt_out_check(artist_id=artist_id, email=email, phone=phone, reason=reason)
    now = timezone.now()
    with transaction.atomic():
        _opt_out(
            artist_id=artist_id,
            email=clean["email"],
            phone=clean["phone"],
            channel=OptOutChannel.STAFF,
            reason=clean["reason"],
            at=now,
        )
        members = ContactMember.objects.filter(
            Q(email=clean["email"]) if clean["email"] else Q(phone=clean["phone"]),
            opted_out_at__isnull=True,
        )
        if artist_id:
            members = members.filter(contact_list__artist_id=artist_id)
        members.update(opted_in=False, opted_out_at=now, confirm_token_hash="", updated_at=now)
        event(
            ConsentEventKind.UNSUBSCRIBED,
            artist_id=artist_id,
            email=clean["email"],
            phone=clean["phone"],
            at=now,
            by=by.pk,
            reason=clean["reason"],
        )
    lookup = {"email": clean["email"]} if clean["email"] else {"phone": clean["phone"]}
    return ArtistOptOut.objects.get(
        Q(artist_id=artist_id) if artist_id else Q(artist__isnull=True), **lookup
    )


@transaction.atomic
def contact_list_delete_by_staff(*, by: User, list_id: int) -> None:
    """Staff delete a list (and its members); opt-outs and the consent record stay."""
    _require_staff(by)
    contact_list = ContactList.objects.select_for_update().filter(pk=list_id).first()
    if contact_list is None:
        raise NotFoundError("not_found", "No such list.")
    contact_list.delete()
