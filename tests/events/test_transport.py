"""The webhook HTTP client against real local servers: one deadline for the whole call, no
redirects, capped answers, TLS checked against the host name, and the SSRF guard (resolve
once, refuse private addresses, connect to the checked address).

DNS is the only thing replaced (``socket.getaddrinfo``, outside this machine's code): that is
how a test makes ``app.test`` resolve where it wants, and change its mind (rebinding)."""

import contextlib
import ipaddress
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from events.models import Outcome
from events.webhooks.transport import (
    MAX_RESPONSE_BYTES,
    TransportError,
    address_refusal,
    request,
    resolve,
)
from tests.events.appserver import (
    AppServer,
    answer,
    oversized,
    redirect,
    self_signed,
    trickle,
    trickle_headers,
)

TIMEOUT = 1.0
SLACK = 0.5  # the contract: the caller is back within the timeout plus this


def _post(url: str, **kw: object):
    return request(url, headers={"content-type": "application/json"}, body=b"{}", **kw)


def _timed_failure(url: str, **kw: object) -> tuple[TransportError, float]:
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        _post(url, timeout=TIMEOUT, **kw)
    return caught.value, time.monotonic() - started


@pytest.fixture
def server() -> Iterator[AppServer]:
    with AppServer() as app:
        yield app


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections and never says a word (a stalled app, or a TLS handshake that never
    comes). Yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


@pytest.fixture
def dns(monkeypatch) -> dict[str, list[list[str]]]:
    """``app.test``-style names resolve to what the test puts here: one list of addresses per
    lookup, the last one repeating. Other names resolve as usual."""
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    answers["__lookups__"] = lookups  # type: ignore[assignment]
    return answers


# --- answers ------------------------------------------------------------------------------------


def test_an_answer_comes_back_whole_with_its_headers(server):
    server.route("/hooks/x", answer(201, {"accept": True}))
    response = _post(f"{server.base_url}/hooks/x?room=1", timeout=TIMEOUT)
    assert response.status_code == 201
    assert response.body == b'{"accept": true}'
    assert response.headers["content-type"] == "application/json"
    sent = server.hits("/hooks/x")[0]
    assert sent.path == "/hooks/x?room=1"
    assert sent.headers["host"] == f"127.0.0.1:{server.port}"
    assert sent.body == b"{}"


def test_a_get_without_a_body_works_too(server):
    """What the health checks send: ``GET {base_url}/health``."""
    server.route("/health", answer(200, {"status": "ok"}))
    response = request(f"{server.base_url}/health", method="GET", headers={}, timeout=TIMEOUT)
    assert (response.status_code, response.body) == (200, b'{"status": "ok"}')
    assert "content-length" not in server.hits("/health")[0].headers


def test_errors_are_returned_for_the_caller_to_judge(server):
    server.route("/hooks/x", answer(503, {"error": "busy"}))
    assert _post(f"{server.base_url}/hooks/x", timeout=TIMEOUT).status_code == 503


def test_a_body_of_exactly_the_limit_is_accepted(server):
    server.route("/hooks/x", oversized(MAX_RESPONSE_BYTES))
    assert len(_post(f"{server.base_url}/hooks/x", timeout=TIMEOUT).body) == MAX_RESPONSE_BYTES


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "chunked"])
def test_a_larger_body_is_refused(server, announce):
    server.route("/hooks/x", oversized(MAX_RESPONSE_BYTES + 1, announce=announce))
    error, _ = _timed_failure(f"{server.base_url}/hooks/x")
    assert error.outcome == Outcome.REFUSED
    assert "limit" in error.message
    assert error.status_code == 200


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_refused_not_followed(server, status):
    server.route("/hooks/x", redirect("/hooks/elsewhere", status))
    error, _ = _timed_failure(f"{server.base_url}/hooks/x")
    assert error.outcome == Outcome.REFUSED
    assert error.status_code == status
    assert error.headers["location"] == "/hooks/elsewhere"
    assert server.hits("/hooks/elsewhere") == []


def test_a_closed_port_is_a_network_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error, _ = _timed_failure(f"http://127.0.0.1:{port}/hooks/x")
    assert error.outcome == Outcome.NETWORK_ERROR


