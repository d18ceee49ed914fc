"""The events platform's API (SPEC-events §5 and §6), under /api/v1/."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("events.api.platform_urls")),  # first: apps/token, apps/me before apps/<id>
]
