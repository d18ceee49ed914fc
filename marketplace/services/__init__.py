"""Writes of the marketplace, one function per state change, each audited:

- :mod:`.venues`: venue onboarding steps, edits, verification;
- :mod:`.gigs`: post, edit while open, cancel (venue or staff);
- :mod:`.applications`: apply, withdraw, accept (makes the booking), reject, cancel a booking;
- :mod:`.availability`: dates an artist can't play;
- :mod:`.completion`: filled gigs that have ended become completed (beat task);
- :mod:`.reviews`: two-way blind reviews, replies, hiding;
- :mod:`.calendar`: private calendar feed tokens (rotate, revoke);
- :mod:`.saved_searches`: saved gig searches and their daily digest.

Doors call them as ``from marketplace import services; services.gig_create(...)``.
"""

from marketplace.services.applications import (
    application_accept,
    application_create,
    application_reject,
    application_withdraw,
    booking_cancel,
)
from marketplace.services.availability import unavailability_add, unavailability_remove
from marketplace.services.calendar import calendar_feed_revoke, calendar_feed_rotate
from marketplace.services.completion import gig_complete, gigs_complete_due
from marketplace.services.gigs import gig_cancel, gig_cancel_by_staff, gig_create, gig_update
from marketplace.services.reviews import (
    review_create,
    review_hide,
    review_reply,
    reviews_reveal_due,
)
from marketplace.services.saved_searches import (
    saved_search_create,
    saved_search_delete,
    saved_search_delete_by_staff,
    saved_search_digests_pending,
    saved_search_digests_send,
)
from marketplace.services.venues import (
    venue_onboarding_save_step,
    venue_set_verified,
    venue_update,
)

__all__ = [
    "application_accept",
    "application_create",
    "application_reject",
    "application_withdraw",
    "booking_cancel",
    "calendar_feed_revoke",
    "calendar_feed_rotate",
    "gig_cancel",
    "gig_cancel_by_staff",
    "gig_complete",
    "gig_create",
    "gig_update",
    "gigs_complete_due",
    "review_create",
    "review_hide",
    "review_reply",
    "reviews_reveal_due",
    "saved_search_create",
    "saved_search_delete",
    "saved_search_delete_by_staff",
    "saved_search_digests_pending",
    "saved_search_digests_send",
    "unavailability_add",
    "unavailability_remove",
    "venue_onboarding_save_step",
    "venue_set_verified",
    "venue_update",
]
