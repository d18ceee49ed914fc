"""Asynchronous webhook deliveries, their retries and the dead letters (SPEC-events §4).

A message is enqueued after commit (:func:`webhook_enqueue`): onto the Redis due list that one
``events.webhook_drain`` task delivers in batches (events/delivery_queue.py), or, without Redis
or with eager Celery, as one ``events.webhook_deliver`` task. Either way each attempt goes
through :func:`webhook_deliver_many` (a batch of one for the task): one settled check for the
batch, then per (app, capability) :func:`events.webhooks.calls.webhook_calls`, which keeps every
rule of one :func:`~events.webhooks.calls.webhook_call` per message (signed, breaker-checked,
SSRF-guarded, one ``WebhookDelivery`` row per attempt) but sends the batch concurrently and
writes its rows with one ``INSERT``. Decisions (docs/events.md, "Async deliveries and dead
letters"):

* **3 attempts**, or fewer when the webhook's manifest ``retry`` block says so
  (:func:`round_attempts`), then a dead letter. The wait before attempt ``n + 1`` of a round is
  :func:`retry_delay` (1 s doubling, capped at 30 s, minus up to 30 % jitter); each failed
  message of a batch is retried alone, as one ``events.webhook_deliver`` task with a countdown.
* **The payload lives in the due list or the retry task's arguments** (plain JSON) between
  attempts, not in a row: every attempt is recorded anyway (the ``WebhookDelivery`` row holds the
  signed body), the dead letter keeps the payload once every attempt failed, and no extra write
  per message keeps the hot path at one multi-row insert per batch. Redis must therefore be
  durable (AOF in production, docs/deployment.md); a message lost between commit and Redis is
  lost, as any after-commit enqueue would.
* **Idempotent per webhook-id**: an attempt first looks for a successful attempt of the same
  ``webhook_id`` and for a dead letter not being replayed; either means the message is settled and
  nothing is sent. A task run twice (a worker killed before it acknowledged) therefore sends at most
  one more copy, with the same ``webhook-id``, which apps drop.
* **Exactly one dead letter per message**: ``DeadLetter.webhook_id`` is unique, written with
  ``get_or_create`` under a row lock; the owner and staff are told only when the row is made (or
  when a replayed message fails again), never by a duplicate task.
* **An open circuit breaker** is not an attempt: nothing was sent, so the same attempt waits
  until the breaker may let a probe through (its 60 s, plus jitter), for at most
  :data:`MAX_DEFER_SECONDS` (10 minutes) in all; then the message is dead-lettered.
* **A disabled webhook** (it answered 410 Gone, now or before), a capability the manifest no
  longer has, or an inactive app: no more attempts; the message is dead-lettered at once, so the
  owner can replay it once the webhook works again.
* **The body** of an async delivery is ``{"event": …, "payload": …}`` (SPEC-events §4: event
  name, payload); the dead letter keeps ``payload``.
* **Replay** sends the dead letter's payload again under the same ``webhook-id``, with a fresh
  round of attempts (3, or the ``retry`` block's) numbered after the earlier ones (4, 5, 6…).
  ``requeued_at`` is set; when the message is delivered the dead letter row is **deleted** (the
  attempts stay in the delivery log); when it fails again the same row is updated
  (``requeued_at`` cleared) and people are told again.
"""

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import CharField, Value
from django.utils import timezone

from accounts.models import User
from events import delivery_queue, notifications
from events.models import App, DeadLetter, Outcome, WebhookDelivery
from events.selectors_apps import may_manage
from events.webhooks import breaker, calls
from events.webhooks.signing import new_webhook_id
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.tasks import enqueue_on_commit

ATTEMPTS = 3
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
BACKOFF_JITTER = 0.3
# While the breaker is open (60 s after the last failure, then one probe), an attempt waits,
# for at most MAX_DEFER_SECONDS in all; then the message is dead-lettered.
BREAKER_WAIT_SECONDS = 60.0
HALF_OPEN_WAIT_SECONDS = 5.0
MAX_DEFER_SECONDS = 600.0
# A replay not settled after this long may be replayed again (its task was lost, say).
REPLAY_GRACE = timedelta(minutes=15)
BULK_REPLAY_MAX = 1000
KEEP_DELIVERIES = timedelta(days=90)
PRUNE_BATCH = 5000
TEST_EVENT = "app.test"


