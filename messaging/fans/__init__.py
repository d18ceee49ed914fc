"""Fan lists (SPEC §7 "Fan messaging", docs/messaging.md "Fan lists and consent").

- :mod:`.addresses`: email and phone normalisation (E.164 through ``phonenumbers``).
- :mod:`.consent`: the one home of "may this member be messaged" (opt-outs are artist-wide),
  the unsubscribe and confirmation tokens, and the ``List-Unsubscribe`` headers of every fan
  email.
- :mod:`.services`: every write (lists, members, sign-up, unsubscribe, SMS STOP/START).
- :mod:`.imports`: CSV import (preview with per-row verdicts, confirm, the report).
- :mod:`.selectors`: reads for the API and pages.
"""
