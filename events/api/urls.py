"""The events platform's API (SPEC-events §5 and §6), under /api/v1/."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
