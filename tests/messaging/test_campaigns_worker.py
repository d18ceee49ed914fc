"""A real Celery worker killed (SIGKILL) in the middle of a campaign's batch, and a new worker
after it: nobody missed, nobody doubled (the local server stands in for Resend and drops a
repeated Idempotency-Key, as Resend does)."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from messaging.campaigns import services as campaigns
from messaging.models import Campaign, Delivery
from messaging.tasks import campaign_dispatch_task
from tests import celery_worker
from tests.messaging.campaign_helpers import FakeResend, add_fans, make_campaign

ROOT = Path(__file__).resolve().parents[2]
FANS = [(f"fan{i}@fans.example", None, f"Fan {i}", "Austin", "TX") for i in range(30)]
LEASE = 4


class SlowResend(FakeResend):
    def __call__(self, request):  # type: ignore[no-untyped-def]
        time.sleep(0.15)
        return super().__call__(request)


def _worker(httpserver) -> subprocess.Popen:
    return celery_worker.start(
        {
            "RESEND_API_KEY": "re_worker_key",
            "RESEND_API_URL": httpserver.url_for("/"),
            "CAMPAIGNS_CLAIM_LEASE_SECONDS": str(LEASE),
            "CAMPAIGNS_BATCH_SIZE": "10",
        }
    )


def _wait(condition, worker, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"worker exited early:\n{worker.stdout.read()}")
        if time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"{what} did not happen in {seconds} s:\n{worker.communicate()[0]}")
        time.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_and_a_new_one_miss_and_double_nobody(
    on_postgres, httpserver, profile, fan_list
):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    fake = SlowResend()
    httpserver.expect_request("/emails", method="POST").respond_with_handler(fake)
    add_fans(profile, fan_list, FANS)
    campaign = make_campaign(profile, fan_list)
    first = _worker(httpserver)
    second = None
    with celery_worker.sending_to_workers():
        try:
            campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)  # enqueued
            _wait(lambda: len(fake.requests) >= 5, first, 60, "five sends")
            os.kill(first.pid, signal.SIGKILL)  # mid-batch: claimed deliveries never recorded
            first.wait(timeout=10)
            stuck = Delivery.objects.filter(campaign=campaign, status="sending").count()
            assert stuck > 0
            assert Campaign.objects.get(pk=campaign.pk).status == "sending"
            second = _worker(httpserver)
            time.sleep(LEASE + 0.5)  # the dead worker's claims expire
            campaign_dispatch_task.apply_async()  # what the beat does every minute
            _wait(
                lambda: Campaign.objects.get(pk=campaign.pk).status == "sent",
                second,
                120,
                "the campaign finishing",
            )
        finally:
            for process in (first, second):
                celery_worker.stop(process)
    assert Delivery.objects.filter(campaign=campaign, status="sent").count() == 30
    keys_by_address: dict[str, set[str]] = {}
    for request in fake.requests:
        keys_by_address.setdefault(request["json"]["to"][0], set()).add(
            request["headers"]["Idempotency-Key"]
        )
    assert sorted(keys_by_address) == sorted(f[0] for f in FANS)  # nobody missed
    assert all(len(keys) == 1 for keys in keys_by_address.values())  # one key each
    assert len(fake.sent) == 30  # Resend accepted each recipient once
    # Repeated (same key) at most: the sends since the last write of results (every
    # CAMPAIGNS_RECORD_EVERY, 25, within a batch of 10) and the one in flight.
    assert 30 <= len(fake.requests) <= 30 + 10
