"""``python -m bench.campaigns``: a campaign sent to many fans (issue 10's benchmark).

Seeds one artist with a list of ``--members`` opted-in fans (once; a later run reuses them),
then sends a new campaign to all of them through the console provider (its output thrown
away): the fan-out (``campaign_start``: one delivery row per fan) and the batches
(``send_batch``, ``--batch`` deliveries each: claim, consent check, send, record), timed
separately, in this process (no Celery: the task is a loop over ``send_batch``). Reports
deliveries per second, the total time and the batch times (p50, p95).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/umbrella_bench_campaigns \\
      .venv/bin/python -m bench.campaigns --members 100000 [--channel sms] [--batch 500]

The database is created and migrated if missing. SMS quiet hours are switched off for the run
(the clock would otherwise decide how much is sent).
"""

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from collections.abc import Sequence

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/umbrella_bench_campaigns"
ARTIST_EMAIL = "bench-campaign-artist@bench.umbrella.local"
LIST_NAME = "Bench fans"
CHUNK = 5_000


def _ensure_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _seed(members: int) -> int:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role, User
    from artists.models import ArtistProfile
    from bench.seed import artist_fields
    from messaging.models import ContactList, ContactMember, MemberSource

    user = User.objects.filter(email=ARTIST_EMAIL).first()
    if user is None:
        user = User(
            email=ARTIST_EMAIL, display_name="Bench", role=Role.ARTIST, onboarding_complete=True
        )
        user.set_unusable_password()
        user.save()
        fields = artist_fields(0)
        fields["slug"] = "bench-campaign-artist"
        ArtistProfile.objects.create(user=user, listed=False, **fields)
    artist = ArtistProfile.objects.get(user=user)
    contact_list, _ = ContactList.objects.get_or_create(
        artist=artist, name=LIST_NAME, defaults={"signup_token": "bench-campaign-list"}
    )
    have = ContactMember.objects.filter(contact_list=contact_list).count()
    now = timezone.now()
    for start in range(have, members, CHUNK):
        with transaction.atomic():
            ContactMember.objects.bulk_create(
                ContactMember(
                    contact_list=contact_list,
                    email=f"fan{i:06d}@bench.example",
                    phone=f"+1512{2000000 + i:07d}",
                    name=f"Fan {i}",
                    city="Austin",
                    region="TX",
                    source=MemberSource.IMPORT,
                    consent_at=now,
                    opted_in=True,
                )
                for i in range(start, min(members, start + CHUNK))
            )
    return contact_list.pk


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.campaigns", description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--channel", choices=["email", "sms"], default="email")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)

    _ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umbrella.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from messaging.campaigns import services
    from messaging.models import Campaign

    call_command("migrate", verbosity=0)
    settings.CAMPAIGNS_BATCH_SIZE = args.batch
    settings.CAMPAIGNS_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.SMS_BACKEND = "messaging.campaigns.providers.ConsoleSmsBackend"
    settings.CAMPAIGNS_SMS_QUIET_START, settings.CAMPAIGNS_SMS_QUIET_END = 24, 0  # never quiet

    started = time.perf_counter()
    list_id = _seed(args.members)
    print(f"seed: {args.members} fans ready in {time.perf_counter() - started:.1f} s")
    user = User.objects.get(email=ARTIST_EMAIL)
    campaign = services.campaign_create(
        user=user,
        channel=args.channel,
        contact_list_id=list_id,
        name=f"Bench {timezone.now():%H:%M:%S}",
        subject="News from {artist}",
        body="Hi {first_name}, the new single is out.",
    )
    # Scheduled directly, and no send task enqueued: here the loop below sends.
    services._enqueue_send = lambda campaign_id, **kw: None  # type: ignore[assignment]
    Campaign.objects.filter(pk=campaign.pk).update(status="scheduled", scheduled_at=timezone.now())
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        t0 = time.perf_counter()
        services.campaign_start(campaign_id=campaign.pk)
        fanout = time.perf_counter() - t0
        batches: list[float] = []
        sent = 0
        while True:
            b0 = time.perf_counter()
            result = services.send_batch(campaign_id=campaign.pk)
            if not result.claimed:
                break
            batches.append(time.perf_counter() - b0)
            sent += result.sent
            sink.seek(0)
            sink.truncate()
        total = time.perf_counter() - t0
    campaign.refresh_from_db()
    sending = total - fanout
    print(
        f"{args.channel}, {args.members} fans, batches of {args.batch}: status {campaign.status}\n"
        f"  fan-out: {campaign.recipient_count} deliveries in {fanout:.2f} s "
        f"({campaign.recipient_count / fanout:,.0f}/s)\n"
        f"  sending: {sent} sent in {sending:.2f} s ({sent / sending:,.0f} deliveries/s)\n"
        f"  batches: {len(batches)}, p50 {statistics.median(batches):.3f} s, "
        f"p95 {_percentile(batches, 0.95):.3f} s\n"
        f"  total: {total:.2f} s"
    )
    return 0 if campaign.status == "sent" and sent == campaign.recipient_count else 1


if __name__ == "__main__":
    sys.exit(main())
