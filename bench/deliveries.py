"""``python -m bench.deliveries``: async webhook deliveries per second with one Celery worker
(issue 11's benchmark; target >= 500/s on 2 cores).

A local app (a threaded HTTP server in this process, answering ``200`` at once) stands in for
a third party. The run registers a bench app pointing at it, enqueues ``--count`` messages with
``events.services.deliveries.webhook_enqueue`` onto a queue of its own in Redis, then starts
**one** Celery worker process (``--pool``/``--concurrency``) that delivers them: each delivery
is the real path (settled check, breaker, signing, HTTP call, the attempt row). The rate is
measured from the first to the last recorded attempt (the worker's start-up is not counted),
and the run checks that every message has exactly one successful attempt row.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/umbrella_bench_deliveries \\
    REDIS_URL=redis://127.0.0.1:6379/14 \\
      .venv/bin/python -m bench.deliveries --count 5000 [--pool threads --concurrency 8]

The database is created and migrated if missing. Exit status 0 when every message was
delivered and recorded, 1 otherwise (or when the worker stopped early), 2 when setup fails.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/umbrella_bench_deliveries"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
QUEUE = "bench-deliveries"
APP_ID = "app_bench_deliveries"
OWNER_EMAIL = "bench-deliveries@bench.umbrella.local"
ROOT = Path(__file__).resolve().parents[1]


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        with _Answer.lock:
            _Answer.received += 1
        body = b'{"received":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog is 5: concurrent connects beyond it are dropped and the
    # client's SYN is retried a second later. Real app servers listen with 128 or more.
    request_queue_size = 1024


def _serve() -> ThreadingHTTPServer:
    server = _Server(("127.0.0.1", 0), _Answer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _ensure_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _bench_app(base_url: str) -> Any:
    """The bench app (made once), pointing at this run's server, its old attempts gone."""
    from accounts.models import Role, User
    from events.models import App, AppManifestVersion, DeadLetter, WebhookDelivery
    from events.services.credentials import webhook_secret_issue

    owner = User.objects.filter(email=OWNER_EMAIL).first()
    if owner is None:
        owner = User(email=OWNER_EMAIL, display_name="Bench", role=Role.FAN)
        owner.set_unusable_password()
        owner.save()
    manifest = {
        "meta": {"name": "Bench app", "version": "1.0.0", "description": "bench", "author": "b"},
        "base_url": base_url,
        "capabilities": ["notifications"],
        "permissions": [],
        "webhooks": {"notifications": {"path": "/hooks/notify", "async": True}},
    }
    app, created = App.objects.update_or_create(
        app_id=APP_ID,
        defaults={
            "owner": owner,
            "name": "Bench app",
            "manifest": manifest,
            "manifest_version": "1.0.0",
            "is_active": True,
            "disabled_webhooks": [],
            "deleted_at": None,
        },
    )
    if created:
        AppManifestVersion.objects.create(app=app, version="1.0.0", manifest=manifest)
        webhook_secret_issue(app=app)
    WebhookDelivery.objects.filter(app=app).delete()
    DeadLetter.objects.filter(app=app).delete()
    return app


