"""Every write of campaigns, one function per state change (docs/messaging.md, "Campaigns and
delivery guarantees").

Status: ``draft`` → ``scheduled`` (:func:`campaign_schedule`; back with
:func:`campaign_unschedule`) → ``sending`` (:func:`campaign_start`: the fan-out) → ``sent`` or
``failed`` (:func:`campaign_finish`); staff send again to the failed recipients with
:func:`campaign_resend_failed` (``sent``/``failed`` → ``sending``). Each change writes a
:class:`~messaging.models.CampaignStatusChange` (who, when, from, to).

Sending (:func:`send_batch`, run by the ``messaging.campaign_send`` task): a batch of due
deliveries is *claimed* in its own transaction (``SELECT … FOR UPDATE SKIP LOCKED``, then
``status = sending``), so two workers never hold one delivery; each is then sent with its
delivery's idempotency key and its result recorded. A claim older than the lease belongs to a
worker that died: it is taken over, and sent again with the same key (Resend drops the repeat;
for SMS, Twilio's log is asked first). Consent is checked again at the claim, and SMS quiet
hours too.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify
from artists.models import ArtistProfile
from artists.selectors import artist_own
from messaging.campaigns import merge, quiet
from messaging.campaigns.providers import (
    ProviderError,
    email_connection,
    send_email,
    sms_backend,
)
from messaging.fans import consent
from messaging.fans import services as fans
from messaging.models import (
    CAMPAIGN_EMAIL_BODY_MAX_LENGTH,
    CAMPAIGN_NAME_MAX_LENGTH,
    CAMPAIGN_SMS_BODY_MAX_LENGTH,
    CAMPAIGN_SUBJECT_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    Campaign,
    CampaignChannel,
    CampaignKind,
    CampaignStatus,
    CampaignStatusChange,
    ContactList,
    ContactMember,
    Delivery,
    DeliveryStatus,
)
from umbrella import text
from umbrella.errors import ApplicationError, NotFoundError

logger = logging.getLogger(__name__)

ANNOUNCEMENT_VERB = "campaign.announcement_ready"
SMS_STOP_FOOTER = "Reply STOP to opt out."
EMAIL_FOOTER = "\n\n--\nYou get this because you joined {list}. Unsubscribe: {unsubscribe_url}"
FANOUT_CHUNK = 1000
MAX_SCHEDULE_AHEAD = timedelta(days=365)
PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


def _validation(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(
        "validation_error", message, details={field_name: [message]}, field=field_name
    )


def new_key() -> str:
    return f"umb-{uuid.uuid4().hex}"


def _change(campaign: Campaign, to: str, *, by: User | None, note: str = "") -> None:
    frm = campaign.status
    campaign.status = to
    CampaignStatusChange.objects.create(
        campaign=campaign,
        by=by,
        from_status=frm,
        to_status=to,
        at=timezone.now(),
        note=note[:300],
    )


# --- input ---------------------------------------------------------------------------------------


def _merge_check(value: str, field_name: str, channel: str) -> None:
    unknown = merge.unknown_fields(value, channel=channel)
    if unknown:
        names = ", ".join(f"{{{name}}}" for name in unknown)
        allowed = ", ".join(
            f"{{{name}}}"
            for name in merge.FIELDS
            if channel == "email" or name not in merge.EMAIL_ONLY
        )
        message = f"Unknown merge field {names}. The fields are {allowed}."
        raise ApplicationError(
            "unknown_merge_field", message, details={field_name: [message]}, field=field_name
        )


def clean_campaign(*, artist: ArtistProfile, data: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a campaign's fields (all of them: a draft's current values filled in
    for an update). Raises ``ApplicationError`` naming the field."""
    channel = data.get("channel")
    if channel not in CampaignChannel.values:
        raise _validation("channel", "Choose email or SMS.")
    list_id = data.get("contact_list_id")
    if list_id in ("", None):
        list_id = None
    else:
        if not isinstance(list_id, int) or not (
            ContactList.objects.filter(pk=list_id, artist=artist).exists()
        ):
            raise _validation("contact_list_id", "No such list.")
    raw_name = data.get("name")
    name = text.single_line(raw_name) if isinstance(raw_name, str) else ""
    if not name:
        raise _validation("name", "Give the campaign a name (only you see it).")
    if len(name) > CAMPAIGN_NAME_MAX_LENGTH:
        raise _validation("name", f"A name has at most {CAMPAIGN_NAME_MAX_LENGTH} characters.")
    raw_subject = data.get("subject")
    subject = text.single_line(raw_subject) if isinstance(raw_subject, str) else ""
    raw_body = data.get("body")
    body = text.free_text(raw_body).strip() if isinstance(raw_body, str) else ""
    if channel == CampaignChannel.EMAIL:
        if not subject:
            raise _validation("subject", "An email needs a subject.")
        if len(subject) > CAMPAIGN_SUBJECT_MAX_LENGTH:
            raise _validation(
                "subject", f"A subject has at most {CAMPAIGN_SUBJECT_MAX_LENGTH} characters."
            )
        _merge_check(subject, "subject", channel)
        limit = CAMPAIGN_EMAIL_BODY_MAX_LENGTH
    else:
        subject = ""
        limit = CAMPAIGN_SMS_BODY_MAX_LENGTH
    if not body:
        raise _validation("body", "Write the message.")
    if len(body) > limit:
        raise _validation("body", f"The message has at most {limit} characters.")
    _merge_check(body, "body", channel)
    places = {}
    for key in ("audience_city", "audience_region"):
        value = data.get(key) or ""
        if not isinstance(value, str):
            raise _validation(key, "Enter a place name.")
        try:
            places[key] = fans.clean_place(value, PLACE_MAX_LENGTH)
        except ApplicationError as error:
            raise _validation(key, error.message) from error
    return {
        "channel": channel,
        "contact_list_id": list_id,
        "all_lists": list_id is None,
        "name": name,
        "subject": subject,
        "body": body,
        **places,
    }


