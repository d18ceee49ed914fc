from django.urls import path, re_path

from marketplace import views

urlpatterns = [
    path("onboarding/venue/", views.venue_onboarding, name="venue-onboarding"),
    path(
        "onboarding/venue/<int:number>/", views.venue_onboarding_step, name="venue-onboarding-step"
    ),
    path("gigs/", views.gig_board, name="gig-board"),
    path("gigs/<int:gig_id>/", views.gig_detail, name="gig-detail"),
    path(
        "applications/<int:application_id>/withdraw/",
        views.application_withdraw,
        name="application-withdraw",
    ),
    # The token from secrets.token_urlsafe(32): 43 URL-safe characters.
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$",
        views.calendar_feed,
        name="calendar-feed",
    ),
]
