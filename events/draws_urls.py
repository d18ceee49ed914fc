"""Pages of the rooms' draws part (issue 12)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
