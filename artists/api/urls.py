from django.urls import path

from artists.api import views

urlpatterns = [
    path("artists/", views.ArtistListApi.as_view(), name="api-artists"),
    path("artists/me", views.ArtistMeApi.as_view(), name="api-artist-me"),
    path("artists/me/onboarding", views.OnboardingStateApi.as_view(), name="api-artist-onboarding"),
    path(
        "artists/me/onboarding/<int:number>",
        views.OnboardingStepApi.as_view(),
        name="api-artist-onboarding-step",
    ),
    path("artists/me/avatar", views.ArtistAvatarApi.as_view(), name="api-artist-avatar"),
    path("artists/me/banner", views.ArtistBannerApi.as_view(), name="api-artist-banner"),
    path("artists/me/tracks", views.MyTracksApi.as_view(), name="api-artist-tracks"),
    path("artists/me/tracks/<int:track_id>", views.MyTrackApi.as_view(), name="api-artist-track"),
    path(
        "artists/me/tracks/<int:track_id>/move",
        views.MyTrackMoveApi.as_view(),
        name="api-artist-track-move",
    ),
    path("artists/me/media", views.MyMediaApi.as_view(), name="api-artist-media"),
    path(
        "artists/me/media/uploads",
        views.DirectUploadStartApi.as_view(),
        name="api-artist-media-direct",
    ),
    path(
        "artists/me/media/<int:media_id>",
        views.MyMediaFileApi.as_view(),
        name="api-artist-media-file",
    ),
    path(
        "artists/me/media/<int:media_id>/download",
        views.MyMediaDownloadApi.as_view(),
        name="api-artist-media-download",
    ),
    path(
        "artists/me/media/<int:media_id>/confirm",
        views.DirectUploadConfirmApi.as_view(),
        name="api-artist-media-confirm",
    ),
    path("artists/<slug:slug>", views.ArtistDetailApi.as_view(), name="api-artist-detail"),
    path(
        "artists/<slug:slug>/tracks",
        views.ArtistTracksApi.as_view(),
        name="api-artist-public-tracks",
    ),
    path("artists/<slug:slug>/stats", views.ArtistStatsApi.as_view(), name="api-artist-stats"),
    path(
        "artists/<slug:slug>/tracks/<int:track_id>/play",
        views.TrackPlayApi.as_view(),
        name="api-artist-track-play",
    ),
]