def _own(*, user: User, campaign_id: int, lock: bool = False) -> Campaign:
    artist = artist_own(user=user)
    rows = Campaign.objects.select_for_update() if lock else Campaign.objects
    found = rows.filter(pk=campaign_id, artist=artist).first()
    if found is None:
        raise NotFoundError("not_found", "No such campaign.")
    return found


def _state(campaign: Campaign, doing: str) -> str:
    return f"The campaign is {campaign.status}: it can't be {doing} now."


FIELDS = (
    "channel",
    "contact_list_id",
    "name",
    "subject",
    "body",
    "audience_city",
    "audience_region",
)


@transaction.atomic
def campaign_create(*, user: User, **data: Any) -> Campaign:
    """A new draft of the signed-in artist's."""
    artist = artist_own(user=user)
    clean = clean_campaign(artist=artist, data=data)
    campaign = Campaign(artist=artist, created_by=user, status="", **clean)
    campaign.save()
    _change(campaign, CampaignStatus.DRAFT, by=user)
    campaign.save(update_fields=["status"])
    return campaign


def _current(campaign: Campaign) -> dict[str, Any]:
    """A campaign's fields as input to :func:`clean_campaign`; a deleted list reads as no
    such list (choose another), not as "all lists"."""
    current = {name: getattr(campaign, name) for name in FIELDS}
    if campaign.contact_list_id is None and not campaign.all_lists:
        current["contact_list_id"] = 0
    return current


@transaction.atomic
def campaign_update(*, user: User, campaign_id: int, **data: Any) -> Campaign:
    """Change a draft (only the fields given)."""
    campaign = _own(user=user, campaign_id=campaign_id, lock=True)
    if campaign.status != CampaignStatus.DRAFT:
        raise ApplicationError("campaign_not_draft", _state(campaign, "edited"), status=409)
    current = _current(campaign)
    current.update({k: v for k, v in data.items() if k in FIELDS})
    clean = clean_campaign(artist=campaign.artist, data=current)
    for name, value in clean.items():
        setattr(campaign, name, value)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_delete(*, user: User, campaign_id: int) -> None:
    campaign = _own(user=user, campaign_id=campaign_id, lock=True)
    if campaign.status != CampaignStatus.DRAFT:
        raise ApplicationError("campaign_not_draft", _state(campaign, "deleted"), status=409)
    campaign.delete()


# --- audience ------------------------------------------------------------------------------------