def _worker(args: argparse.Namespace, log: Any) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "EVENTS_WEBHOOK_ALLOW_PRIVATE": "true",
        "DJANGO_SETTINGS_MODULE": "umbrella.settings",
        # As in production: DEBUG keeps (and formats) every statement the worker runs.
        "DEBUG": "false",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "umbrella",
        "worker",
        f"--pool={args.pool}",
        f"--concurrency={args.concurrency}",
        f"--prefetch-multiplier={args.prefetch}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
        "--queues",
        QUEUE,
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` (all its threads), from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.deliveries", description=__doc__)
    parser.add_argument("--count", type=int, default=5000, help="messages to deliver")
    parser.add_argument("--pool", default="threads", help="the worker's pool (solo, threads…)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--prefetch", type=int, default=4, help="worker prefetch multiplier")
    parser.add_argument("--timeout", type=float, default=600, help="give up after (s)")
    parser.add_argument("--worker-log", default="", help="keep the worker's output in this file")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS))
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        print("PostgreSQL only (DATABASE_URL)", file=sys.stderr)
        return 2

    try:
        _ensure_database(args.database_url)
    except Exception as error:
        print(f"setup: {error}", file=sys.stderr)
        return 2
    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_TASK_DEFAULT_QUEUE=QUEUE,
        EVENTS_WEBHOOK_ALLOW_PRIVATE="true",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umbrella.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count, Max, Min

    from events import delivery_queue
    from events.models import DeadLetter, WebhookDelivery
    from events.services.deliveries import webhook_enqueue
    from events.webhooks import breaker
    from umbrella.celery import app as celery_app

    call_command("migrate", verbosity=0)
    server = _serve()
    app = _bench_app(f"http://127.0.0.1:{server.server_address[1]}")
    breaker.reset(app.app_id, "notifications")
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    delivery_queue.clear()

    t0 = time.perf_counter()
    for n in range(args.count):
        webhook_enqueue(app=app, capability="notifications", event="bench.tick", payload={"n": n})
    enqueued = time.perf_counter() - t0
    print(f"enqueued {args.count} messages in {enqueued:.2f} s ({args.count / enqueued:,.0f}/s)")

    log = (
        open(args.worker_log, "w+")  # noqa: SIM115 (lives as long as this process)
        if args.worker_log
        else tempfile.NamedTemporaryFile("w+", prefix="bench-deliveries-", suffix=".log")  # noqa: SIM115
    )
    worker = _worker(args, log)  # its output in a file: a full pipe would stall it
    deadline = time.monotonic() + args.timeout
    rows = WebhookDelivery.objects.filter(app=app)
    # (worker CPU, this process's CPU, deliveries so far) when the first rows were seen
    cpu_start: tuple[float, float, int] | None = None
    cpu_end = (0.0, 0.0)
    try:
        while (done := rows.filter(outcome="success").count()) < args.count:
            if done and cpu_start is None:
                cpu_start = (_cpu_seconds(worker.pid), time.process_time(), done)
            if worker.poll() is not None:
                log.seek(0)
                print(f"the worker stopped:\n{log.read()}")
                return 1
            if time.monotonic() > deadline:
                print(f"timed out after {args.timeout:.0f} s")
                return 1
            time.sleep(0.25)
        cpu_end = (_cpu_seconds(worker.pid), time.process_time())
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        server.shutdown()

    span = rows.aggregate(first=Min("created_at"), last=Max("created_at"), n=Count("id"))
    per_message = rows.values("webhook_id").annotate(n=Count("id")).filter(n__gt=1).count()
    seconds = (span["last"] - span["first"]).total_seconds() or 1e-9
    rate = (span["n"] - 1) / seconds if span["n"] > 1 else 0.0
    ok = span["n"] == args.count and per_message == 0 and not DeadLetter.objects.filter(app=app)
    print(
        f"one worker (pool {args.pool}, concurrency {args.concurrency}, "
        f"prefetch x{args.prefetch}): {span['n']} attempts recorded, "
        f"{_Answer.received} received by the app\n"
        f"  {rate:,.0f} deliveries/s over {seconds:.2f} s (first to last recorded attempt; "
        f"target >= 500/s)\n"
        f"  every message exactly once: {'yes' if ok else 'NO'}"
    )
    if cpu_start is not None and cpu_end[0] > cpu_start[0]:
        # CPU time is not inflated by other processes' load, unlike the rate: per delivery, the
        # worker's (all its threads) and this process's (the local app, and this poll loop).
        per = max(span["n"] - cpu_start[2], 1)
        worker_ms = 1000 * (cpu_end[0] - cpu_start[0]) / per
        app_ms = 1000 * (cpu_end[1] - cpu_start[1]) / per
        print(
            f"  CPU per delivery: worker {worker_ms:.2f} ms, local app {app_ms:.2f} ms "
            f"(one core of worker CPU: ~{1000 / worker_ms:,.0f} deliveries/s); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
