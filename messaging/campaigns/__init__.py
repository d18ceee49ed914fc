"""Campaigns: an artist's email or SMS to fans (SPEC §7 "Fan messaging", docs/messaging.md
"Campaigns and delivery guarantees").

- :mod:`.merge`: merge fields (``{first_name}`` …): the check and the rendering.
- :mod:`.segments`: how many SMS segments a text takes (GSM-7 or UCS-2).
- :mod:`.quiet`: SMS quiet hours in the number's own time zone.
- :mod:`.providers`: the SMS backends (console, Twilio) and Resend's idempotency key.
- :mod:`.services`: every status change, the fan-out, sending, email events, announcements.
- :mod:`.selectors`: reads (the campaign list, the preview, the report).
- Doors: :mod:`.views` and :mod:`.forms` (studio pages), ``messaging.api.campaigns`` (API),
  :mod:`.webhooks` (Resend's tracking webhook through anymail), :mod:`.receivers` (anymail's
  ``tracking`` signal, the marketplace's booking hook), ``messaging.tasks`` (Celery), admin.
"""
