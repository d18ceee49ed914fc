"""``python -m bench.profile --explain``: every statement of a request run again under
``EXPLAIN (ANALYZE, BUFFERS)``, prepared ones (logged with PostgreSQL's ``$1`` placeholders,
``umbrella.db.prepared``) as well as Django's own (``%s``)."""

from types import SimpleNamespace

import pytest
from django.db import connection

from bench.profile import explain
from umbrella.db.prepared import fetchone_prepared

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_explains_prepared_and_django_statements_alike():
    def send(call):
        # prepared: logged as "SELECT $1::int % 4 …", a % that Django's cursor would refuse
        row = fetchone_prepared(
            "SELECT %(a)s::int %% 4 FROM django_migrations LIMIT 1", {"a": call.n}
        )
        assert row == (call.n % 4,)
        with connection.cursor() as cursor:  # Django's own, %s placeholders
            cursor.execute("SELECT %s::int FROM django_migrations LIMIT 1", [call.n])

    calls = [SimpleNamespace(path=f"/request/{n}", n=n) for n in (5, 6)]
    first, *heaviest = explain(calls, send, top=2).splitlines()
    assert first.startswith("buffers per request: median ")
    assert sorted(line.split()[-1] for line in heaviest) == ["/request/5", "/request/6"]
    # each request's two statements read the table: its pages are counted
    assert all(int(line.split()[0]) >= 2 for line in heaviest)
