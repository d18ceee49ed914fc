from celery import shared_task

from messaging import services


@shared_task(
    name="messaging.send_digests", autoretry_for=(OSError,), retry_backoff=True, max_retries=3
)
def send_digests_task() -> int:
    """Email digests of unread messages to people who are away (beat, every 5 minutes)."""
    return services.digests_send()


@shared_task(
    name="messaging.fans_send_confirmation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def fans_send_confirmation_task(member_id: int) -> bool:
    """The double opt-in email of a fan's sign-up."""
    from messaging.fans import services as fans

    return fans.send_confirmation(member_id=member_id)


@shared_task(name="messaging.fans_import", bind=True, max_retries=3)
def fans_import_task(self, job_id: int) -> int:  # type: ignore[no-untyped-def]
    """Import a confirmed CSV file in batches (docs/messaging.md). Run again after a crash, it
    continues after the last committed batch; after the last retry the job is ``failed``."""
    from messaging.fans import imports

    try:
        job = imports.import_run(job_id=job_id)
    except Exception as error:
        if self.request.retries >= self.max_retries:
            imports.import_fail(job_id=job_id, error=f"The import stopped: {error}")
            raise
        raise self.retry(exc=error, countdown=10 * 2**self.request.retries) from error
    return job.imported_count if job else 0


@shared_task(name="messaging.fans_expire_import_previews")
def fans_expire_import_previews_task() -> int:
    """Delete CSV previews never confirmed (beat, daily): they hold fans' data."""
    from messaging.fans import imports

    return imports.import_previews_expire()


# --- campaigns (docs/messaging.md, "Campaigns and delivery guarantees") ---------------------


@shared_task(name="messaging.campaign_start")
def campaign_start_task(campaign_id: int) -> bool:
    """Start a scheduled campaign when it is due (enqueued with a countdown by the schedule;
    early, it does nothing: the beat's ``campaign_dispatch`` starts any it missed)."""
    from messaging.campaigns import services as campaigns

    return campaigns.campaign_start(campaign_id=campaign_id)


@shared_task(name="messaging.campaign_send")
def campaign_send_task(campaign_id: int) -> int:
    """Send one batch of a campaign, and hand over to the next task when this one made
    progress and more is due. What waits (quiet hours, a backoff) is picked up by the beat's
    ``campaign_dispatch`` when due. Running it twice, or two at once, sends nothing twice
    (deliveries are claimed)."""
    from messaging.campaigns import services as campaigns

    sent = 0
    while True:
        result = campaigns.send_batch(campaign_id=campaign_id)
        sent += result.sent
        if not (result.progressed and result.more_due and not result.finished):
            return sent
        if not campaign_send_task.app.conf.task_always_eager:
            campaign_send_task.apply_async(kwargs={"campaign_id": campaign_id})
            return sent
        # Eager (development without Redis): the next batch here, not in a nested call.


@shared_task(name="messaging.campaign_dispatch")
def campaign_dispatch_task() -> int:
    """The beat's net (every minute): start due scheduled campaigns, and send the due work of
    sending ones (quiet hours over, a backoff over, the claim of a worker that died)."""
    from messaging.campaigns import services as campaigns

    started = campaigns.start_due()
    for campaign_id in campaigns.sending_with_due_work():
        campaign_send_task.apply_async(kwargs={"campaign_id": campaign_id})
    return started


@shared_task(name="messaging.announce_booking", autoretry_for=(OSError,), max_retries=3)
def announce_booking_task(booking_id: int) -> int | None:
    """The draft announcing a show, for an accepted booking (marketplace's hook)."""
    from messaging.campaigns import services as campaigns

    campaign = campaigns.announcement_for_booking(booking_id=booking_id)
    return campaign.pk if campaign else None
