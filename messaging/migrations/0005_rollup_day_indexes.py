"""The nightly analytics rollup reads one day of messages, fans who joined or left, and campaign
sends for every artist and venue (issue 13, docs/analytics.md "Benchmark"): an index on the
instant each is counted by, carrying the columns the rollup's GROUP BY reads, so each is a range
scan of one day instead of a scan of the whole table (campaign sends 708 ms, messages 254 ms at
10 000 artists). Partial where the instant may be empty (unsent deliveries, unconfirmed fans).
Indexes only."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0004_consent_event_room_opt_in"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="consentevent",
            index=models.Index(fields=["at"], include=("artist", "kind"), name="consent_event_at"),
        ),
        migrations.AddIndex(
            model_name="contactmember",
            index=models.Index(
                condition=models.Q(("consent_at__isnull", False)),
                fields=["consent_at"],
                include=("contact_list", "id"),
                name="contact_member_consent",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", False)),
                fields=["sent_at"],
                include=("campaign", "id"),
                name="delivery_sent",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["created_at"], include=("conversation", "sender"), name="message_created"
            ),
        ),
    ]
