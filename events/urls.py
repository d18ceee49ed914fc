"""The events platform's pages: the developer console and the staff webhook-health page."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
