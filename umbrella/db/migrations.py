"""Raw SQL that only PostgreSQL runs, for migrations: generated columns, GIN and covering
indexes, exclusion constraints, triggers. SQLite (the embedded default) skips it; the ORM
querysets that stand in for the hand-written statements there need none of it."""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import migrations


def _run(statements: Sequence[str]) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            # No parameters: a literal "%" (the trigram operators "<%", "<<->") stays as it is.
            schema_editor.execute(statement, params=None)

    return run


def postgresql_only(forward: Sequence[str], backward: Sequence[str]) -> migrations.RunPython:
    """A migration operation that runs ``forward`` (and ``backward`` when unapplied) on
    PostgreSQL, statement by statement, and nothing elsewhere."""
    return migrations.RunPython(_run(forward), _run(backward))
