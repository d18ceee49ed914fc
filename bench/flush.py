"""``python -m bench.flush``: write the profile views the run left in Redis, and say what it cost.

The server records each new profile view in Redis; the Celery beat task writes them in batches
(``artists.services.counters.profile_views_flush``). The bench runs no worker, so ``bench``
calls this after the server stopped: the views' database work is done and measured here, per
view, instead of being left out of the figures.
"""

import os
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection

    from artists import services

    pending = services.profile_views_pending()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    python, database = time.process_time(), backend_cpu()
    counted = 0
    left = pending
    while left:  # one flush takes what was pending when it started; stop if one is stuck
        counted += services.profile_views_flush()
        left, before = services.profile_views_pending(), left
        if left >= before:
            break
    python, database = time.process_time() - python, backend_cpu() - database
    per = max(pending, 1) / 1000
    print(
        f"profile views flushed after the run: {pending} recorded, {counted} new rows; "
        f"CPU per view {(python + database) / per:.3f} ms "
        f"(Python {python / per:.3f}, PostgreSQL {database / per:.3f})"
    )


if __name__ == "__main__":
    main()
