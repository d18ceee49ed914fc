"""One webhook call to an app, start to finish: :func:`webhook_call`; and many calls of one
app's webhook at once: :func:`webhook_calls`.

The synchronous capabilities (winner selection, registration, quiz answers) call
:func:`webhook_call` directly and run their fallback on any result that is not ``ok``; the
asynchronous deliveries (Celery) send a batch of messages with :func:`webhook_calls` (each with
its own ``webhook_id`` and ``attempt``), which keeps every rule of :func:`webhook_call` per call
but pays the fixed costs (breaker admission, secrets, the ``INSERT``) once per batch and sends the
requests concurrently.
"""

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Func, Value
from django.utils import timezone

from events import notifications
from events.models import App, Capability, Outcome, WebhookDelivery
from events.services.webhooks import webhook_disable
from events.webhooks import breaker
from events.webhooks import secrets as signing_secrets
from events.webhooks.signing import new_webhook_id, webhook_headers
from events.webhooks.transport import TransportError, request

# SPEC-events §4: the timeout of each capability unless its manifest entry sets ``timeout_ms``.
DEFAULT_TIMEOUT_MS: dict[str, int] = {
    Capability.WINNER_SELECTION: 5_000,
    Capability.PARTICIPANT_REGISTRATION: 3_000,
    Capability.QUIZ_VALIDATION: 2_000,
    Capability.NOTIFICATIONS: 30_000,
}
SYNC_TIMEOUT_MS = 10_000
ASYNC_TIMEOUT_MS = 30_000
ASYNC_CAPABILITIES = frozenset({Capability.NOTIFICATIONS})
# What a delivery row keeps of each body (the transport already caps answers at 64 KB).
STORED_BODY_CHARS = 64 * 1024
# The probe lease of a half-open breaker outlives the probe's own timeout by this much.
LEASE_MARGIN_SECONDS = 5.0

# Outcomes of calls that were not made (no delivery row, the breaker untouched).
SKIPPED_BREAKER_OPEN = "breaker_open"
SKIPPED_DISABLED = "disabled"
SKIPPED_NOT_CONFIGURED = "not_configured"
SKIPPED_APP_INACTIVE = "app_inactive"


@dataclass(frozen=True)
class WebhookConfig:
    """A capability's entry of the manifest's ``webhooks``, with SPEC-events §4's defaults."""

    path: str
    timeout_ms: int
    is_async: bool
    retry: dict[str, Any]


def webhook_config(app: App, capability: str) -> WebhookConfig | None:
    """``manifest.webhooks[capability]`` (a path, or ``{path, timeout_ms, async, retry}``), or
    ``None`` when the app has no webhook for it."""
    entry = (app.manifest.get("webhooks") or {}).get(capability)
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        return None
    is_async = bool(entry.get("async", capability in ASYNC_CAPABILITIES))
    default = DEFAULT_TIMEOUT_MS.get(capability, ASYNC_TIMEOUT_MS if is_async else SYNC_TIMEOUT_MS)
    timeout_ms = entry.get("timeout_ms")
    return WebhookConfig(
        path=entry["path"],
        timeout_ms=int(timeout_ms) if isinstance(timeout_ms, int) and timeout_ms > 0 else default,
        is_async=is_async,
        retry=dict(entry.get("retry") or {}),
    )


def webhook_url(app: App, path: str) -> str:
    """``base_url`` and the webhook's path, joined with exactly one slash. (The host is always
    the base URL's: whatever the path holds lands after a ``/``.)"""
    return str(app.manifest.get("base_url", "")).rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class CallResult:
    """What happened. ``outcome`` is an :class:`~events.models.Outcome` value for a call that
    was made (``delivery_id`` is its row), or one of ``breaker_open``, ``disabled``,
    ``not_configured``, ``app_inactive`` for a call that was not (``delivery_id`` is
    ``None``)."""

    ok: bool
    outcome: str
    status_code: int | None
    answer: Any  # the answer's JSON (ok calls whose body is JSON), else None
    error: str
    duration_ms: int
    webhook_id: str
    delivery_id: int | None

    @property
    def attempted(self) -> bool:
        """A request went out (or was refused by the SSRF guard) and a row records it."""
        return self.delivery_id is not None