def _address_field(channel: str) -> str:
    return "email" if channel == CampaignChannel.EMAIL else "phone"


def audience(
    *,
    artist_id: int,
    channel: str,
    contact_list_id: int | None,
    all_lists: bool,
    city: str = "",
    region: str = "",
) -> QuerySet[ContactMember]:
    """The members a campaign reaches now (consent: messaging.fans.consent), in id order. The
    same address on two lists is two members here; :func:`recipient_count` counts addresses.
    Neither a list nor all lists (the list was deleted): nobody."""
    if all_lists:
        members = consent.artist_reachable_members(artist_id, channel)
    elif contact_list_id is not None:
        members = consent.reachable_members(contact_list_id, channel)
    else:
        return ContactMember.objects.none()
    place = Q()
    if city:
        place |= Q(city__iexact=city)
    if region:
        place |= Q(region__iexact=region)
    return members.filter(place) if place else members


def campaign_audience(campaign: Campaign) -> QuerySet[ContactMember]:
    return audience(
        artist_id=campaign.artist_id,
        channel=campaign.channel,
        contact_list_id=campaign.contact_list_id,
        all_lists=campaign.all_lists,
        city=campaign.audience_city,
        region=campaign.audience_region,
    )


def recipient_count(campaign: Campaign) -> int:
    """How many addresses the campaign would reach now (one query)."""
    field_name = _address_field(campaign.channel)
    return campaign_audience(campaign).order_by().values(field_name).distinct().count()


# --- rendering -----------------------------------------------------------------------------------


def escape(value: str) -> str:
    """Literal text for a subject or body (braces doubled, so no merge field is read in it)."""
    return value.replace("{", "{{").replace("}", "}}")


def merge_values(
    campaign: Campaign, member: ContactMember | None, *, list_name: str = ""
) -> dict[str, str]:
    name = (member.name if member else "") or ""
    values = {
        "first_name": name.split()[0] if name.split() else "there",
        "name": name or "there",
        "city": member.city if member else "",
        "region": member.region if member else "",
        "artist": campaign.artist.stage_name,
        "list": list_name or (member.contact_list.name if member else ""),
        "unsubscribe_url": "",
    }
    if member is not None and campaign.channel == CampaignChannel.EMAIL:
        values["unsubscribe_url"] = consent.unsubscribe_url(member, artist_id=campaign.artist_id)
    return values


def sms_text(body: str) -> str:
    """An SMS as sent: the body, and how to stop unless the body already says it."""
    return body if "STOP" in body.upper() else f"{body}\n{SMS_STOP_FOOTER}"


def email_text(body: str) -> str:
    return body if "{unsubscribe_url}" in body else body + EMAIL_FOOTER


def render_for(campaign: Campaign, member: ContactMember | None, **kw: str) -> tuple[str, str]:
    """(subject, text) of the campaign for one member (``None``: placeholders for a preview)."""
    values = merge_values(campaign, member, **kw)
    if member is None:
        values.update(
            first_name="Maya",
            name="Maya Ortiz",
            city=campaign.audience_city or "Austin",
            region=campaign.audience_region or "TX",
            list=campaign.contact_list.name if campaign.contact_list else "your list",
            unsubscribe_url=settings.SITE_URL + "/fans/unsubscribe/…/",
        )
    if campaign.channel == CampaignChannel.SMS:
        return "", merge.render(sms_text(campaign.body), values)
    return merge.render(campaign.subject, values), merge.render(email_text(campaign.body), values)


# --- schedule and start --------------------------------------------------------------------------


def _enqueue_send(campaign_id: int, *, countdown: float = 0) -> None:
    from messaging.tasks import campaign_send_task

    transaction.on_commit(
        lambda: campaign_send_task.apply_async(
            kwargs={"campaign_id": campaign_id}, countdown=max(0, countdown)
        )
    )


