"""Resend's tracking webhook (delivered, bounced, complained), served by django-anymail, which
checks HTTP basic auth against ``ANYMAIL["WEBHOOK_SECRET"]`` and sends its ``tracking`` signal
(handled by messaging.campaigns.receivers). Without a secret the URL is 404: an open webhook
would let anyone opt fans out by posting fake bounces."""

from anymail.webhooks.resend import ResendTrackingWebhookView
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

_view = ResendTrackingWebhookView.as_view()


def resend_tracking(request: HttpRequest) -> HttpResponse:
    if not (getattr(settings, "ANYMAIL", {}) or {}).get("WEBHOOK_SECRET"):
        raise Http404("Not configured.")
    response: HttpResponse = _view(request)
    return response
