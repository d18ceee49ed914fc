"""Marketplace pages that are not API endpoints: the private calendar feed."""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from marketplace.calendar import feed_ics, feed_owner


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/<token>.ics``: no session, the secret token is the key. Unknown, rotated or
    revoked token (or a deactivated account): 404, the same answer for all."""
    user = feed_owner(token)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        feed_ics(user, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="umbrella-bookings.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
