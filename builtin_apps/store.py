"""What the apps remember between requests and processes.

* :class:`Answered`: the dedupe store (docs/apps.md "Deduplicating on webhook-id"), a SQLite
  file shared by every worker process of the apps process: ``(app, webhook-id) -> answer``.
  The first answer stored wins (``INSERT OR IGNORE``, then read back): two copies of a message
  handled at once, in one process or two, both answer what the first stored, so a draw's pick
  is made once whatever arrives. Only 2xx answers are stored; kept ``KEEP_SECONDS``.
* :class:`Credentials`: the secrets ``register_builtin_apps`` wrote (a JSON file, mode 600),
  read again whenever the file changes (a rotation needs no restart).
"""

import json
import os
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

KEEP_SECONDS = 31 * 24 * 3600  # a dead letter can be replayed days later: keep ids a month
PRUNE_EVERY_SECONDS = 3600


class Answered:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._pruned = 0.0
        self._local = threading.local()
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS answered (app TEXT NOT NULL, webhook_id TEXT NOT NULL,"
                " status INTEGER NOT NULL, body BLOB NOT NULL, at REAL NOT NULL,"
                " PRIMARY KEY (app, webhook_id))"
            )
            db.execute("CREATE INDEX IF NOT EXISTS answered_at ON answered (at)")

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection, kept open (closing the last one checkpoints the WAL)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            # WAL without an fsync per commit: a crash may forget the last answers (the
            # platform then gets a fresh one), never corrupt the file.
            db.execute("PRAGMA synchronous=NORMAL")
        return db

    def get(self, app: str, webhook_id: str) -> tuple[int, bytes] | None:
        row = (
            self._connect()
            .execute(
                "SELECT status, body FROM answered WHERE app = ? AND webhook_id = ?",
                (app, webhook_id),
            )
            .fetchone()
        )
        return (int(row[0]), bytes(row[1])) if row else None

    def keep_first(self, app: str, webhook_id: str, status: int, body: bytes) -> tuple[int, bytes]:
        """Store this answer unless one is stored already; return the stored one."""
        now = time.time()
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT OR IGNORE INTO answered (app, webhook_id, status, body, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (app, webhook_id, status, body, now),
            )
            row = db.execute(
                "SELECT status, body FROM answered WHERE app = ? AND webhook_id = ?",
                (app, webhook_id),
            ).fetchone()
            if now - self._pruned > PRUNE_EVERY_SECONDS:
                self._pruned = now
                db.execute("DELETE FROM answered WHERE at < ?", (now - KEEP_SECONDS,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return int(row[0]), bytes(row[1])


class Credentials:
    """``{"apps": {"lottery": {"app_id", "client_secret", "webhook_secret", "version"}, …}}``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._data: dict[str, Any] = {}

    def app(self, name: str) -> dict[str, Any] | None:
        """The credentials of app ``name`` (``lottery``, ``quiz``), or ``None`` if none yet."""
        with self._lock:
            try:
                stat = os.stat(self.path)
            except OSError:
                self._stamp, self._data = None, {}
                return None
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                try:
                    self._data = json.loads(self.path.read_text())
                except ValueError:
                    return None  # being written: the next request reads it
                self._stamp = stamp
            entry = (self._data.get("apps") or {}).get(name)
            return entry if isinstance(entry, dict) else None
