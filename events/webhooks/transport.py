"""The HTTP client that calls apps: one request, one connection, one deadline, no surprises.

What it guarantees (SPEC-events §4):

* **SSRF guard.** The URL is parsed the way a browser parses it (``ada-url``, WHATWG: ``0x7f.1``
  is ``127.0.0.1`` here too), the host is resolved **once**, and the call is refused if *any*
  resolved address is loopback, private, link-local, shared (100.64/10), reserved, multicast or
  unspecified — IPv6 too, and the IPv4 hidden inside IPv6 forms (``::ffff:127.0.0.1``, 6to4,
  Teredo, NAT64). Then the socket connects to **the very address that was checked**: there is no
  second lookup, so no DNS-rebinding window. The ``Host`` header and, for https, the SNI name and
  the certificate check use the host name from the URL. ``EVENTS_WEBHOOK_ALLOW_PRIVATE`` (on in
  development and tests, off in production) lets loopback and private addresses through;
  multicast and unspecified addresses are refused even then.
* **Whole-call deadline.** ``timeout`` covers the lookup, connect, TLS handshake, sending, the
  headers and the body. Every blocking step gets the time *left*, recomputed before each
  ``recv``, so a server that trickles one byte at a time cannot stretch the call: the caller
  regains control within the timeout plus a few milliseconds.
* **No redirects** (a 3xx is refused: following one would leave the checked address), a
  **capped response** (64 KB by default; a larger ``Content-Length`` or body is refused without
  reading the rest) and capped response headers (16 KB).

Why raw sockets and ``h11`` rather than httpx or ``http.client``: httpx's and urllib3's timeouts
are per operation (each read may take the whole read timeout), so a trickling server defeats
them unless the call runs in a watchdog thread, and both resolve the host themselves, so
connecting to the checked address needs a custom transport anyway. ``http.client`` reads through
a buffered file whose ``recv`` calls we cannot re-time. A socket we open ourselves (to the
checked IP) plus ``h11`` (the sans-I/O HTTP/1.1 parser under httpx and httpcore) keeps every
blocking call in this file, each with the remaining time, in about a hundred lines. One request
per connection (``Connection: close``): webhook calls are rare per app and the connect is
cheap next to the app's own work; pooling would complicate the deadline and the SSRF check.
"""

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import ada_url
import h11
from django.conf import settings

from events.models import Outcome

MAX_RESPONSE_BYTES = 64 * 1024
MAX_RESPONSE_HEADER_BYTES = 16 * 1024
_RECV_SIZE = 64 * 1024

