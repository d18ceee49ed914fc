from celery import shared_task

from messaging import services


@shared_task(
    name="messaging.send_digests", autoretry_for=(OSError,), retry_backoff=True, max_retries=3
)
def send_digests_task() -> int:
    """Email digests of unread messages to people who are away (beat, every 5 minutes)."""
    return services.digests_send()