def retry_delay(attempt: int, *, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1, 2, …) before the next one.

    ``min(2^(attempt-1) s, 30 s)``, less up to 30 % of it (jitter spreads the retries of many
    messages that failed together). Never above the cap, never below 70 % of the step.
    """
    if attempt < 1:
        raise ValueError("attempts count from 1")
    step = min(BACKOFF_FIRST_SECONDS * 2 ** min(attempt - 1, 16), BACKOFF_CAP_SECONDS)
    return step * (1 - BACKOFF_JITTER * rand())


# --- enqueue ----------------------------------------------------------------------------------


@transaction.atomic
def webhook_enqueue(*, app: App, capability: str, event: str, payload: dict[str, Any]) -> str:
    """Queue ``payload`` for ``app``'s ``capability`` webhook; returns its ``webhook-id``.

    The task is sent after the caller's transaction commits (rolled back: nothing is sent).
    An app whose manifest has no webhook for ``capability`` is refused at once
    (``409 no_webhook``): check :func:`webhook_capabilities` first rather than making dead
    letters nobody can deliver.
    """
    if not isinstance(payload, dict):
        raise TypeError("a webhook payload is a JSON object")
    if capability not in webhook_capabilities(app):
        raise ApplicationError(
            "no_webhook",
            f"The app's manifest has no {capability} webhook.",
            details={"capability": capability},
            status=409,
        )
    payload = json.loads(json.dumps(payload))  # plain JSON now, not when the task is encoded
    webhook_id = new_webhook_id()
    _send_attempt(
        app_pk=app.pk,
        capability=capability,
        event=event,
        payload=payload,
        webhook_id=webhook_id,
        attempt=1,
        last_attempt=round_attempts(app, capability),
        first_attempt=1,
    )
    return webhook_id


def round_attempts(app: App, capability: str) -> int:
    """How many attempts a message to ``capability`` gets (and each replay of it): the
    manifest's ``retry`` block of that webhook. ``{"enabled": false}``: one, then the dead
    letter; ``max_attempts`` (the schema allows 1 to 3): that many; absent: :data:`ATTEMPTS`.
    Read when the message is enqueued or replayed: a manifest changed meanwhile applies to the
    next message (or replay), not to attempts already under way."""
    config = calls.webhook_config(app, capability)
    retry = config.retry if config is not None else {}
    if retry.get("enabled") is False:
        return 1
    wanted = retry.get("max_attempts")
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        return min(max(wanted, 1), ATTEMPTS)
    return ATTEMPTS


def _send_attempt(*, countdown: float | None = None, **kwargs: Any) -> None:
    """Send an attempt after commit: onto the due list, delivered in batches (events/
    delivery_queue.py), or, with a countdown (a retry, a deferral), eager Celery or no Redis,
    as one ``events.webhook_deliver`` task."""
    from events.tasks import webhook_deliver_task

    if countdown is None and delivery_queue.available():
        transaction.on_commit(lambda: delivery_queue.push([kwargs]))
    elif countdown is None:
        enqueue_on_commit(webhook_deliver_task, **kwargs)
    else:
        transaction.on_commit(
            lambda: webhook_deliver_task.apply_async(kwargs=kwargs, countdown=countdown)
        )


# --- one attempt (the task's body) ------------------------------------------------------------


class Step:
    """What :func:`webhook_deliver` did (the task's return value, for logs and tests)."""

    DELIVERED = "delivered"
    ALREADY_DELIVERED = "already_delivered"
    ALREADY_DEAD = "already_dead"
    DUPLICATE = "duplicate"  # a second copy of a message in the same batch: not sent twice
    RETRY = "retry"
    DEFERRED = "deferred"
    DEAD = "dead"
    NO_APP = "no_app"


def webhook_deliver(
    *,
    app_pk: int,
    capability: str,
    event: str,
    payload: dict[str, Any],
    webhook_id: str,
    attempt: int,
    last_attempt: int,
    first_attempt: int | None = None,
    deferred_since: float | None = None,
    replay: bool = False,
) -> str:
    """Attempt ``attempt`` of message ``webhook_id``, and what follows it: the next attempt
    (after :func:`retry_delay`), the same attempt later (breaker open), a dead letter, or nothing
    (delivered). Safe to run twice: a settled message is not sent again. A batch of one
    (:func:`webhook_deliver_many`)."""
    [step] = webhook_deliver_many(
        [
            {
                "app_pk": app_pk,
                "capability": capability,
                "event": event,
                "payload": payload,
                "webhook_id": webhook_id,
                "attempt": attempt,
                "last_attempt": last_attempt,
                "first_attempt": first_attempt,
                "deferred_since": deferred_since,
                "replay": replay,
            }
        ]
    )
    return step


MESSAGE_KEYS = frozenset(
    {
        "app_pk",
        "capability",
        "event",
        "payload",
        "webhook_id",
        "attempt",
        "last_attempt",
        "first_attempt",
        "deferred_since",
        "replay",
    }
)


def webhook_deliver_many(messages: Sequence[dict[str, Any]]) -> list[str]:
    """One attempt of each message (the task's arguments: ``app_pk``, ``capability``,
    ``event``, ``payload``, ``webhook_id``, ``attempt``, ``last_attempt``, optionally
    ``first_attempt``, ``deferred_since``, ``replay``); returns each one's :class:`Step`, in
    order. What one attempt does is :func:`webhook_deliver`'s; the batch shares its fixed costs:

    * **one query** finds which messages are settled (a successful attempt, or a dead letter not
      being replayed): ``webhook_id IN (…)``; one more reads their apps;
    * the unsettled ones go to :func:`~events.webhooks.calls.webhook_calls` per (app,
      capability): **concurrent** HTTP calls, one breaker round trip, **one multi-row INSERT**;
    * only the failed ones are retried, each with its own backoff (one task message each).

    Not one transaction: the HTTP calls must not hold a database transaction open. A message
    given twice in one batch is sent once (:data:`Step.DUPLICATE` for the other copy).
    """
    steps: list[str | None] = [None] * len(messages)
    ids = {m["webhook_id"] for m in messages}
    apps = {
        app.pk: app
        for app in App.objects.filter(
            pk__in={m["app_pk"] for m in messages}, deleted_at__isnull=True
        )
    }
    settled: dict[str, str] = {}
    if apps:
        delivered = (
            WebhookDelivery.objects.filter(webhook_id__in=ids, outcome=Outcome.SUCCESS)
            .order_by()
            .values_list("webhook_id", Value(Step.ALREADY_DELIVERED, output_field=CharField()))
        )
        dead = (
            DeadLetter.objects.filter(webhook_id__in=ids, requeued_at=None)
            .order_by()
            .values_list("webhook_id", Value(Step.ALREADY_DEAD, output_field=CharField()))
        )
        for webhook_id, state in delivered.union(dead, all=True):
            if settled.get(webhook_id) != Step.ALREADY_DELIVERED:  # delivered wins over dead
                settled[webhook_id] = state
    groups: dict[tuple[int, str], list[int]] = {}
    seen: set[str] = set()
    for n, message in enumerate(messages):
        app = apps.get(message["app_pk"])
        webhook_id = message["webhook_id"]
        if app is None:
            steps[n] = Step.NO_APP
        elif webhook_id in seen:
            steps[n] = Step.DUPLICATE
        elif settled.get(webhook_id) == Step.ALREADY_DELIVERED:
            DeadLetter.objects.filter(webhook_id=webhook_id).delete()  # a replay raced a success
            steps[n] = Step.ALREADY_DELIVERED
        elif settled.get(webhook_id) == Step.ALREADY_DEAD:
            steps[n] = Step.ALREADY_DEAD
        elif not app.is_active:
            steps[n] = _dead(app, message, attempts=message["attempt"] - 1, error=INACTIVE_ERROR)
        else:
            groups.setdefault((app.pk, message["capability"]), []).append(n)
        seen.add(webhook_id)
    for (app_pk, capability), members in groups.items():
        app = apps[app_pk]
        results = calls.webhook_calls(
            app=app,
            capability=capability,
            messages=[
                calls.Message(
                    event=messages[n]["event"],
                    payload=webhook_body(messages[n]["event"], messages[n]["payload"]),
                    webhook_id=messages[n]["webhook_id"],
                    attempt=messages[n]["attempt"],
                )
                for n in members
            ],
        )
        for n, result in zip(members, results, strict=True):
            steps[n] = _after(app, messages[n], result)
    return steps  # type: ignore[return-value]


def _after(app: App, message: dict[str, Any], result: calls.CallResult) -> str:
    """What follows one attempt's result: nothing, the next attempt, later, or a dead letter."""
    attempt, last_attempt = message["attempt"], message["last_attempt"]
    replay = bool(message.get("replay"))
    done = attempt - 1  # attempts made before this one
    if result.ok:
        if replay:  # its dead letter goes (a first round has none: no query)
            DeadLetter.objects.filter(webhook_id=message["webhook_id"]).delete()
        return Step.DELIVERED
    if result.outcome == calls.SKIPPED_BREAKER_OPEN:
        now = time.time()
        since = message.get("deferred_since") or now
        if now - since >= MAX_DEFER_SECONDS or _eager():
            # Eager Celery (the embedded default) cannot wait: dead now, replayable later.
            return _dead(app, message, attempts=done, error=BREAKER_ERROR)
        _send_attempt(
            **_next(message, deferred_since=since),
            countdown=breaker_wait(app.app_id, message["capability"], now=now),
        )
        return Step.DEFERRED
    if result.outcome == calls.SKIPPED_DISABLED:
        return _dead(app, message, attempts=done, error=DISABLED_ERROR)
    if result.outcome == calls.SKIPPED_APP_INACTIVE:  # disabled since the read above
        return _dead(app, message, attempts=done, error=INACTIVE_ERROR)
    if result.outcome == calls.SKIPPED_NOT_CONFIGURED:
        return _dead(app, message, attempts=done, error=NOT_CONFIGURED_ERROR)
    error = result.error or result.outcome
    if result.outcome == Outcome.GONE or attempt >= last_attempt:
        return _dead(app, message, attempts=attempt, error=error)
    first = _first_attempt(message)
    _send_attempt(
        **_next(message, attempt=attempt + 1, deferred_since=None),
        countdown=retry_delay(attempt - first + 1),
    )
    return Step.RETRY


def _first_attempt(message: dict[str, Any]) -> int:
    """The number of the first attempt of the message's current round (1, or 4 for a replay of
    a message that failed 3). Messages enqueued before rounds had their own size carry none:
    their rounds were :data:`ATTEMPTS` long."""
    first = message.get("first_attempt")
    return int(first) if first else max(int(message["last_attempt"]) - ATTEMPTS + 1, 1)


def _next(message: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The task arguments of the message's next (or deferred) attempt."""
    following = {k: v for k, v in message.items() if k in MESSAGE_KEYS}
    following["first_attempt"] = _first_attempt(message)
    following["replay"] = bool(message.get("replay"))
    following.update(changes)
    if following.get("deferred_since") is None:
        following.pop("deferred_since", None)
    return following


INACTIVE_ERROR = "The app is disabled: nothing is sent to it."
DISABLED_ERROR = "The webhook is disabled (it answered 410 Gone): re-enable it, then replay."
NOT_CONFIGURED_ERROR = "The app's manifest has no webhook for this capability any more."
BREAKER_ERROR = "The circuit breaker stayed open: the app kept failing."


def _eager() -> bool:
    from events.tasks import webhook_deliver_task

    return bool(webhook_deliver_task.app.conf.task_always_eager)


def webhook_body(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What an async delivery sends (SPEC-events §4, ``notifications``: event name, payload)."""
    return {"event": event, "payload": payload}


def breaker_wait(app_id: str, capability: str, *, now: float) -> float:
    """Seconds until an open breaker may let a probe through, plus up to 30 % jitter (so the
    messages it held back do not all wake at once); a few seconds when it is half-open already
    (a probe is out: its verdict comes soon)."""
    probe_at = breaker.snapshot(app_id, capability).probe_at
    wait = probe_at - now if probe_at is not None and probe_at > now else HALF_OPEN_WAIT_SECONDS
    wait = min(max(wait, 1.0), BREAKER_WAIT_SECONDS)
    return wait * (1 + BACKOFF_JITTER * random.random())  # noqa: S311 (spread, not secrecy)


def _dead(app: App, message: dict[str, Any], *, attempts: int, error: str) -> str:
    created = dead_letter_record(
        app=app,
        capability=message["capability"],
        event=message["event"],
        payload=message["payload"],
        webhook_id=message["webhook_id"],
        attempts=attempts,
        error=error,
    )
    return Step.DEAD if created else Step.ALREADY_DEAD


@transaction.atomic
def dead_letter_record(
    *,
    app: App,
    capability: str,
    event: str,
    payload: dict[str, Any],
    webhook_id: str,
    attempts: int,
    error: str,
    app_pk: int | None = None,
) -> bool:
    """The one dead letter of message ``webhook_id``; the owner and staff are told. Returns
    whether anything changed: ``False`` when the message is already dead (a duplicate task)."""
    letter, created = DeadLetter.objects.select_for_update().get_or_create(
        webhook_id=webhook_id,
        defaults={
            "app": app,
            "capability": capability,
            "event": event,
            "payload": payload,
            "last_error": error[:1000],
            "attempts": attempts,
        },
    )
    if not created:
        if letter.requeued_at is None:
            return False  # dead already: this is a second copy of the last attempt
        letter.last_error = error[:1000]
        letter.attempts = max(attempts, letter.attempts)
        letter.failed_at = timezone.now()
        letter.requeued_at = None
        letter.save(update_fields=["last_error", "attempts", "failed_at", "requeued_at"])
    notifications.dead_letter(app, capability=capability, event=event)
    return True


# --- replay and delete ------------------------------------------------------------------------


def _refuse_unless_manager(user: User, app: App) -> None:
    if not may_manage(user, app) or app.deleted_at is not None:
        raise NotFoundError("not_found", "No such dead letter.")


def _check_replayable(app: App, letter: DeadLetter) -> None:
    if not app.is_active:
        raise ApplicationError(
            "app_inactive", "The app is disabled: nothing can be sent to it.", status=409
        )
    if letter.capability in (app.disabled_webhooks or []):
        raise ApplicationError(
            "webhook_disabled",
            f"The {letter.capability} webhook is disabled (it answered 410 Gone): "
            "re-enable it first.",
            details={"capability": letter.capability},
            status=409,
        )


def _being_replayed(letter: DeadLetter, now: Any) -> bool:
    return letter.requeued_at is not None and letter.requeued_at > now - REPLAY_GRACE


def _requeue(app: App, letter: DeadLetter, now: Any) -> None:
    letter.requeued_at = now
    letter.save(update_fields=["requeued_at"])
    _send_attempt(
        app_pk=app.pk,
        capability=letter.capability,
        event=letter.event,
        payload=letter.payload,
        webhook_id=letter.webhook_id,
        attempt=letter.attempts + 1,
        last_attempt=letter.attempts + round_attempts(app, letter.capability),
        first_attempt=letter.attempts + 1,
        replay=True,
    )


@transaction.atomic
def dead_letter_replay(*, dead_letter_id: int, by: User) -> DeadLetter:
    """Send a dead letter again (same ``webhook-id``, 3 more attempts). The app's owner or staff
    only (others: ``404``). Refused while a replay is under way (``409 already_requeued``), when
    the webhook is disabled (``409 webhook_disabled``) or the app is (``409 app_inactive``)."""
    letter = (
        DeadLetter.objects.select_for_update(of=("self",))
        .select_related("app")
        .filter(pk=dead_letter_id)
        .first()
    )
    if letter is None:
        raise NotFoundError("not_found", "No such dead letter.")
    app = letter.app
    _refuse_unless_manager(by, app)
    now = timezone.now()
    if _being_replayed(letter, now):
        raise ApplicationError(
            "already_requeued",
            "This message is being sent again already.",
            details={"requeued_at": letter.requeued_at.isoformat() if letter.requeued_at else ""},
            status=409,
        )
    _check_replayable(app, letter)
    _requeue(app, letter, now)
    return letter


@dataclass(frozen=True)
class BulkReplay:
    replayed: list[int]
    skipped: list[int]  # being replayed already
    remaining: int  # not replayed by this call (over BULK_REPLAY_MAX): call again


@transaction.atomic
def dead_letters_replay(
    *, app: App, by: User, ids: Sequence[int] | None = None, all: bool = False
) -> BulkReplay:
    """Replay several dead letters of ``app``: the ``ids`` given, or ``all`` of them (the oldest
    :data:`BULK_REPLAY_MAX` per call). All or nothing: an id that is not one of the app's dead
    letters is ``404`` (with the ids in ``details.missing``) and nothing is replayed. Letters
    being replayed already are skipped, not refused."""
    if not may_manage(by, app) or app.deleted_at is not None:
        raise NotFoundError("not_found", "No such app.")
    if (ids is None) == (not all):
        raise ApplicationError(
            "validation_error", "Give either ids or all: true.", details={"ids": ["Required."]}
        )
    rows = DeadLetter.objects.filter(app=app).order_by("failed_at", "id")
    if ids is not None:
        wanted = sorted(set(ids))
        if len(wanted) > BULK_REPLAY_MAX:
            raise ApplicationError(
                "validation_error",
                f"At most {BULK_REPLAY_MAX} ids at once.",
                details={"ids": [f"At most {BULK_REPLAY_MAX} ids at once."]},
            )
        rows = rows.filter(pk__in=wanted)
    letters = list(rows.select_for_update()[:BULK_REPLAY_MAX])
    if ids is not None:
        missing = sorted(set(ids) - {letter.pk for letter in letters})
        if missing:
            raise NotFoundError(
                "not_found",
                "Some ids are not dead letters of this app.",
                details={"missing": missing},
            )
    now = timezone.now()
    todo = [letter for letter in letters if not _being_replayed(letter, now)]
    for letter in todo:
        _check_replayable(app, letter)
    for letter in todo:
        _requeue(app, letter, now)
    total = DeadLetter.objects.filter(app=app).count() if all else len(letters)
    return BulkReplay(
        replayed=[letter.pk for letter in todo],
        skipped=[letter.pk for letter in letters if letter not in todo],
        remaining=max(total - len(letters), 0),
    )


@transaction.atomic
def dead_letter_delete(*, dead_letter_id: int, by: User) -> None:
    """Forget a dead letter (its attempts stay in the delivery log). Owner or staff only."""
    letter = DeadLetter.objects.select_related("app").filter(pk=dead_letter_id).first()
    if letter is None:
        raise NotFoundError("not_found", "No such dead letter.")
    _refuse_unless_manager(by, letter.app)
    letter.delete()


# --- the test event ---------------------------------------------------------------------------


def app_send_test_event(*, app: App, by: User, capability: str | None = None) -> "SentTestEvent":
    """Send a signed ``app.test`` event to one of ``app``'s webhooks now and return the call's
    result (recorded like any attempt). ``capability`` defaults to ``notifications`` when the
    app has it, else its first webhook."""
    if not may_manage(by, app) or app.deleted_at is not None:
        raise NotFoundError("not_found", "No such app.")
    hooks = webhook_capabilities(app)
    if not hooks:
        raise ApplicationError(
            "no_webhook", "The app's manifest declares no webhook.", field="capability", status=409
        )
    if capability is None:
        capability = "notifications" if "notifications" in hooks else hooks[0]
    elif capability not in hooks:
        raise ApplicationError(
            "no_webhook",
            f"The app's manifest has no {capability} webhook.",
            details={"capability": capability, "webhooks": hooks},
            field="capability",
            status=409,
        )
    if not app.is_active:
        raise ApplicationError(
            "app_inactive", "The app is disabled: nothing can be sent to it.", status=409
        )
    payload = {
        "test": True,
        "app_id": app.app_id,
        "capability": capability,
        "message": "A test event sent from Umbrella's developer console.",
        "sent_at": timezone.now().isoformat(),
    }
    result = calls.webhook_call(
        app=app, capability=capability, event=TEST_EVENT, payload=webhook_body(TEST_EVENT, payload)
    )
    return SentTestEvent(
        capability=capability,
        ok=result.ok,
        outcome=result.outcome,
        status_code=result.status_code,
        answer=result.answer,
        error=result.error or "",
        duration_ms=result.duration_ms,
        webhook_id=result.webhook_id,
        delivery_id=result.delivery_id,
    )


@dataclass(frozen=True)
class SentTestEvent:
    """What the test event's call did (the API's answer, the console's message)."""

    capability: str
    ok: bool
    outcome: str
    status_code: int | None
    answer: Any
    error: str
    duration_ms: int
    webhook_id: str
    delivery_id: int | None


def webhook_capabilities(app: App) -> list[str]:
    """The capabilities ``app``'s current manifest gives a webhook, in manifest order."""
    webhooks = (app.manifest or {}).get("webhooks") or {}
    return [name for name in webhooks if isinstance(name, str)]


# --- retention --------------------------------------------------------------------------------


def deliveries_prune(*, older_than: timedelta = KEEP_DELIVERIES, batch: int = PRUNE_BATCH) -> int:
    """Delete attempt rows older than 90 days, ``batch`` rows per statement (each its own short
    transaction, so the table is never locked long). Returns how many went."""
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            WebhookDelivery.objects.filter(created_at__lt=cutoff)
            .order_by()
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