@transaction.atomic
def campaign_schedule(
    *, user: User, campaign_id: int, scheduled_at: datetime | None = None
) -> Campaign:
    """Schedule a draft for ``scheduled_at`` (``None``: send now). Refused when nobody would
    get it. The send starts at that time (a task with a countdown, and the beat as a net)."""
    campaign = _own(user=user, campaign_id=campaign_id, lock=True)
    if campaign.status != CampaignStatus.DRAFT:
        raise ApplicationError("campaign_not_draft", _state(campaign, "scheduled"), status=409)
    now = timezone.now()
    when = scheduled_at or now
    if timezone.is_naive(when):
        raise _validation("scheduled_at", "Give the time with its time zone.")
    if when < now - timedelta(minutes=1):
        raise _validation("scheduled_at", "That time has passed. Choose a later one.")
    if when > now + MAX_SCHEDULE_AHEAD:
        raise _validation("scheduled_at", "Schedule at most a year ahead.")
    clean_campaign(artist=campaign.artist, data=_current(campaign))
    if recipient_count(campaign) == 0:
        raise ApplicationError(
            "no_recipients", "Nobody on the list can get this campaign yet.", status=409
        )
    campaign.scheduled_at = max(when, now)
    _change(campaign, CampaignStatus.SCHEDULED, by=user)
    campaign.save(update_fields=["status", "scheduled_at", "updated_at"])
    from messaging.tasks import campaign_start_task

    delay = max(0.0, (campaign.scheduled_at - now).total_seconds())
    transaction.on_commit(
        lambda: campaign_start_task.apply_async(
            kwargs={"campaign_id": campaign.pk}, countdown=delay
        )
    )
    return campaign


@transaction.atomic
def campaign_unschedule(*, user: User, campaign_id: int) -> Campaign:
    """A scheduled campaign goes back to draft (before it starts)."""
    campaign = _own(user=user, campaign_id=campaign_id, lock=True)
    if campaign.status != CampaignStatus.SCHEDULED:
        raise ApplicationError(
            "campaign_not_scheduled", _state(campaign, "unscheduled"), status=409
        )
    campaign.scheduled_at = None
    _change(campaign, CampaignStatus.DRAFT, by=user)
    campaign.save(update_fields=["status", "scheduled_at", "updated_at"])
    return campaign


@transaction.atomic
def campaign_start(*, campaign_id: int) -> bool:
    """A due scheduled campaign starts sending: one delivery per recipient address, made now
    (the fan-out), then the send tasks. ``False`` when it is not due or not scheduled (a
    second start of one campaign does nothing)."""
    now = timezone.now()
    campaign = (
        Campaign.objects.select_for_update()
        .filter(pk=campaign_id, status=CampaignStatus.SCHEDULED, scheduled_at__lte=now)
        .first()
    )
    if campaign is None:
        return False
    field_name = _address_field(campaign.channel)
    seen: set[str] = set()
    batch: list[Delivery] = []
    for member_id, address in (
        campaign_audience(campaign).values_list("pk", field_name).iterator(chunk_size=FANOUT_CHUNK)
    ):
        if address in seen:
            continue
        seen.add(address)
        batch.append(
            Delivery(
                campaign=campaign,
                member_id=member_id,
                address=address,
                idempotency_key=new_key(),
                next_attempt_at=now,
            )
        )
        if len(batch) >= FANOUT_CHUNK:
            Delivery.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Delivery.objects.bulk_create(batch, ignore_conflicts=True)
    campaign.recipient_count = Delivery.objects.filter(campaign=campaign).count()
    campaign.started_at = now
    _change(campaign, CampaignStatus.SENDING, by=None)
    campaign.save(update_fields=["status", "started_at", "recipient_count", "updated_at"])
    if campaign.recipient_count == 0:
        _finish(campaign, note="nobody to send to (the list was deleted, or everyone left)")
    else:
        _enqueue_send(campaign.pk)
    return True


def start_due(*, now: datetime | None = None) -> int:
    """Start every scheduled campaign that is due (the beat's net under the countdown task)."""
    due = Campaign.objects.filter(
        status=CampaignStatus.SCHEDULED, scheduled_at__lte=now or timezone.now()
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(due) if campaign_start(campaign_id=pk))


# --- sending -------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    deferred: int = 0  # quiet hours
    finished: bool = False
    next_at: datetime | None = None  # the earliest waiting delivery, if any
    more_due: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def progressed(self) -> bool:
        """Whether the batch changed anything (sent, skipped or deferred a delivery): the next
        batch may find more due work behind it."""
        return bool(self.claimed or self.skipped or self.deferred)


