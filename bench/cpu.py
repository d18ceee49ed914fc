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


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone: its time is lost, which only flatters nothing (both sides)
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


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


def server_pids(master: int, database_url: str) -> list[int]:
    return children(master) + backends(database_url)
