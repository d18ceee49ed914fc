"""The artist's matching pages (``marketplace.pages.matching``), included by marketplace/urls.py."""

from django.urls import path

from marketplace.pages import matching

urlpatterns = [
    path("gigs/for-you/", matching.gigs_for_you, name="gigs-for-you"),
    path("availability/", matching.availability, name="availability"),
    path(
        "availability/<int:entry_id>/remove/",
        matching.availability_remove,
        name="availability-remove",
    ),
    path("saved-searches/", matching.saved_searches, name="saved-searches"),
    path(
        "saved-searches/<int:saved_search_id>/delete/",
        matching.saved_search_delete,
        name="saved-search-delete",
    ),
]