def _skipped(outcome: str, webhook_id: str, error: str) -> CallResult:
    return CallResult(
        ok=False,
        outcome=outcome,
        status_code=None,
        answer=None,
        error=error,
        duration_ms=0,
        webhook_id=webhook_id,
        delivery_id=None,
    )


def _text(data: bytes | str) -> str:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if len(text) > STORED_BODY_CHARS:
        return text[:STORED_BODY_CHARS] + "…[truncated]"
    return text


def webhook_call(
    *,
    app: App,
    capability: str,
    event: str,
    payload: Any,
    webhook_id: str | None = None,
    attempt: int = 1,
    answer_check: Callable[[Any], object] | None = None,
) -> CallResult:
    """Call ``app``'s webhook for ``capability`` once and record it (SPEC-events §4).

    The body is ``payload`` as JSON, exactly (callers shape it; ``event`` names it in the
    delivery row). Signed with every live secret of the app; ``webhook_id`` (new when ``None``)
    and ``attempt`` go in the headers: pass the same id on every retry of one message.

    **Not sent, no row, breaker untouched** (``attempted`` is ``False``), returned at once:
    ``disabled`` (the webhook answered 410 earlier: permanent until the owner re-enables it),
    ``breaker_open`` (transient: a retry after the breaker's 60 s may go through; a deliveries
    task should not count it as an attempt of the message), ``not_configured`` (the manifest
    has no webhook for ``capability``) and ``app_inactive`` (staff disabled the app, or it is
    deleted).

    **Sent**: one :class:`~events.models.WebhookDelivery` row for this attempt, whatever happens
    (request headers and body, status, answer headers and body truncated, duration, outcome,
    error). ``ok`` means a 2xx whose answer passed ``answer_check``. ``answer_check(answer)`` gets
    the parsed JSON (``None`` for an empty or non-JSON body) and raises any exception to reject
    it: that is ``invalid_answer``, a failure like a timeout (``timeout``), a refused or
    broken connection (``refused``, ``network_error``) or a non-2xx (``http_error``; a 3xx is
    ``refused``, redirects are never followed). Every failure counts towards the breaker, every
    success resets it; the failure that opens it notifies the owner and staff.
    A **410** is ``gone``: the capability's webhook is disabled (the owner is notified once) and
    the breaker is left alone.

    The row is written in the caller's transaction when there is one (so a caller that rolls back
    loses it); the HTTP call itself should never run inside a transaction that holds locks.
    """
    webhook_id = webhook_id or new_webhook_id()
    if not app.is_active or app.deleted_at is not None:
        return _skipped(SKIPPED_APP_INACTIVE, webhook_id, f"{app.app_id} is disabled")
    config = webhook_config(app, capability)
    if config is None:
        reason = f"{app.app_id} has no {capability} webhook"
        return _skipped(SKIPPED_NOT_CONFIGURED, webhook_id, reason)
    if capability in app.disabled_webhooks:
        return _skipped(SKIPPED_DISABLED, webhook_id, f"the {capability} webhook is disabled (410)")
    # Before the breaker: a payload that is not JSON must not take (and strand) a probe lease.
    body = json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    timeout = config.timeout_ms / 1000
    # One Redis round trip: the breaker's admission and the stamp of the app's secrets.
    lease = timeout + LEASE_MARGIN_SECONDS
    key = signing_secrets.stamp_key(app.pk)
    if key is None:
        admitted = breaker.admit(app.app_id, capability, lease_seconds=lease)
        stamp: str | None = signing_secrets.local_stamp(app.pk)
    else:
        admitted, stamp = breaker.admit_and_read(app.app_id, capability, key, lease_seconds=lease)
    if admitted == breaker.REFUSED:
        return _skipped(SKIPPED_BREAKER_OPEN, webhook_id, f"the {capability} breaker is open")

    secrets = signing_secrets.live_secrets(app.pk, stamp=stamp)
    headers = webhook_headers(
        signing_secrets=secrets,
        webhook_id=webhook_id,
        timestamp=int(time.time()),
        body=body,
        timeout_ms=config.timeout_ms,
        attempt=attempt,
    )
    url = webhook_url(app, config.path)
    started_at = timezone.now()
    if secrets:
        sent = _send(url, headers, body, timeout, answer_check)
    else:
        sent = _Sent(Outcome.REFUSED, "the app has no live signing secret")

    ok = sent.outcome == Outcome.SUCCESS
    opened = False
    if ok:
        if admitted != breaker.ALLOWED_CLEAN:  # a clean closed breaker has nothing to reset
            breaker.record_success(app.app_id, capability)
    elif sent.outcome != Outcome.GONE:
        opened = breaker.record_failure(app.app_id, capability)
    # The row alone commits by itself (no BEGIN/COMMIT round trips on the hot path), without
    # waiting for the WAL flush (docs/events.md, "Attempt rows commit asynchronously"); the
    # notification of a breaker that just opened lands in one durable transaction with its row.
    # Inside a caller's transaction the row is the caller's: its commit is the caller's too.
    async_commit = not opened and not connection.in_atomic_block
    with transaction.atomic() if opened else contextlib.nullcontext():
        delivery = WebhookDelivery.objects.create(
            app=app,
            capability=capability,
            event=AsyncCommit(Value(event)) if async_commit else event,
            webhook_id=webhook_id,
            attempt=attempt,
            url=url[:2000],
            request_headers=headers,
            request_body=_text(body),
            status_code=sent.status_code,
            response_headers=sent.headers,
            response_body=_text(sent.body),
            duration_ms=sent.duration_ms,
            outcome=sent.outcome,
            error=sent.error[:1000],
            created_at=started_at,
        )
        if opened:
            notifications.breaker_opened(app, capability=capability)
    if sent.outcome == Outcome.GONE:
        webhook_disable(app_id=app.pk, capability=capability)
        if capability not in app.disabled_webhooks:  # the caller's instance skips from now on
            app.disabled_webhooks = [*app.disabled_webhooks, capability]
    return CallResult(
        ok=ok,
        outcome=str(sent.outcome),
        status_code=sent.status_code,
        answer=sent.answer if ok else None,
        error=sent.error,
        duration_ms=sent.duration_ms,
        webhook_id=webhook_id,
        delivery_id=delivery.pk,
    )


