"""Writes of the artists app, one module per subject:

- :mod:`.profiles`: onboarding steps, profile edits, avatar/banner, verification;
- :mod:`.tracks`: tracks and their audio;
- :mod:`.media`: the media locker (uploads through the app or straight to the bucket);
- :mod:`.quota`: the storage quota (reserve, release, reconcile);
- :mod:`.counters`: profile views and track plays.

Doors call them as ``from artists import services; services.track_create(...)``.
"""

from artists.services.counters import (
    profile_view_record,
    profile_view_record_counting,
    profile_views_flush,
    profile_views_pending,
    track_play,
)
from artists.services.media import (
    media_check_category,
    media_delete,
    media_delete_by_staff,
    media_get_for_download,
    media_set_category,
    media_upload,
    media_upload_confirm,
    media_upload_start,
)
from artists.services.profiles import (
    artist_listed_sync,
    artist_set_verified,
    onboarding_save_step,
    profile_check,
    profile_set_image,
    profile_update,
    profile_update_by_staff,
    require_staff,
)
from artists.services.quota import (
    quota_check_limit,
    quota_expire_pending,
    quota_for,
    quota_reconcile,
    quota_release,
    quota_reserve,
    quota_set_limit,
)
from artists.services.tracks import (
    track_check,
    track_create,
    track_delete,
    track_delete_by_staff,
    track_move,
    track_update,
    track_update_by_staff,
)

__all__ = [
    "artist_listed_sync",
    "artist_set_verified",
    "media_check_category",
    "media_delete",
    "media_delete_by_staff",
    "media_get_for_download",
    "media_set_category",
    "media_upload",
    "media_upload_confirm",
    "media_upload_start",
    "onboarding_save_step",
    "profile_check",
    "profile_set_image",
    "profile_update",
    "profile_update_by_staff",
    "profile_view_record",
    "profile_view_record_counting",
    "profile_views_flush",
    "profile_views_pending",
    "quota_check_limit",
    "quota_expire_pending",
    "quota_for",
    "quota_reconcile",
    "quota_release",
    "quota_reserve",
    "quota_set_limit",
    "require_staff",
    "track_check",
    "track_create",
    "track_delete",
    "track_delete_by_staff",
    "track_move",
    "track_play",
    "track_update",
    "track_update_by_staff",
]