def test_a_non_http_answer_is_a_network_error():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def garbage() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        conn.close()

    thread = threading.Thread(target=garbage, daemon=True)
    thread.start()
    error, _ = _timed_failure(f"http://127.0.0.1:{listener.getsockname()[1]}/")
    thread.join()
    listener.close()
    assert error.outcome == Outcome.NETWORK_ERROR


# --- the deadline -------------------------------------------------------------------------------


def test_a_slow_app_times_out_within_the_timeout_plus_half_a_second(server):
    server.route("/hooks/x", answer(200, {}, delay=3))
    error, took = _timed_failure(f"{server.base_url}/hooks/x")
    assert error.outcome == Outcome.TIMEOUT
    assert TIMEOUT - 0.05 <= took < TIMEOUT + SLACK


def test_a_body_trickled_byte_by_byte_cannot_stretch_the_call(server):
    server.route("/hooks/x", trickle(every=0.05))  # each byte well inside any per-read timeout
    error, took = _timed_failure(f"{server.base_url}/hooks/x")
    assert error.outcome == Outcome.TIMEOUT
    assert took < TIMEOUT + SLACK


def test_headers_trickled_byte_by_byte_cannot_stretch_the_call(server):
    server.route("/hooks/x", trickle_headers(every=0.05))
    error, took = _timed_failure(f"{server.base_url}/hooks/x")
    assert error.outcome == Outcome.TIMEOUT
    assert took < TIMEOUT + SLACK


def test_an_app_that_never_answers_times_out():
    with silent_server() as port:
        error, took = _timed_failure(f"http://127.0.0.1:{port}/hooks/x")
    assert error.outcome == Outcome.TIMEOUT
    assert took < TIMEOUT + SLACK


def test_a_tls_handshake_that_never_comes_times_out(dns):
    dns["app.test"] = [["127.0.0.1"]]
    with silent_server() as port:
        error, took = _timed_failure(f"https://app.test:{port}/hooks/x")
    assert error.outcome == Outcome.TIMEOUT
    assert took < TIMEOUT + SLACK


def test_a_dns_lookup_that_hangs_times_out(monkeypatch):
    def hanging(*args, **kwargs):
        time.sleep(3)
        raise socket.gaierror("too late")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    error, took = _timed_failure("http://slow-dns.test/hooks/x")
    assert error.outcome == Outcome.TIMEOUT
    assert took < TIMEOUT + SLACK


# --- TLS ----------------------------------------------------------------------------------------


def test_https_connects_to_the_checked_address_with_sni_and_checks_the_certificate(tmp_path, dns):
    server_tls, client_tls = self_signed(tmp_path, "app.test")
    dns["app.test"] = [["127.0.0.1"]]
    with AppServer(tls=server_tls) as server:
        server.route("/hooks/x", answer(200, {"ok": True}))
        response = _post(f"https://app.test:{server.port}/hooks/x", timeout=TIMEOUT, tls=client_tls)
        assert response.body == b'{"ok": true}'
        assert server.hits("/hooks/x")[0].headers["host"] == f"app.test:{server.port}"


def test_a_certificate_for_another_name_is_refused(tmp_path, dns):
    server_tls, client_tls = self_signed(tmp_path, "other.test")
    dns["app.test"] = [["127.0.0.1"]]
    with AppServer(tls=server_tls) as server:
        error, _ = _timed_failure(f"https://app.test:{server.port}/hooks/x", tls=client_tls)
        assert server.requests == []
    assert error.outcome == Outcome.NETWORK_ERROR
    assert "certificate" in error.message.lower()


def test_an_untrusted_certificate_is_refused(tmp_path, dns):
    server_tls, _client_tls = self_signed(tmp_path, "app.test")
    dns["app.test"] = [["127.0.0.1"]]
    with AppServer(tls=server_tls) as server:
        error, _ = _timed_failure(f"https://app.test:{server.port}/hooks/x")  # system CAs
    assert error.outcome == Outcome.NETWORK_ERROR


# --- SSRF ---------------------------------------------------------------------------------------

REFUSED_IN_PRODUCTION = [
    "http://127.0.0.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://localhost/",
    # the same places spelled otherwise (a browser-grade parser reads them as they are)
    "http://127.1/",
    "http://0x7f.0.0.1/",
    "http://2130706433/",
    "http://[::ffff:7f00:1]/",
    "http://LOCALHOST./",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # shared address space (carrier NAT)
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[2002:7f00:1::1]/",  # 6to4 wrapping 127.0.0.1
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
]


