"""Each gig carries its card's fixed part as JSON text (``card``), written by the database on
every insert and update (PostgreSQL only, like 0004's search vector and 0011's place keys: a
column the ORM does not see).

Gigs for you wrote its cards from a per-process store (``marketplace.filters._CARDS``) or, for
the gigs a worker had not kept, from one more statement (``row_to_json`` of the gig): at the
bench's 20 000 artists most requests needed that second round trip. Its ranking statement now
joins the page's gigs and writes the whole page, card and reasons, from this column: one
statement, ~0.05-0.1 ms less CPU a request in-process (bench/README.md, "Gigs for you: the card
in the row, and walked by classes").
The board's cards statement reads it too.

The card is every key of ``selectors.gig_card`` but the venue's slug and ``urgent`` (which the
statements add, the latter against the request's time), in that order, dates, times and
timestamps as the API writes them, without its closing brace. A trigger, not a generated
column: ``to_char`` and ``row_to_json`` are not immutable. Changing the card's keys or format
means a migration that replaces ``marketplace_gig_card()`` and rewrites the column;
``tests/marketplace/test_fast_reads.py`` checks it against the ORM reference's cards.

The backfill is one UPDATE of every gig (fine at the bench's 100 000 gigs, ~10 s; batch it for a
much larger table).
"""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

_ISO = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"  # umbrella.keyset.ISO_FORMAT, as of this migration


def _iso(column: str) -> str:
    return f"to_char({column} AT TIME ZONE 'UTC', {_ISO})"


# The card's keys and how each is written, in order (marketplace.filters.GIG_COLUMNS of this
# migration's day, without the venue's slug; starts_at as the API writes it).
CARD = (
    ("id", "NEW.id"),
    ("title", "NEW.title"),
    ("description", "NEW.description"),
    ("venue_id", "NEW.venue_id"),
    ("venue_name", "NEW.venue_name"),
    ("location_address", "NEW.location_address"),
    ("location_city", "NEW.location_city"),
    ("location_state", "NEW.location_state"),
    ("location_country", "NEW.location_country"),
    ("date", "to_char(NEW.date, 'YYYY-MM-DD')"),
    ("start_time", "to_char(NEW.start_time, 'HH24:MI')"),
    ("end_time", "to_char(NEW.end_time, 'HH24:MI')"),
    ("timezone", "NEW.timezone"),
    ("starts_at", _iso("NEW.starts_at")),
    ("ends_at", _iso("NEW.ends_at")),
    ("genre", "NEW.genre"),
    ("payment_amount", "NEW.payment_amount"),
    ("payment_type", "NEW.payment_type"),
    ("status", "NEW.status"),
    ("created_at", _iso("NEW.created_at")),
    ("updated_at", _iso("NEW.updated_at")),
)
_SELECT = ", ".join(f"{sql} AS {name}" for name, sql in CARD)

FORWARD = [
    "ALTER TABLE marketplace_gig ADD COLUMN card text",
    "CREATE FUNCTION marketplace_gig_card() RETURNS trigger LANGUAGE plpgsql AS $$"
    f" BEGIN NEW.card := (SELECT left(row_to_json(c)::text, -1) FROM (SELECT {_SELECT}) c);"
    " RETURN NEW; END $$",
    "CREATE TRIGGER marketplace_gig_card BEFORE INSERT OR UPDATE ON marketplace_gig"
    " FOR EACH ROW EXECUTE FUNCTION marketplace_gig_card()",
    "UPDATE marketplace_gig SET card = NULL",  # the trigger writes it
    "ALTER TABLE marketplace_gig ALTER COLUMN card SET NOT NULL",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS marketplace_gig_card ON marketplace_gig",
    "DROP FUNCTION IF EXISTS marketplace_gig_card()",
    "ALTER TABLE marketplace_gig DROP COLUMN IF EXISTS card",
]


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0013_application_gig_starts_at")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
