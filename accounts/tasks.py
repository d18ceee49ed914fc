from celery import shared_task

from accounts import services


@shared_task(name="accounts.purge_expired_sessions")
def purge_expired_sessions_task() -> int:
    return services.sessions_purge_expired()
