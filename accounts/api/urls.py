from django.urls import path

from accounts.api import views

urlpatterns = [
    path("me", views.MeApi.as_view(), name="api-me"),
    path("onboarding/role", views.OnboardingRoleApi.as_view(), name="api-onboarding-role"),
    path("auth/session", views.AuthSessionApi.as_view(), name="api-auth-session"),
    path("auth/logout", views.LogoutApi.as_view(), name="api-auth-logout"),
    path("auth/sessions", views.DeviceSessionListApi.as_view(), name="api-auth-sessions"),
    path(
        "auth/sessions/ended",
        views.EndedSessionListApi.as_view(),
        name="api-auth-sessions-ended",
    ),
    path(
        "auth/sessions/<int:session_id>",
        views.DeviceSessionEndApi.as_view(),
        name="api-auth-session-end",
    ),
    path("notifications/", views.NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/unread-count",
        views.NotificationUnreadCountApi.as_view(),
        name="api-notifications-unread-count",
    ),
    path("notifications/read", views.NotificationReadApi.as_view(), name="api-notifications-read"),
    path(
        "notifications/preferences",
        views.NotificationPreferencesApi.as_view(),
        name="api-notifications-preferences",
    ),
]
