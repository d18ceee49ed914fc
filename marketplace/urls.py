from django.urls import include, path, re_path

from marketplace import views

urlpatterns = [
    path("", include("marketplace.urls_venues")),
    path("onboarding/venue/", views.venue_onboarding, name="venue-onboarding"),
    path(
        "onboarding/venue/<int:number>/", views.venue_onboarding_step, name="venue-onboarding-step"
    ),
    path("", include("marketplace.urls_matching")),
    path("gigs/", views.gig_board, name="gig-board"),
    path("gigs/<int:gig_id>/", views.gig_detail, name="gig-detail"),
    path("applications/", views.my_applications, name="my-applications"),
    path(
        "applications/<int:application_id>/withdraw/",
        views.application_withdraw,
        name="application-withdraw",
    ),
    path("venue/", views.venue_dashboard, name="venue-dashboard"),
    path("venue/gigs/<int:gig_id>/cancel/", views.venue_gig_cancel, name="venue-gig-cancel"),
    path("venue/gigs/<int:gig_id>/applicants/", views.venue_applicants, name="venue-applicants"),
    path(
        "venue/applications/<int:application_id>/<str:action>/",
        views.venue_application_decide,
        name="venue-application-decide",
    ),
    # The token from secrets.token_urlsafe(32): 43 URL-safe characters.
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$",
        views.calendar_feed,
        name="calendar-feed",
    ),
    path("", include("marketplace.urls_bookings")),
]