class AsyncCommit(Func):
    """A value of an ``INSERT`` that also turns ``synchronous_commit`` off for the statement's
    own (implicit) transaction: the row commits without waiting for the WAL flush, in the same
    single round trip. PostgreSQL only (``set_config(…, true)`` is ``SET LOCAL``, undone at the
    end of the transaction); elsewhere it is the value itself. Use it only outside a transaction
    block, or it would make the whole enclosing transaction's commit asynchronous."""

    arity = 1

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(SELECT {sql} WHERE set_config('synchronous_commit', 'off', true) = 'off')",
            params,
        )


@dataclass(frozen=True)
class _Sent:
    """What one attempt brought back, judged."""

    outcome: str
    error: str = ""
    status_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    answer: Any = None
    duration_ms: int = 0


def _send(
    url: str,
    headers: dict[str, str],
    body: bytes,
    timeout: float,
    answer_check: Callable[[Any], object] | None,
) -> _Sent:
    started = time.perf_counter()
    try:
        response = request(url, headers=headers, body=body, timeout=timeout)
    except TransportError as failure:
        outcome, error, answer = failure.outcome, failure.message, None
        status_code, answer_headers, answer_body = failure.status_code, failure.headers, b""
    else:
        status_code, answer_headers = response.status_code, response.headers
        answer_body = response.body
        outcome, error, answer = _judge(status_code, answer_body, answer_check)
    return _Sent(
        outcome=outcome,
        error=error,
        status_code=status_code,
        headers=answer_headers,
        body=answer_body,
        answer=answer,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )


