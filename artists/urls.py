from django.urls import path

from artists import views

urlpatterns = [
    path("onboarding/artist/", views.onboarding, name="artist-onboarding"),
    path("onboarding/artist/<int:number>/", views.onboarding_step, name="artist-onboarding-step"),
    path("studio/", views.studio, name="artist-studio"),
    path("studio/profile/", views.profile_edit, name="artist-profile-edit"),
    path(
        "studio/profile/<str:kind>/",
        views.profile_image,
        name="artist-profile-image",
    ),
    path("studio/tracks/", views.tracks, name="artist-tracks"),
    path(
        "studio/tracks/<int:track_id>/<str:action>/",
        views.track_action,
        name="artist-track-action",
    ),
    path("studio/media/", views.media, name="artist-media"),
    path("studio/media/<int:media_id>/delete/", views.media_delete, name="artist-media-delete"),
    path(
        "studio/media/<int:media_id>/download/", views.media_download, name="artist-media-download"
    ),
    path("artists/", views.search, name="artist-search"),
    path("artists/<slug:slug>/", views.public_profile, name="artist-public"),
    path("artists/<slug:slug>/<str:tab>/", views.public_profile, name="artist-public-tab"),
]
