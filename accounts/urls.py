from django.urls import path

from accounts import views

urlpatterns = [
    path("onboarding/", views.onboarding, name="onboarding"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("settings/", views.profile_settings, name="settings"),
]
