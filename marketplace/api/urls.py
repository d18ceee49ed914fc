from django.urls import path

from marketplace.api import saved_searches, views

urlpatterns = [
    path("venues/me", views.VenueMeApi.as_view(), name="api-venue-me"),
    path(
        "venues/me/onboarding", views.VenueOnboardingStateApi.as_view(), name="api-venue-onboarding"
    ),
    path(
        "venues/me/onboarding/<int:number>",
        views.VenueOnboardingStepApi.as_view(),
        name="api-venue-onboarding-step",
    ),
    path("venues/me/gigs", views.VenueMyGigsApi.as_view(), name="api-venue-gigs"),
    path("venues/<slug:slug>", views.VenueDetailApi.as_view(), name="api-venue-detail"),
    path("venues/<slug:slug>/reviews", views.VenueReviewsApi.as_view(), name="api-venue-reviews"),
    path(
        "artists/<slug:slug>/reviews",
        views.ArtistReviewsApi.as_view(),
        name="api-artist-reviews",
    ),
    path(
        "bookings/<int:booking_id>/reviews",
        views.BookingReviewsApi.as_view(),
        name="api-booking-reviews",
    ),
    path("reviews/<int:review_id>/reply", views.ReviewReplyApi.as_view(), name="api-review-reply"),
    path("gigs/", views.GigListApi.as_view(), name="api-gigs"),
    path("gigs/<int:gig_id>", views.GigDetailApi.as_view(), name="api-gig"),
    path("gigs/<int:gig_id>/cancel", views.GigCancelApi.as_view(), name="api-gig-cancel"),
    path(
        "gigs/<int:gig_id>/applications",
        views.GigApplicationsApi.as_view(),
        name="api-gig-applications",
    ),
    path(
        "applications/<int:application_id>/withdraw",
        views.ApplicationWithdrawApi.as_view(),
        name="api-application-withdraw",
    ),
    path(
        "applications/<int:application_id>/accept",
        views.ApplicationAcceptApi.as_view(),
        name="api-application-accept",
    ),
    path(
        "applications/<int:application_id>/reject",
        views.ApplicationRejectApi.as_view(),
        name="api-application-reject",
    ),
    path("me/applications", views.MyApplicationsApi.as_view(), name="api-my-applications"),
    path("me/gigs-for-you", views.GigsForYouApi.as_view(), name="api-gigs-for-you"),
    path("bookings/", views.BookingListApi.as_view(), name="api-bookings"),
    path(
        "bookings/<int:booking_id>/cancel",
        views.BookingCancelApi.as_view(),
        name="api-booking-cancel",
    ),
    path("me/calendar", views.MyCalendarApi.as_view(), name="api-my-calendar"),
    path(
        "me/saved-searches",
        saved_searches.MySavedSearchesApi.as_view(),
        name="api-my-saved-searches",
    ),
    path(
        "me/saved-searches/<int:saved_search_id>",
        saved_searches.MySavedSearchApi.as_view(),
        name="api-my-saved-search",
    ),
    path("me/availability", views.MyAvailabilityApi.as_view(), name="api-my-availability"),
    path(
        "me/availability/<int:entry_id>",
        views.MyAvailabilityEntryApi.as_view(),
        name="api-my-availability-entry",
    ),
]