@dataclass
class _Claim:
    delivery: Delivery
    member: ContactMember | None
    taken_over_since: datetime | None  # a dead worker's claim: when it was made


def _lease() -> timedelta:
    return timedelta(seconds=settings.CAMPAIGNS_CLAIM_LEASE_SECONDS)


def _due(campaign_id: int, now: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - _lease()),
        campaign_id=campaign_id,
    )


def _claim(campaign: Campaign, now: datetime, result: BatchResult) -> list[_Claim]:
    """Claim up to a batch of due deliveries, in one transaction: skip (opted out), defer
    (quiet hours) or mark ``sending``."""
    field_name = _address_field(campaign.channel)
    with transaction.atomic():
        rows = list(
            _due(campaign.pk, now)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")[: settings.CAMPAIGNS_BATCH_SIZE]
        )
        if not rows:
            return []
        member_ids = [row.member_id for row in rows if row.member_id]
        reachable = {
            member.pk: member
            for member in (
                consent.artist_reachable_members(campaign.artist_id, campaign.channel)
                .filter(pk__in=member_ids)
                .select_related("contact_list")
            )
        }
        claims: list[_Claim] = []
        changed: list[Delivery] = []
        for row in rows:
            member = reachable.get(row.member_id or 0)
            taken_over = row.claimed_at if row.status == DeliveryStatus.SENDING else None
            gone = member is None or getattr(member, field_name) != row.address
            if gone and taken_over is None:
                row.status = DeliveryStatus.SKIPPED
                row.error = "Opted out (or left the list) before it was sent."
                result.skipped += 1
                changed.append(row)
                continue
            # (A dead worker's claim of a member gone since is reconciled below, not sent.)
            member = None if gone else member
            if (
                campaign.channel == CampaignChannel.SMS
                and taken_over is None
                and quiet.is_quiet(row.address, now)
            ):
                row.next_attempt_at = quiet.next_allowed(row.address, now)
                result.deferred += 1
                changed.append(row)
                continue
            row.status = DeliveryStatus.SENDING
            row.claimed_at = now
            row.attempts += 1
            changed.append(row)
            claims.append(_Claim(row, member, taken_over))
        for row in changed:
            row.updated_at = now
        Delivery.objects.bulk_update(
            changed, ["status", "error", "next_attempt_at", "claimed_at", "attempts", "updated_at"]
        )
    result.claimed = len(claims)
    return claims


class _Recorder:
    """The results of a batch's sends, written every ``CAMPAIGNS_RECORD_EVERY`` sends in one
    transaction (one commit for many, instead of one each). Each row is written only while
    the claim is still this worker's. A worker killed before a flush leaves its last sends
    unrecorded: they are taken over after the lease and sent again **with the same key**, so
    the provider drops them (Resend) or they are found in its log (Twilio)."""

    SQL = (
        "UPDATE {table} SET status = %s, sent_at = COALESCE(%s, sent_at), "
        "provider_message_id = COALESCE(%s, provider_message_id), error = COALESCE(%s, error), "
        "next_attempt_at = COALESCE(%s, next_attempt_at), updated_at = %s "
        "WHERE id = %s AND status = 'sending' AND claimed_at = %s"
    )

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.every = max(1, int(settings.CAMPAIGNS_RECORD_EVERY))

    def add(
        self,
        claim: _Claim,
        *,
        status: str,
        now: datetime,
        next_at: datetime | None = None,
        sent_at: datetime | None = None,
        provider_message_id: str | None = None,
        error: str | None = None,
    ) -> None:
        row = claim.delivery
        # Raw SQL: timestamps adapted as the ORM would store them (SQLite keeps text, and
        # ``claimed_at = %s`` must match it exactly; PostgreSQL takes them as they are).
        at = connection.ops.adapt_datetimefield_value
        self.rows.append(
            (
                status,
                at(sent_at),
                provider_message_id,
                error,
                at(next_at),
                at(now),
                row.pk,
                at(row.claimed_at),
            )
        )
        if len(self.rows) >= self.every:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(self.SQL.format(table=Delivery._meta.db_table), self.rows)
        self.rows = []


