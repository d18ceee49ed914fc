"""CPU time the server spends: gunicorn's workers plus their PostgreSQL backends (Linux /proc).

Wall-clock throughput on a shared machine mostly measures the other jobs. CPU seconds consumed
by the server's own processes per request are far steadier: waiting for a core does not add to
them. ``vs bare (CPU)`` = bare's CPU per request / the endpoint's: what the req/s ratio would be
on an otherwise idle machine where the server is CPU-bound (it leaves out Redis, whose server is
shared with other jobs, and the kernel's network work outside these processes).
"""

import os
from pathlib import Path

import environ
import psycopg

TICKS = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …; comm may hold spaces and parentheses: split after the last ")"
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each process still running."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone
        found[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return found


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_by_pid(pids).values())


def used_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used by the processes between two samples: a process that started in between counts
    whole; one that ended in between is lost (the bench keeps connections open, so neither
    should happen)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def backends(database_url: str) -> list[int]:
    """Server processes of the other connections to the bench database (the workers' own)."""
    config = environ.Env.db_url_config(database_url)
    try:
        with psycopg.connect(
            host=config.get("HOST") or "127.0.0.1",
            port=int(config.get("PORT") or 5432),
            user=config.get("USER") or "postgres",
            password=config.get("PASSWORD") or None,
            dbname=config["NAME"],
            autocommit=True,
        ) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            ).fetchall()
    except psycopg.Error:
        return []
    return [row[0] for row in rows]
