"""The bench database: created if missing, migrated, with one signed-up, verified user."""

import subprocess
import sys

import environ
import psycopg
from psycopg import sql

from bench.environment import PROJECT_DIR


def ensure_database(database_url: str) -> None:
    """Create the database named in the URL, connecting to the server's ``postgres`` database."""
    config = environ.Env.db_url_config(database_url)
    name = config["NAME"]
    try:
        with psycopg.connect(
            host=config.get("HOST") or "127.0.0.1",
            port=int(config.get("PORT") or 5432),
            user=config.get("USER") or "postgres",
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,  # CREATE DATABASE cannot run inside a transaction
        ) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    except psycopg.Error as exc:
        raise RuntimeError(f"cannot prepare database {name!r}: {exc}") from exc


def migrate(env: dict[str, str]) -> None:
    run_quiet([sys.executable, "manage.py", "migrate", "--noinput"], env=env)


def seed_user(env: dict[str, str], *, email: str, password: str, artists: int) -> None:
    # In a subprocess, so this process never imports Django or touches os.environ.
    run_quiet(
        [sys.executable, "-m", "bench.seed"],
        env={
            **env,
            "BENCH_EMAIL": email,
            "BENCH_PASSWORD": password,
            "BENCH_ARTISTS": str(artists),
        },
    )


def flush_views(env: dict[str, str]) -> str:
    """Write the profile views the run recorded in Redis; returns what it cost (bench.flush)."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.flush"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return f"profile view flush failed ({result.returncode}): {result.stderr.strip()[-500:]}"
    return result.stdout.strip()


def run_quiet(command: list[str], *, env: dict[str, str]) -> None:
    """Run a setup step; show its output only when it fails."""
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
