"""Run the same call from many threads at once, for race tests on PostgreSQL."""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_together(call: Callable[[], T], times: int) -> list[T]:
    """Start ``times`` threads that wait at a barrier, then all ``call()`` at once.

    Each thread closes its own database connection. Returns the results (an exception raised by
    a call is returned in its place, so a test can count refusals).
    """
    start = threading.Barrier(times)
    results: list = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            outcome: object = call()
        except Exception as error:  # the caller counts these
            outcome = error
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
