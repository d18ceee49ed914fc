from celery import shared_task

from artists import services
from artists.models import MediaQuota


@shared_task(name="artists.reconcile_quota")
def reconcile_quota_task(*, artist_id: int) -> None:
    if MediaQuota.objects.filter(artist_id=artist_id).exists():
        services.quota_reconcile(artist_id=artist_id)


@shared_task(name="artists.flush_profile_views")
def flush_profile_views_task() -> int:
    """Write the profile views recorded in Redis (safe to run twice, or after one that died)."""
    return services.profile_views_flush()


@shared_task(name="artists.reconcile_all_quotas")
def reconcile_all_quotas_task() -> int:
    """Fan out one reconcile per artist (each safe to repeat)."""
    artist_ids = list(MediaQuota.objects.values_list("artist_id", flat=True))
    for artist_id in artist_ids:
        reconcile_quota_task.delay(artist_id=artist_id)
    return len(artist_ids)
