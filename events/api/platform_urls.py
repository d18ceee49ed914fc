"""Routes of the platform API for apps: the token exchange and the app-only reads. Included
first by ``events.api.urls``, so that ``apps/token`` and ``apps/me`` are not taken for app ids."""

from django.urls import path

from events.api import platform, tokens

urlpatterns = [
    path("apps/token", tokens.AppTokenApi.as_view(), name="api-apps-token"),
    path("apps/me", platform.AppMeApi.as_view(), name="api-apps-me"),
    path("users/<int:user_id>", platform.AppUserProfileApi.as_view(), name="api-users-detail"),
]