@pytest.mark.parametrize("url", REFUSED_IN_PRODUCTION)
def test_private_destinations_are_refused_when_the_setting_is_off(settings, url):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(TransportError) as caught:
        resolve(url, deadline=time.monotonic() + TIMEOUT)
    assert caught.value.outcome == Outcome.REFUSED


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/",
        "http://10.0.0.1/",
        "http://localhost/",
    ],
)
def test_private_destinations_are_allowed_when_the_setting_is_on(settings, url):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    target = resolve(url, deadline=time.monotonic() + TIMEOUT)
    assert target.addresses
    assert all(not a.is_global for a in target.addresses)


@pytest.mark.parametrize("url", ["http://224.0.0.1/", "http://0.0.0.0/", "http://[::]/"])
def test_multicast_and_unspecified_are_refused_even_when_private_is_allowed(settings, url):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    with pytest.raises(TransportError):
        resolve(url, deadline=time.monotonic() + TIMEOUT)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"]
)
def test_public_addresses_pass(address):
    assert address_refusal(ipaddress.ip_address(address), allow_private=False) is None


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/x", "http://user:pw@8.8.8.8/", "http://[::1"])
def test_other_schemes_credentials_and_broken_urls_are_refused(url):
    with pytest.raises(TransportError) as caught:
        resolve(url, deadline=time.monotonic() + TIMEOUT)
    assert caught.value.outcome == Outcome.REFUSED


def test_a_refused_call_never_reaches_the_server(settings, server):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = False
    error, _ = _timed_failure(f"{server.base_url}/hooks/x")
    assert error.outcome == Outcome.REFUSED
    assert server.requests == []
    localhost = server.base_url.replace("127.0.0.1", "localhost")
    error, _ = _timed_failure(f"{localhost}/hooks/x")
    assert error.outcome == Outcome.REFUSED
    assert server.requests == []


def test_one_bad_address_among_good_ones_refuses_the_host(settings, dns):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = False
    dns["mixed.test"] = [["93.184.215.14", "127.0.0.1"]]
    with pytest.raises(TransportError) as caught:
        resolve("https://mixed.test/hooks", deadline=time.monotonic() + TIMEOUT)
    assert "127.0.0.1" in caught.value.message


def test_the_host_is_resolved_once_and_the_checked_address_is_the_one_connected(server, dns):
    """DNS rebinding: the first answer is checked, later answers would point elsewhere; the
    call resolves once and connects to what it checked."""
    dns["rebind.test"] = [["127.0.0.1"], ["10.255.255.1"]]
    server.route("/hooks/x", answer(200, {"ok": True}))
    response = _post(f"http://rebind.test:{server.port}/hooks/x", timeout=TIMEOUT)
    assert response.status_code == 200
    assert dns["__lookups__"] == ["rebind.test"]  # type: ignore[comparison-overlap]
    assert server.hits("/hooks/x")[0].headers["host"] == f"rebind.test:{server.port}"


def test_an_ipv4_mapped_address_reaches_the_ipv4_server_when_allowed(server):
    server.route("/hooks/x", answer(200, {}))
    url = f"http://[::ffff:127.0.0.1]:{server.port}/hooks/x"
    assert _post(url, timeout=TIMEOUT).status_code == 200


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_an_ipv6_app_is_reached_when_allowed():
    with AppServer("::1") as server:
        server.route("/hooks/x", answer(200, {"v6": True}))
        response = _post(f"{server.base_url}/hooks/x", timeout=TIMEOUT)
        assert response.body == b'{"v6": true}'
        assert server.hits("/hooks/x")[0].headers["host"] == f"[::1]:{server.port}"


@pytest.mark.parametrize(("env", "allowed"), [({}, True), ({"DEBUG": "false"}, False)])
def test_private_addresses_are_allowed_only_where_debug_is_on_by_default(env, allowed):
    """Read in a subprocess: the test process's settings are already made. Production has
    ``DEBUG`` off, so the guard is on there unless someone sets the variable."""
    read = "from umbrella import settings as s; print(s.EVENTS_WEBHOOK_ALLOW_PRIVATE)"
    result = subprocess.run(
        [sys.executable, "-c", read],
        cwd=Path(__file__).resolve().parents[2],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == str(allowed)
