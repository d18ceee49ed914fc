"""A real local HTTP server standing in for a third-party app, in a thread.

Each path gets a behaviour (answer at once, slowly, trickling, redirecting, oversized, 410, a
signature check with the independent ``standardwebhooks`` library…); every request is kept with
its headers and body. Used by the webhook tests and the benchmark.
"""

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.monotonic() when it arrived


Behaviour = Callable[["Handler", Received], None]


class Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        received = Received(
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            at=time.monotonic(),
        )
        app: AppServer = self.server.app
        with app.lock:
            app.requests.append(received)
        behaviour = app.routes.get(self.path.split("?", 1)[0], app.default)
        # A client that gave up (a timeout test) closes the connection: that is the point.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            behaviour(self, received)

    do_POST = _handle
    do_GET = _handle

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    app: "AppServer"


class _Server6(_Server):
    address_family = socket.AF_INET6


# --- behaviours --------------------------------------------------------------------------------


def answer(status: int = 200, data: Any = None, *, raw: bytes | None = None, delay: float = 0):
    """Answer ``status`` with ``data`` as JSON (or ``raw`` bytes) after ``delay`` seconds."""
    body = raw if raw is not None else (json.dumps(data).encode() if data is not None else b"")

    def behaviour(handler: Handler, received: Received) -> None:
        if delay:
            time.sleep(delay)
        handler.send(status, body, {"Content-Type": "application/json"})

    return behaviour


def trickle(every: float = 0.1, total: int = 10_000):
    """Headers at once, then the body one byte every ``every`` seconds (never done in time)."""

    def behaviour(handler: Handler, received: Received) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(total))
        handler.end_headers()
        handler.wfile.flush()
        for _ in range(total):
            time.sleep(every)
            handler.wfile.write(b" ")
            handler.wfile.flush()

    return behaviour


def trickle_headers(every: float = 0.1):
    """The status line and headers one byte at a time, forever."""

    def behaviour(handler: Handler, received: Received) -> None:
        for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 100_000:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)

    return behaviour


def redirect(to: str, status: int = 302):
    def behaviour(handler: Handler, received: Received) -> None:
        handler.send(status, b"", {"Location": to})

    return behaviour


def oversized(size: int, *, announce: bool = True):
    """A body of ``size`` bytes, with its Content-Length or (``announce=False``) chunked."""

    def behaviour(handler: Handler, received: Received) -> None:
        if announce:
            handler.send(200, b"x" * size, {"Content-Type": "application/json"})
            return
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"x" * 4096
        sent = 0
        while sent < size:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()

    return behaviour


def verifying(secret: str, data: Any = None):
    """Answer 200 (``data``) only when the Standard Webhooks signature checks out with
    ``secret`` (the independent library), else 401."""

    def behaviour(handler: Handler, received: Received) -> None:
        try:
            Webhook(secret).verify(received.body, received.headers)
        except WebhookVerificationError as error:
            handler.send(401, json.dumps({"error": str(error)}).encode())
            return
        handler.send(200, json.dumps(data if data is not None else {}).encode())

    return behaviour


class AppServer:
    """``with AppServer() as app: app.route("/hooks/x", answer(200, {...}))``."""

    def __init__(self, host: str = "127.0.0.1", *, tls: ssl.SSLContext | None = None) -> None:
        server_class = _Server6 if ":" in host else _Server
        self.server = server_class((host, 0), Handler)
        if tls is not None:  # https: the handshake happens when a connection is accepted
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.server.app = self
        self.host = host
        self.port = self.server.server_address[1]
        self.routes: dict[str, Behaviour] = {}
        self.default: Behaviour = answer(200, {})
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def route(self, path: str, behaviour: Behaviour) -> None:
        self.routes[path] = behaviour

    def hits(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def start(self) -> "AppServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "AppServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def self_signed(tmp_dir: Path, *names: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for the DNS ``names``: (the server's context, a client context trusting
    only that certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_dir / "cert.pem", tmp_dir / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client
