"""PostgreSQL backend that health-checks a reused connection only after it sat idle.

Django's ``CONN_HEALTH_CHECKS`` sends ``SELECT 1`` before the first query of *every* request on
a persistent connection: a second database round trip for a read that needs one (~0.3 ms of
worker CPU each, see bench/README.md). A connection that finished a request without errors a
moment ago is almost certainly still good, so, like PgBouncer's ``server_check_delay``, the
check runs only when the connection has been idle for ``DB_HEALTH_CHECK_DELAY`` seconds (5 by
default; 0 checks every request, as Django does).

The trade-off: if the server goes away within that window, the next request on that connection
fails once; Django then sees the error and closes the connection when the request ends
(``close_if_unusable_or_obsolete``), so the request after it reconnects.
"""

import time

from django.conf import settings
from django.db.backends.postgresql import base

# Indirection so tests can move the clock.
_clock = time.monotonic


class DatabaseWrapper(base.DatabaseWrapper):
    _last_good: float | None = None
    health_check_done: bool  # set by Django's BaseDatabaseWrapper

    def close_if_unusable_or_obsolete(self) -> None:
        super().close_if_unusable_or_obsolete()
        # Called when a request ends. Still open and without unrecovered errors: the connection
        # answered during that request (or passed its check), so it counts as checked now.
        if self.connection is not None and not self.errors_occurred:
            self._last_good = _clock()
        else:
            self._last_good = None

    def close_if_health_check_failed(self) -> None:
        delay = getattr(settings, "DB_HEALTH_CHECK_DELAY", 5.0)
        if (
            self.connection is not None
            and not self.health_check_done
            and self._last_good is not None
            and _clock() - self._last_good < delay
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close(self) -> None:
        self._last_good = None
        super().close()
