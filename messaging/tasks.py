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
