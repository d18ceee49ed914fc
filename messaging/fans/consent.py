"""The one home of consent rules for fan messaging.

**Who may be messaged.** A member is reachable on a channel when the member is opted in (its
consent is recorded), has not opted out, has an address for the channel, and that address is
not in :class:`~messaging.models.ArtistOptOut` for the list's artist or for every artist
(``artist`` empty: an SMS STOP to the platform's number). Opt-outs are artist-wide: an address
that left one list of an artist is never messaged by any list of that artist, including lists
made or imported later. :func:`reachable_members` is the queryset campaigns send to;
:func:`opted_out` answers for one address (imports, manual adds).

**Links in emails.** :func:`unsubscribe_url` is a signed link per member (it also carries the
artist and the address, so it still works after the member row is gone); :func:`confirm_url`
is the double opt-in link of a pending sign-up. :func:`list_unsubscribe_headers` builds the
RFC 8058 headers that every email to a fan carries.
"""

import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from messaging.models import ArtistOptOut, ContactList, ContactMember

EMAIL = "email"
SMS = "sms"
CHANNELS = (EMAIL, SMS)

UNSUBSCRIBE_SALT = "messaging.fans.unsubscribe"
CONFIRM_SALT = "messaging.fans.confirm"


def _artist_scope(artist_id: int) -> Q:
    return Q(artist_id=artist_id) | Q(artist__isnull=True)


def opted_out(artist_id: int, *, email: str | None = None, phone: str | None = None) -> bool:
    """Whether ``email`` or ``phone`` (stored forms) opted out of this artist's messages."""
    address = Q()
    if email:
        address |= Q(email=email)
    if phone:
        address |= Q(phone=phone)
    if not address:
        return False
    return ArtistOptOut.objects.filter(_artist_scope(artist_id), address).exists()


def opted_out_addresses(
    artist_id: int, *, emails: list[str], phones: list[str]
) -> tuple[set[str], set[str]]:
    """Which of many addresses opted out of this artist (two queries, for imports)."""
    scope = ArtistOptOut.objects.filter(_artist_scope(artist_id))
    out_emails = set(
        scope.filter(email__in=emails).values_list("email", flat=True) if emails else []
    )
    out_phones = set(
        scope.filter(phone__in=phones).values_list("phone", flat=True) if phones else []
    )
    return {e for e in out_emails if e}, {p for p in out_phones if p}


def _opt_out_of(channel: str) -> Exists:
    field = "email" if channel == EMAIL else "phone"
    return Exists(
        ArtistOptOut.objects.filter(
            Q(artist_id=OuterRef("contact_list__artist_id")) | Q(artist__isnull=True),
            **{field: OuterRef(field)},
        )
    )


def reachable_members(contact_list: ContactList | int, channel: str) -> QuerySet[ContactMember]:
    """The members of a list that may get a message on ``channel`` (``"email"`` or ``"sms"``)
    now: opted in, not opted out, with an address for the channel that is not opted out of
    the list's artist."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    list_id = contact_list if isinstance(contact_list, int) else contact_list.pk
    return _reachable(Q(contact_list_id=list_id), channel)


def artist_reachable_members(artist_id: int, channel: str) -> QuerySet[ContactMember]:
    """:func:`reachable_members` over every list of an artist (an address on two lists is two
    members here; a campaign to all lists sends to each address once)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    return _reachable(Q(contact_list__artist_id=artist_id), channel)


def _reachable(scope: Q, channel: str) -> QuerySet[ContactMember]:
    field = "email" if channel == EMAIL else "phone"
    return (
        ContactMember.objects.filter(
            scope,
            opted_in=True,
            opted_out_at__isnull=True,
            consent_at__isnull=False,
            **{f"{field}__isnull": False},
        )
        .exclude(_opt_out_of(channel))
        .order_by("id")
    )


def may_message(member: ContactMember, channel: str) -> bool:
    """:func:`reachable_members` for one member."""
    return reachable_members(member.contact_list_id, channel).filter(pk=member.pk).exists()


# --- links ---------------------------------------------------------------------------------------


def unsubscribe_token(member: ContactMember, *, artist_id: int | None = None) -> str:
    """The member's unsubscribe token: signed, with no time in it, so the same member always
    gets the same link. A campaign email sent again after a crash is then byte for byte the
    first one, which is what the provider's idempotency key expects (Resend refuses a key
    reused with another body). The link never expires (RFC 8058 links must keep working)."""
    artist = artist_id if artist_id is not None else member.contact_list.artist_id
    return _UNSUBSCRIBE_SIGNER.sign_object({"m": member.pk, "a": artist, "e": member.email})


_UNSUBSCRIBE_SIGNER = signing.Signer(salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> dict[str, Any] | None:
    """``{"m": member id, "a": artist id, "e": email}``, or ``None`` if not ours."""
    try:
        data = _UNSUBSCRIBE_SIGNER.unsign_object(token)
    except (signing.BadSignature, ValueError):  # ValueError: binascii's, an old token's time
        try:  # a link written before tokens lost their time stamp (demo data, early tests)
            data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        except (signing.BadSignature, ValueError):
            return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        return None
    return data


def unsubscribe_url(member: ContactMember, *, artist_id: int | None = None) -> str:
    token = unsubscribe_token(member, artist_id=artist_id)
    return settings.SITE_URL + reverse("fans-unsubscribe", args=[token])


def list_unsubscribe_headers(
    member: ContactMember, *, artist_id: int | None = None
) -> dict[str, str]:
    """The headers of every email to a fan (RFC 2369 + RFC 8058 one-click): a mail client's
    "Unsubscribe" button POSTs ``List-Unsubscribe=One-Click`` to the link, which opts the
    address out of the artist at once (``fans-unsubscribe`` accepts that POST without a CSRF
    token: the signed link is the proof)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(member, artist_id=artist_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def confirm_token(member: ContactMember) -> str:
    """The double opt-in token of the member's latest confirmation email (only that one works:
    sending a new one changes ``confirm_sent_at``)."""
    if member.confirm_sent_at is None:
        raise ValueError("no confirmation was sent")
    # No time stamp of its own (a plain signature): the token is made twice — its hash when the
    # request is recorded, the link when the email is written (a task, maybe a second later) —
    # and both must be the same. It expires by ``confirm_sent_at`` (services.signup_confirm).
    return _CONFIRM_SIGNER.sign_object({"m": member.pk, "s": _stamp(member.confirm_sent_at)})


_CONFIRM_SIGNER = signing.Signer(salt=CONFIRM_SALT)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_confirm_token(token: str) -> int | None:
    """The member id a confirmation token is for, or ``None`` if not ours."""
    try:
        data = _CONFIRM_SIGNER.unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        return None
    return int(data["m"])


def confirm_url(member: ContactMember) -> str:
    return settings.SITE_URL + reverse("fans-confirm", args=[confirm_token(member)])
