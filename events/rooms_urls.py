"""Pages of the rooms' rooms part (issue 12)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