# getaddrinfo has no timeout of its own: it runs here and the caller waits only the time left.
# A lookup that hangs keeps its thread until the resolver gives up; the caller does not wait.
_RESOLVER = ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook-dns")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TLS = ssl.create_default_context()

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TransportError(Exception):
    """The call failed. ``outcome`` is a :class:`~events.models.Outcome` value (``timeout``,
    ``network_error`` or ``refused``); a refused redirect carries its status and headers."""

    def __init__(
        self,
        outcome: str,
        message: str,
        *,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.status_code = status_code
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Response:
    status_code: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes


@dataclass(frozen=True)
class Target:
    """A parsed, resolved and checked URL: where to connect and what to say."""

    scheme: str  # "http" | "https"
    hostname: str  # for SNI and the certificate (no brackets)
    host_header: str  # host[:port] as the URL has it
    port: int
    path: str  # path and query
    addresses: tuple[IPAddress, ...] = field(default=())


def _embedded_ipv4(address: ipaddress.IPv6Address) -> Iterator[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 one carries, which a router may end up delivering to."""
    if address.sixtofour is not None:
        yield address.sixtofour
    if address.teredo is not None:
        yield address.teredo[1]
    if address in _NAT64:
        yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why we refuse to connect to ``address``, or ``None`` when it is fine."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified or address.is_multicast:
        return f"{address} is not a destination address"
    if allow_private:
        return None
    for name in ("loopback", "link_local", "private", "reserved"):
        if getattr(address, f"is_{name}"):
            return f"{address} is a {name.replace('_', '-')} address"
    if not address.is_global:
        return f"{address} is not a public address"
    if isinstance(address, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(address):
            reason = address_refusal(inner, allow_private=False)
            if reason:
                return f"{address} carries {inner}: {reason}"
    return None


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TransportError(Outcome.TIMEOUT, "timed out")
    return left


def _resolve(hostname: str, port: int, deadline: float) -> list[IPAddress]:
    try:
        infos = _RESOLVER.submit(socket.getaddrinfo, hostname, port, 0, socket.SOCK_STREAM).result(
            timeout=_remaining(deadline)
        )
    except FutureTimeout:
        raise TransportError(Outcome.TIMEOUT, f"timed out resolving {hostname}") from None
    except OSError as error:
        raise TransportError(Outcome.NETWORK_ERROR, f"cannot resolve {hostname}: {error}") from None
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise TransportError(Outcome.NETWORK_ERROR, f"{hostname} has no address")
    return found


def resolve(url: str, *, deadline: float, allow_private: bool | None = None) -> Target:
    """Parse ``url``, resolve its host once and check every address (see the module doc)."""
    if allow_private is None:
        allow_private = settings.EVENTS_WEBHOOK_ALLOW_PRIVATE
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        raise TransportError(Outcome.REFUSED, f"not a valid URL: {url!r}") from None
    scheme = parsed.protocol.rstrip(":")
    if scheme not in ("http", "https"):
        raise TransportError(Outcome.REFUSED, f"only http and https URLs are called, not {scheme}")
    if parsed.username or parsed.password:
        raise TransportError(Outcome.REFUSED, "URLs with a user name or password are refused")
    hostname = parsed.hostname.strip("[]")
    port = int(parsed.port or (443 if scheme == "https" else 80))
    if parsed.host_type == 0:  # a domain name (1 is IPv4, 2 is IPv6)
        addresses = _resolve(hostname.rstrip("."), port, deadline)
    else:
        addresses = [ipaddress.ip_address(hostname)]
    for address in addresses:
        reason = address_refusal(address, allow_private=allow_private)
        if reason:
            raise TransportError(Outcome.REFUSED, f"{hostname} refused: {reason}")
    return Target(
        scheme=scheme,
        hostname=hostname.rstrip("."),
        host_header=parsed.host,
        port=port,
        path=(parsed.pathname or "/") + parsed.search,
        addresses=tuple(addresses),
    )


def _connect(target: Target, deadline: float, tls: ssl.SSLContext) -> socket.socket:
    """A connection to the first checked address that answers (TLS set up for https)."""
    error: OSError | None = None
    for address in target.addresses:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(_remaining(deadline))
            sock.connect((str(address), target.port))
        except TimeoutError:
            sock.close()
            raise TransportError(Outcome.TIMEOUT, f"timed out connecting to {address}") from None
        except OSError as failure:
            sock.close()
            error = failure
            continue
        except BaseException:
            sock.close()
            raise
        break
    else:
        raise TransportError(Outcome.NETWORK_ERROR, f"cannot connect: {error}")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if target.scheme == "http":
        return sock
    try:
        wrapped = tls.wrap_socket(
            sock, server_hostname=target.hostname, do_handshake_on_connect=False
        )
        # CPython's ssl module applies the socket timeout as a deadline for the whole handshake.
        wrapped.settimeout(_remaining(deadline))
        wrapped.do_handshake()
    except TimeoutError:
        sock.close()
        raise TransportError(Outcome.TIMEOUT, "timed out in the TLS handshake") from None
    except (OSError, ssl.SSLError) as failure:
        sock.close()
        raise TransportError(Outcome.NETWORK_ERROR, f"TLS failed: {failure}") from None
    except BaseException:
        sock.close()
        raise
    return wrapped


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _exchange(
    sock: socket.socket, conn: h11.Connection, wire: bytes, deadline: float, max_body: int
) -> Response:
    """Send the serialised request ``wire``, then read the answer, each step in the time left."""
    view = memoryview(wire)
    while view:
        sock.settimeout(_remaining(deadline))
        sent = sock.send(view)
        view = view[sent:]
    status: int | None = None
    headers: dict[str, str] = {}
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            sock.settimeout(_remaining(deadline))
            conn.receive_data(sock.recv(_RECV_SIZE))
        elif isinstance(event, h11.InformationalResponse):
            continue
        elif isinstance(event, h11.Response):
            status, headers = event.status_code, _headers(event.headers.raw_items())
            if 300 <= status < 400:
                location = headers.get("location", "")
                raise TransportError(
                    Outcome.REFUSED,
                    f"redirects are not followed ({status} to {location or 'nowhere'})",
                    status_code=status,
                    headers=headers,
                )
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > max_body:
                raise TransportError(
                    Outcome.REFUSED,
                    f"response body of {length} bytes is over the {max_body}-byte limit",
                    status_code=status,
                    headers=headers,
                )
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > max_body:
                raise TransportError(
                    Outcome.REFUSED,
                    f"response body is over the {max_body}-byte limit",
                    status_code=status,
                    headers=headers,
                )
        elif isinstance(event, h11.EndOfMessage):
            assert status is not None  # noqa: S101 (h11 sends Response before EndOfMessage)
            return Response(status_code=status, headers=headers, body=bytes(body))
        else:  # ConnectionClosed before the end of the response
            raise TransportError(Outcome.NETWORK_ERROR, "connection closed mid-response")


def request(
    url: str,
    *,
    method: str = "POST",
    headers: Mapping[str, str],
    body: bytes = b"",
    timeout: float,
    max_body: int = MAX_RESPONSE_BYTES,
    allow_private: bool | None = None,
    tls: ssl.SSLContext | None = None,
) -> Response:
    """Send one request to ``url`` and return the whole response, or raise
    :class:`TransportError`. Any status that is not a redirect is returned: the caller decides
    what a 4xx or 5xx means. ``timeout`` (seconds) bounds the whole call."""
    deadline = time.monotonic() + timeout
    target = resolve(url, deadline=deadline, allow_private=allow_private)
    items = [("host", target.host_header), *headers.items()]
    if method != "GET" or body:
        items.append(("content-length", str(len(body))))
    items.append(("connection", "close"))
    conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_RESPONSE_HEADER_BYTES)
    try:
        events: list[h11.Request | h11.Data | h11.EndOfMessage] = [
            h11.Request(method=method, target=target.path, headers=items)
        ]
        events += [h11.Data(data=body)] if body else []
        wire = b"".join(conn.send(event) or b"" for event in [*events, h11.EndOfMessage()])
    except h11.LocalProtocolError as error:
        raise TransportError(Outcome.REFUSED, f"invalid request: {error}") from None
    sock = _connect(target, deadline, tls or _TLS)
    try:
        return _exchange(sock, conn, wire, deadline, max_body)
    except TimeoutError:
        raise TransportError(Outcome.TIMEOUT, "timed out waiting for the answer") from None
    except h11.RemoteProtocolError as error:
        raise TransportError(Outcome.NETWORK_ERROR, f"invalid HTTP answer: {error}") from None
    except (OSError, ssl.SSLError) as error:
        raise TransportError(Outcome.NETWORK_ERROR, f"connection failed: {error}") from None
    finally:
        sock.close()
