from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from accounts import services
from accounts.notifications import notification_email_send


@shared_task(name="accounts.purge_expired_sessions")
def purge_expired_sessions_task() -> int:
    return services.sessions_purge_expired()


@shared_task(
    name="accounts.send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_email_task(
    *,
    subject: str,
    body: str,
    from_email: str,
    to: list[str],
    alternatives: list[tuple[str, str]],
    headers: dict[str, str],
) -> None:
    """Send an email rendered during the request (allauth's mails), outside the request."""
    message = EmailMultiAlternatives(subject, body, from_email, to, headers=headers)
    for content, mimetype in alternatives:
        message.attach_alternative(content, mimetype)
    message.send()


@shared_task(
    name="accounts.send_notification_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email_task(*, notification_id: int) -> bool:
    """The email of one in-app notification (enqueued by ``notify`` after commit)."""
    return notification_email_send(notification_id=notification_id)