def _judge(
    status: int, body: bytes, answer_check: Callable[[Any], object] | None
) -> tuple[str, str, Any]:
    """(outcome, error, parsed answer) of a response that arrived."""
    if status == 410:
        return Outcome.GONE, "410 Gone: the webhook is disabled", None
    if not 200 <= status < 300:
        return Outcome.HTTP_ERROR, f"HTTP {status}", None
    try:
        answer = json.loads(body) if body.strip() else None
    except ValueError:
        answer = None
    if answer_check is not None:
        try:
            answer_check(answer)
        except Exception as rejection:  # the check's own way of saying no, whatever it raises
            return Outcome.INVALID_ANSWER, f"invalid answer: {rejection}"[:1000], answer
    return Outcome.SUCCESS, "", answer


# --- many calls of one webhook at once (the async deliveries' batches) -------------------------

# The threads that send a batch's requests (each one blocking HTTP call with its own deadline).
# A batch never has more requests in flight than this; several batches share them.
SEND_THREADS = 32
_SENDERS = ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="webhook-send")


@dataclass(frozen=True)
class Message:
    """One call of a batch: what :func:`webhook_call` takes per call."""

    event: str
    payload: Any
    webhook_id: str
    attempt: int


def webhook_calls(*, app: App, capability: str, messages: Sequence[Message]) -> list[CallResult]:
    """:func:`webhook_call` for each of ``messages`` (same app, same capability), in one go;
    the results in the order of ``messages``.

    The same rules per call (skips, signing, SSRF guard and timeout, judging, one row per call
    sent, 410, breaker counting and its notification), with the fixed costs paid per batch: one
    breaker admission (and secrets stamp) round trip, the secrets read once, **one multi-row
    INSERT** of the attempt rows, committed asynchronously like :func:`webhook_call`'s (durably,
    with the notification, when a failure opened the breaker). The requests go **concurrently**
    (:data:`SEND_THREADS`) when the breaker is closed with nothing on record; otherwise one at
    a time, each admitted by the breaker (a half-open breaker lets one probe through at a time,
    a closed one with failures on record is reset by the first success), so the breaker's rules
    hold exactly. Outcomes are counted in the order the calls ended; a clean breaker whose
    calls all succeed costs no second round trip. Call it outside any transaction.
    """
    results: list[CallResult | None] = [None] * len(messages)

    def skip_rest(todo: list[int], outcome: str, error: str) -> None:
        for i in todo:
            results[i] = _skipped(outcome, messages[i].webhook_id, error)

    todo = list(range(len(messages)))
    if not app.is_active or app.deleted_at is not None:
        skip_rest(todo, SKIPPED_APP_INACTIVE, f"{app.app_id} is disabled")
        return results  # type: ignore[return-value]
    config = webhook_config(app, capability)
    if config is None:
        skip_rest(todo, SKIPPED_NOT_CONFIGURED, f"{app.app_id} has no {capability} webhook")
        return results  # type: ignore[return-value]
    bodies: dict[int, bytes] = {}
    for i in todo:  # a payload that is not JSON is the caller's bug, raised before anything
        bodies[i] = json.dumps(
            messages[i].payload, cls=DjangoJSONEncoder, separators=(",", ":")
        ).encode()
    timeout = config.timeout_ms / 1000
    lease = timeout + LEASE_MARGIN_SECONDS
    url = webhook_url(app, config.path)
    key = signing_secrets.stamp_key(app.pk)
    rows: list[WebhookDelivery] = []
    row_of: dict[int, int] = {}  # message index -> its row in rows
    opened = gone = False
    while todo:
        if capability in app.disabled_webhooks:
            skip_rest(todo, SKIPPED_DISABLED, f"the {capability} webhook is disabled (410)")
            break
        if key is None:
            admitted = breaker.admit(app.app_id, capability, lease_seconds=lease)
            stamp: str | None = signing_secrets.local_stamp(app.pk)
        else:
            admitted, stamp = breaker.admit_and_read(
                app.app_id, capability, key, lease_seconds=lease
            )
        if admitted == breaker.REFUSED:
            skip_rest(todo, SKIPPED_BREAKER_OPEN, f"the {capability} breaker is open")
            break
        # Clean: all of them at once. Else one (the probe, or the call whose success resets
        # the failures on record), then admit again.
        batch, todo = (todo, []) if admitted == breaker.ALLOWED_CLEAN else (todo[:1], todo[1:])
        secrets = signing_secrets.live_secrets(app.pk, stamp=stamp)
        now = int(time.time())
        sending = {}
        for i in batch:
            headers = webhook_headers(
                signing_secrets=secrets,
                webhook_id=messages[i].webhook_id,
                timestamp=now,
                body=bodies[i],
                timeout_ms=config.timeout_ms,
                attempt=messages[i].attempt,
            )
            sending[i] = (headers, timezone.now())
        ended: list[tuple[int, _Sent]] = []
        if not secrets:
            ended = [
                (i, _Sent(Outcome.REFUSED, "the app has no live signing secret")) for i in batch
            ]
        elif len(batch) == 1:
            ended = [(batch[0], _send(url, sending[batch[0]][0], bodies[batch[0]], timeout, None))]
        else:
            futures = {
                _SENDERS.submit(_send, url, sending[i][0], bodies[i], timeout, None): i
                for i in batch
            }
            ended = [(futures[f], f.result()) for f in as_completed(futures)]
        dirty = admitted != breaker.ALLOWED_CLEAN
        for i, sent in ended:  # the breaker counts them in the order they ended
            if sent.outcome == Outcome.SUCCESS:
                if dirty:
                    breaker.record_success(app.app_id, capability)
            elif sent.outcome != Outcome.GONE:
                opened = breaker.record_failure(app.app_id, capability) or opened
                dirty = True
            else:
                gone = True
            headers, started_at = sending[i]
            row_of[i] = len(rows)
            rows.append(
                _row(app, capability, messages[i], url, headers, bodies[i], sent, started_at)
            )
        if gone and capability not in app.disabled_webhooks:
            app.disabled_webhooks = [*app.disabled_webhooks, capability]  # the rest are skipped
    if rows:
        _insert(rows, notify=(app, capability) if opened else None)
    if gone:
        webhook_disable(app_id=app.pk, capability=capability)
    for i, at in row_of.items():
        row = rows[at]
        ok = row.outcome == Outcome.SUCCESS
        results[i] = CallResult(
            ok=ok,
            outcome=str(row.outcome),
            status_code=row.status_code,
            answer=None,
            error=row.error,
            duration_ms=row.duration_ms,
            webhook_id=row.webhook_id,
            delivery_id=row.pk,
        )
    return results  # type: ignore[return-value]


