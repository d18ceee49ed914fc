"""Links people give us, read the way a browser reads them.

A link is parsed with the WHATWG URL standard (``ada-url``, the parser in Node.js), so the host we
check is the host a browser would open: ``https://evil.com\\@spotify.com/`` is ``evil.com`` here
as it is in Chromium, not ``spotify.com`` as :func:`urllib.parse.urlsplit` says. The normalised
form (lower-case punycode host, default port dropped, percent-encoding fixed, no fragment) is what
gets stored and shown.

Refused: anything but http and https; a user name or password in the link; a port; an IP address
or a host without a dot; control, format (bidi, zero-width) and other invisible characters; a host
outside the allowed list (when there is one). A trailing dot on the host is dropped.
"""

import re
import unicodedata
from collections.abc import Iterable

import ada_url
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# A scheme as the URL standard spells it ("https:", "javascript:", "data:").
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_HOST_DOMAIN = 0  # ada_url's host_type for a domain name (1 is IPv4, 2 is IPv6)


class LinkError(ValueError):
    """A link we refuse; the message is for the person who typed it."""


def _has_hidden(value: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in value)


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """``host`` is one of ``allowed`` or a sub-domain of one (``open.spotify.com``)."""
    return any(host == name or host.endswith(f".{name}") for name in allowed)


def normalise(value: str, *, hosts: Iterable[str] = ()) -> str:
    """The link as a browser would open it, or :class:`LinkError`.

    A missing scheme means https (``novareyes.com/tour``, ``//novareyes.com``). With ``hosts``,
    the link must point at one of those hosts or a sub-domain of one.
    """
    value = value.strip()
    if not value:
        return ""
    if _has_hidden(value):
        raise LinkError("Links cannot contain control or invisible characters.")
    if value.startswith(("/", "\\")):
        value = f"https:{value}"  # protocol-relative: a browser would keep our own https
    elif not _SCHEME.match(value):
        value = f"https://{value}"
    try:
        url = ada_url.URL(value)
    except ValueError as error:
        raise LinkError("Enter a valid link.") from error
    if url.protocol not in ("http:", "https:"):
        raise LinkError("Only http and https links are allowed.")
    if url.username or url.password:
        raise LinkError("Links cannot contain a user name or password.")
    if url.port:
        raise LinkError("Links cannot name a port.")
    if url.host_type != _HOST_DOMAIN:
        raise LinkError("Use a domain name, not an IP address.")
    host = url.hostname
    if host.endswith("."):
        host = host[:-1]
        url.hostname = host
    if "." not in host or "" in host.split("."):
        raise LinkError("Enter a valid link.")
    allowed = tuple(hosts)
    if allowed and not host_allowed(host, allowed):
        raise LinkError(f"This should be a link to {' or '.join(allowed)}.")
    url.hash = ""
    return url.href


@deconstructible
class LinkValidator:
    """Model validator: the stored link parses as an allowed http(s) link (see :func:`normalise`).

    Doors that skip the service (admin) are held to the same rule as the API and pages.
    """

    def __init__(self, hosts: tuple[str, ...] = ()) -> None:
        self.hosts = tuple(hosts)

    def __call__(self, value: str) -> None:
        try:
            normalise(value, hosts=self.hosts)
        except LinkError as error:
            raise ValidationError(str(error), code="invalid_link") from error

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinkValidator) and other.hosts == self.hosts

    def __hash__(self) -> int:
        return hash(self.hosts)
