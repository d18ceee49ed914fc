from django.urls import re_path

from marketplace import views

urlpatterns = [
    # The token from secrets.token_urlsafe(32): 43 URL-safe characters.
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$",
        views.calendar_feed,
        name="calendar-feed",
    ),
]