def _insert(rows: list[WebhookDelivery], *, notify: tuple[App, str] | None) -> None:
    """One multi-row ``INSERT`` of a batch's attempt rows (PostgreSQL: ``UNNEST`` of one array
    per column, planned once), committed **without waiting for the WAL flush** like
    :func:`webhook_call`'s rows (``SET LOCAL synchronous_commit = off`` for this transaction
    only), or durably with the notification of a breaker that just opened (``notify``). Inside
    a caller's transaction the rows (and the commit) are the caller's."""
    asynchronous = notify is None and not connection.in_atomic_block
    with transaction.atomic():
        if asynchronous and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
        WebhookDelivery.objects.bulk_create(rows)
        if notify is not None:
            notifications.breaker_opened(notify[0], capability=notify[1])


def _row(
    app: App,
    capability: str,
    message: Message,
    url: str,
    headers: dict[str, str],
    body: bytes,
    sent: _Sent,
    started_at: Any,
) -> WebhookDelivery:
    return WebhookDelivery(
        app=app,
        capability=capability,
        event=message.event,
        webhook_id=message.webhook_id,
        attempt=message.attempt,
        url=url[:2000],
        request_headers=headers,
        request_body=_text(body),
        status_code=sent.status_code,
        response_headers=sent.headers,
        response_body=_text(sent.body),
        duration_ms=sent.duration_ms,
        outcome=sent.outcome,
        error=sent.error[:1000],
        created_at=started_at,
    )