def _email_message(campaign: Campaign, claim: _Claim) -> EmailMessage:
    member = claim.member
    if member is None:
        raise ValueError("no member to write to")
    subject, body = render_for(campaign, member)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[claim.delivery.address],
        headers=consent.list_unsubscribe_headers(member, artist_id=campaign.artist_id),
    )
    # anymail: the idempotency key (Resend's header, providers.ResendEmailBackend) and the
    # delivery's key in the metadata, which comes back with the tracking events.
    message.esp_extra = {"idempotency_key": claim.delivery.idempotency_key}  # type: ignore[attr-defined]
    message.metadata = {"delivery": claim.delivery.idempotency_key}  # type: ignore[attr-defined]
    return message


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.CAMPAIGNS_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))


def send_batch(*, campaign_id: int) -> BatchResult:
    """Claim and send one batch of a sending campaign's due deliveries (the task's body)."""
    result = BatchResult()
    campaign = (
        Campaign.objects.select_related("artist")
        .filter(pk=campaign_id, status=CampaignStatus.SENDING)
        .first()
    )
    if campaign is None:
        return result
    now = timezone.now()
    claims = _claim(campaign, now, result)
    mail_connection = (
        email_connection() if campaign.channel == CampaignChannel.EMAIL and claims else None
    )
    sms = sms_backend() if campaign.channel == CampaignChannel.SMS and claims else None
    recorder = _Recorder()
    try:
        for claim in claims:
            row = claim.delivery
            try:
                if sms is not None:
                    _, body = render_for(campaign, claim.member) if claim.member else ("", "")
                    if claim.taken_over_since is not None:
                        sid = sms.find_sent(to=row.address, body=body, since=claim.taken_over_since)
                        if sid:
                            recorder.add(
                                claim,
                                status=DeliveryStatus.SENT,
                                now=now,
                                sent_at=now,
                                provider_message_id=sid,
                                error="",
                            )
                            result.sent += 1
                            continue
                        if claim.member is None:
                            recorder.add(
                                claim,
                                status=DeliveryStatus.SKIPPED,
                                now=now,
                                error="Opted out (or left the list) before it was sent.",
                            )
                            result.skipped += 1
                            continue
                        if quiet.is_quiet(row.address, now):
                            recorder.add(
                                claim,
                                status=DeliveryStatus.QUEUED,
                                now=now,
                                next_at=quiet.next_allowed(row.address, now),
                            )
                            result.deferred += 1
                            continue
                    message_id = sms.send(to=row.address, body=body, key=row.idempotency_key)
                else:
                    if claim.member is None:
                        # A dead worker's claim of an address that has opted out since: whatever
                        # happened then, nothing more is sent now.
                        recorder.add(
                            claim,
                            status=DeliveryStatus.SKIPPED,
                            now=now,
                            error="Opted out (or left the list) before it was sent.",
                        )
                        result.skipped += 1
                        continue
                    message_id = send_email(
                        _email_message(campaign, claim),
                        connection=mail_connection or email_connection(),
                    )
            except ProviderError as error:
                result.errors.append(str(error))
                if error.permanent or row.attempts >= settings.CAMPAIGNS_MAX_ATTEMPTS:
                    recorder.add(
                        claim, status=DeliveryStatus.FAILED, now=now, error=str(error)[:500]
                    )
                    result.failed += 1
                else:
                    recorder.add(
                        claim,
                        status=DeliveryStatus.QUEUED,
                        now=now,
                        next_at=now + _backoff(row.attempts),
                        error=str(error)[:500],
                    )
                    result.retrying += 1
                continue
            recorder.add(
                claim,
                status=DeliveryStatus.SENT,
                now=now,
                sent_at=timezone.now(),
                provider_message_id=message_id[:100],
                error="",
            )
            result.sent += 1
    except Exception:
        recorder.flush()  # what was sent is recorded before the error goes up
        raise
    recorder.flush()
    pending = Delivery.objects.filter(campaign_id=campaign_id, status__in=PENDING)
    if not pending.exists():
        result.finished = campaign_finish(campaign_id=campaign_id)
        return result
    later = timezone.now()
    result.more_due = _due(campaign_id, later).exists()
    waiting = (
        pending.filter(status=DeliveryStatus.QUEUED)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    result.next_at = waiting
    return result


def _finish(campaign: Campaign, *, note: str = "") -> None:
    counts = set(
        Delivery.objects.filter(campaign=campaign).values_list("status", flat=True).distinct()
    )
    reached = {DeliveryStatus.SENT, DeliveryStatus.BOUNCED} & counts
    failed_all = not reached and (DeliveryStatus.FAILED in counts or bool(note))
    campaign.finished_at = timezone.now()
    _change(
        campaign,
        CampaignStatus.FAILED if failed_all else CampaignStatus.SENT,
        by=None,
        note=note or ("no delivery could be sent" if failed_all else ""),
    )
    campaign.save(update_fields=["status", "finished_at", "updated_at"])


@transaction.atomic
def campaign_finish(*, campaign_id: int) -> bool:
    """A sending campaign with nothing left to send is ``sent`` (``failed`` when no delivery
    could be sent at all)."""
    campaign = (
        Campaign.objects.select_for_update()
        .filter(pk=campaign_id, status=CampaignStatus.SENDING)
        .first()
    )
    if campaign is None:
        return False
    if Delivery.objects.filter(campaign=campaign, status__in=PENDING).exists():
        return False
    _finish(campaign)
    return True


def sending_with_due_work(*, now: datetime | None = None) -> list[int]:
    """Campaigns that are sending and have a delivery due (for the beat: quiet hours over, a
    backoff over, a dead worker's claim to take over) or nothing left (to finish)."""
    moment = now or timezone.now()
    ids = list(Campaign.objects.filter(status=CampaignStatus.SENDING).values_list("pk", flat=True))
    return [
        pk
        for pk in ids
        if _due(pk, moment).exists()
        or not Delivery.objects.filter(campaign_id=pk, status__in=PENDING).exists()
    ]


# --- staff ---------------------------------------------------------------------------------------


@transaction.atomic
def campaign_resend_failed(*, by: User, campaign_id: int) -> int:
    """Staff send a finished campaign again to its failed deliveries (each with a new
    idempotency key: the provider refused the old one). Consent is checked again when each is
    sent. Returns how many were queued."""
    fans._require_staff(by)
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFoundError("not_found", "No such campaign.")
    if campaign.status not in (CampaignStatus.SENT, CampaignStatus.FAILED):
        raise ApplicationError("campaign_not_sent", _state(campaign, "sent again"), status=409)
    failed = list(
        Delivery.objects.select_for_update().filter(campaign=campaign, status=DeliveryStatus.FAILED)
    )
    if not failed:
        raise ApplicationError("nothing_failed", "No delivery of this campaign failed.", status=409)
    now = timezone.now()
    for row in failed:
        row.status = DeliveryStatus.QUEUED
        row.attempts = 0
        row.next_attempt_at = now
        row.claimed_at = None
        row.error = ""
        row.idempotency_key = new_key()
        row.updated_at = now
    Delivery.objects.bulk_update(
        failed,
        [
            "status",
            "attempts",
            "next_attempt_at",
            "claimed_at",
            "error",
            "idempotency_key",
            "updated_at",
        ],
    )
    campaign.finished_at = None
    _change(campaign, CampaignStatus.SENDING, by=by, note=f"resend to {len(failed)} failed")
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    _enqueue_send(campaign.pk)
    return len(failed)


# --- email events --------------------------------------------------------------------------------

DELIVERED, BOUNCED, COMPLAINED = "delivered", "bounced", "complained"


def email_event(
    *,
    event_type: str,
    message_id: str | None,
    delivery_key: str | None = None,
    at: datetime | None = None,
    permanent: bool = True,
) -> Delivery | None:
    """An email provider's tracking event for a campaign email (anymail's ``tracking`` signal).
    ``delivered`` is recorded; a hard bounce (``permanent``) or a spam complaint marks the
    delivery and opts the address out of the artist (messaging.fans), so no list of the artist
    mails it again. A soft bounce changes nothing. Unknown messages are ignored. Idempotent."""
    if event_type not in (DELIVERED, BOUNCED, COMPLAINED):
        return None
    rows = Delivery.objects.select_related("campaign")
    delivery = None
    if message_id:
        delivery = rows.filter(provider_message_id=message_id).first()
    if delivery is None and delivery_key:
        delivery = rows.filter(idempotency_key=delivery_key).first()
    if delivery is None or delivery.campaign.channel != CampaignChannel.EMAIL:
        return None
    moment = at or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update().select_related("campaign").get(pk=delivery.pk)
        )
        if event_type == DELIVERED:
            if delivery.delivered_at is None:
                delivery.delivered_at = moment
                delivery.save(update_fields=["delivered_at", "updated_at"])
            return delivery
        if event_type == BOUNCED and not permanent:
            return delivery
        if event_type == BOUNCED:
            delivery.status = DeliveryStatus.BOUNCED
            delivery.bounced_at = delivery.bounced_at or moment
        else:
            delivery.complained_at = delivery.complained_at or moment
        delivery.save(update_fields=["status", "bounced_at", "complained_at", "updated_at"])
        fans.email_undeliverable(
            artist_id=delivery.campaign.artist_id,
            email=delivery.address,
            cause="bounce" if event_type == BOUNCED else "complaint",
        )
    return delivery


