"""The bookings, reviews and calendar-feed pages (marketplace/pages/bookings.py)."""

from django.urls import path

from marketplace.pages import bookings

urlpatterns = [
    path("bookings/", bookings.bookings, name="bookings"),
    path("bookings/<int:booking_id>/cancel/", bookings.booking_cancel, name="booking-cancel"),
    path("bookings/<int:booking_id>/reviews/", bookings.booking_reviews, name="booking-reviews"),
    path(
        "bookings/<int:booking_id>/reviews/reply/",
        bookings.booking_review_reply,
        name="booking-review-reply",
    ),
    path("bookings/calendar/", bookings.calendar_settings, name="calendar-settings"),
    path("bookings/calendar/new/", bookings.calendar_rotate, name="calendar-rotate"),
    path("bookings/calendar/revoke/", bookings.calendar_revoke, name="calendar-revoke"),
]
