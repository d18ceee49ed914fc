"""Links are read the way a browser reads them (WHATWG URL parsing with ada-url).

Each refused case is a way to make a host check and a browser disagree about where a link goes.
The same cases go through the API and the pages in tests/artists/test_hostile_text.py.
"""

import pytest
from django.core.exceptions import ValidationError

from umbrella.links import LinkError, LinkValidator, normalise

SPOTIFY = ("spotify.com",)

# (what is typed, why a naive check would be fooled)
BYPASSES = [
    # backslashes: a browser treats "\" as "/" in http(s) URLs, so the host is evil.com
    ("https://evil.com\\@spotify.com/", "backslash before userinfo"),
    ("https://evil.com\\\\@open.spotify.com/artist/1", "double backslash"),
    ("https:\\\\evil.com\\open.spotify.com", "backslashes as slashes"),
    # userinfo: everything before "@" is a user name, the host comes after
    ("https://open.spotify.com@evil.com/", "host as user name"),
    ("https://open.spotify.com:pw@evil.com/", "host as user name and password"),
    ("https://spotify.com%2f@evil.com/", "encoded slash in user name"),
    ("https://user@open.spotify.com/", "userinfo even on the right host"),
    # IDN look-alikes: Cyrillic letters, punycode of them
    ("https://sp\u043etify.com/", "Cyrillic o"),
    ("https://\u0455\u0440\u043et\u0456f\u0443.com/", "mostly Cyrillic"),
    ("https://xn--sptify-xqf.com/", "punycode of the Cyrillic look-alike"),
    ("https://open.spotify.com.xn--80ak6aa92e.com/", "right name under a look-alike domain"),
    # encoded and extra dots
    ("https://spotify%2ecom.evil.com/", "encoded dot makes a sub-domain of evil.com"),
    ("https://open.spotify.com%2eevil.com/", "encoded dot glues the names"),
    ("https://open.spotify.com../", "empty label"),
    # ports
    ("https://open.spotify.com:8443/artist/1", "non-default port"),
    ("https://open.spotify.com:0/", "port zero"),
    # look-alike suffixes and prefixes
    ("https://spotify.com.evil.com/", "allowed name as a prefix"),
    ("https://evilspotify.com/", "allowed name as a suffix without a dot"),
    # schemes
    ("javascript:alert(1)", "javascript"),
    ("JavaScript:alert(1)//open.spotify.com", "javascript, mixed case"),
    ("data:text/html,<script>alert(1)</script>", "data"),
    ("ftp://open.spotify.com/", "ftp"),
    # protocol-relative: read against our https, so the host is evil.com
    ("//evil.com/open.spotify.com", "protocol-relative"),
    ("\\\\evil.com\\@spotify.com", "protocol-relative with backslashes"),
    # whitespace and control characters, which a browser strips silently
    ("https://open.spotify.com\t.evil.com/", "tab inside the host"),
    ("https://evil.com\n@spotify.com/", "newline"),
    ("java\nscript:alert(1)", "newline inside the scheme"),
    ("https://spo\u200btify.com/", "zero-width space"),
    ("https://\u202emoc.yfitops/", "right-to-left override"),
    ("https://open.spotify.com\x00.evil.com/", "NUL"),
    # IP addresses (also in disguise)
    ("https://127.0.0.1/", "IPv4"),
    ("https://0x7f.1/", "IPv4 in hex"),
    ("https://[::1]/", "IPv6"),
]


@pytest.mark.parametrize(("typed", "why"), BYPASSES, ids=[why for _, why in BYPASSES])
def test_bypasses_of_the_host_check_are_refused(typed, why):
    with pytest.raises(LinkError):
        normalise(typed, hosts=SPOTIFY)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://open.spotify.com/artist/1", "https://open.spotify.com/artist/1"),
        ("HTTPS://OPEN.SPOTIFY.COM/artist/AbC", "https://open.spotify.com/artist/AbC"),
        ("open.spotify.com/artist/1", "https://open.spotify.com/artist/1"),
        ("//open.spotify.com/artist/1", "https://open.spotify.com/artist/1"),
        ("https://open.spotify.com./artist/1", "https://open.spotify.com/artist/1"),
        ("https://open.spotify.com:443/artist/1", "https://open.spotify.com/artist/1"),
        ("http://open.spotify.com:80/", "http://open.spotify.com/"),
        ("https://open%2espotify.com/x", "https://open.spotify.com/x"),  # what a browser opens
        # a backslash ends the host: a browser opens open.spotify.com, and so do we
        ("https://open.spotify.com\\.evil.com/", "https://open.spotify.com/.evil.com/"),
        ("https://open.spotify.com/a b?q=1#frag", "https://open.spotify.com/a%20b?q=1"),
        ("  https://spotify.com  ", "https://spotify.com/"),
        # full-width letters: IDNA maps them to ASCII, in Chromium as here
        ("https://\uff53\uff50\uff4f\uff54\uff49\uff46\uff59.com/", "https://spotify.com/"),
    ],
)
def test_good_links_are_stored_in_the_form_a_browser_opens(typed, stored):
    assert normalise(typed, hosts=SPOTIFY) == stored


def test_any_host_is_fine_without_an_allowlist_but_idn_is_stored_as_punycode():
    assert normalise("Müller-Band.de/tour") == "https://xn--mller-band-9db.de/tour"
    assert normalise("https://sp\u043etify.com/") == "https://xn--sptify-xqf.com/"


def test_a_host_must_have_a_dot():
    with pytest.raises(LinkError):
        normalise("https://localhost/")


def test_the_model_validator_applies_the_same_rule():
    validator = LinkValidator(SPOTIFY)

    validator("https://open.spotify.com/artist/1")
    with pytest.raises(ValidationError):
        validator("https://evil.com\\@spotify.com/")
    assert validator == LinkValidator(("spotify.com",))
    assert validator != LinkValidator(())