# --- show announcements --------------------------------------------------------------------------


def _local_start(gig: Any) -> datetime:
    return datetime.combine(gig.date, gig.start_time, tzinfo=ZoneInfo(gig.timezone or "UTC"))


def announcement_for_booking(*, booking_id: int) -> Campaign | None:
    """When a booking is accepted (marketplace's ``booking_accepted`` hook, after commit), the
    artist gets a draft email announcing the show to the fans of all their lists in the gig's
    city or region, and a notification linking to it. One draft per booking; nothing for an
    artist without lists, or a booking no longer active."""
    from marketplace.models import Booking, BookingStatus

    booking = (
        Booking.objects.select_related("gig", "artist__user")
        .filter(pk=booking_id, status=BookingStatus.ACTIVE)
        .first()
    )
    if booking is None:
        return None
    existing = Campaign.objects.filter(booking=booking).first()
    if existing is not None:
        return existing
    artist = booking.artist
    if not ContactList.objects.filter(artist=artist).exists():
        return None
    gig = booking.gig
    start = _local_start(gig)
    when = f"{start:%A %-d %B} at {start:%-I:%M %p} ({start:%Z})"
    place = ", ".join(p for p in (gig.location_city, gig.location_state) if p)
    link = settings.SITE_URL + reverse("gig-detail", kwargs={"gig_id": gig.pk})
    venue = escape(gig.venue_name)
    lines = [
        "Hi {first_name},",
        "",
        f"I'm playing {venue}{' in ' + escape(place) if place else ''} on {escape(when)}.",
        "",
        escape(gig.title),
        *([escape(gig.location_address)] if gig.location_address else []),
        "",
        f"All the details: {link}",
        "",
        "Hope to see you there!",
        "{artist}",
    ]
    with transaction.atomic():
        campaign = Campaign(
            artist=artist,
            created_by=artist.user,
            kind=CampaignKind.ANNOUNCEMENT,
            booking=booking,
            all_lists=True,
            channel=CampaignChannel.EMAIL,
            name=f"Show: {gig.venue_name}, {start:%d %b %Y}"[:CAMPAIGN_NAME_MAX_LENGTH],
            subject=f"{{artist}} live at {venue} on {start:%a %-d %b}"[
                :CAMPAIGN_SUBJECT_MAX_LENGTH
            ],
            body="\n".join(lines),
            audience_city=gig.location_city[:PLACE_MAX_LENGTH],
            audience_region=gig.location_state[:PLACE_MAX_LENGTH],
            status="",
        )
        try:
            with transaction.atomic():
                campaign.save()
        except IntegrityError:  # the hook ran twice at once
            return Campaign.objects.filter(booking=booking).first()
        _change(campaign, CampaignStatus.DRAFT, by=None, note="show announcement")
        campaign.save(update_fields=["status"])
        count = recipient_count(campaign)
        near = f" near {gig.location_city or gig.location_state}" if place else ""
        notify(
            artist.user,
            verb=ANNOUNCEMENT_VERB,
            target_url=reverse("campaign-detail", kwargs={"campaign_id": campaign.pk}),
            text=(
                f"You're booked at {gig.venue_name}: a draft announcing the show to "
                f"{count} fan{'s' if count != 1 else ''}{near} is ready to review and send."
            ),
        )
    return campaign
