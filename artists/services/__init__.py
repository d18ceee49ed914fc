"""Writes of the artists app, one module per subject:

- :mod:`.profiles`: onboarding steps, profile edits, avatar/banner, verification, profile views;
- :mod:`.tracks`: tracks and their audio;
- :mod:`.media`: the media locker (uploads through the app or straight to the bucket);
- :mod:`.quota`: the storage quota (reserve, release, reconcile).

Doors call them as ``from artists import services; services.track_create(...)``.
"""

from artists.services.media import (
    media_delete,
    media_get_for_download,
    media_upload,
    media_upload_confirm,
    media_upload_start,
)
from artists.services.profiles import (
    artist_set_verified,
    onboarding_save_step,
    profile_set_image,
    profile_update,
    profile_view_record,
)
from artists.services.quota import (
    quota_expire_pending,
    quota_for,
    quota_reconcile,
    quota_release,
    quota_reserve,
)
from artists.services.tracks import (
    track_create,
    track_delete,
    track_move,
    track_play,
    track_update,
)

__all__ = [
    "artist_set_verified",
    "media_delete",
    "media_get_for_download",
    "media_upload",
    "media_upload_confirm",
    "media_upload_start",
    "onboarding_save_step",
    "profile_set_image",
    "profile_update",
    "profile_view_record",
    "quota_expire_pending",
    "quota_for",
    "quota_reconcile",
    "quota_release",
    "quota_reserve",
    "track_create",
    "track_delete",
    "track_move",
    "track_play",
    "track_update",
]
