"""Our link parser and Chromium agree on where a link goes.

Every link the service would store is parsed again by Chromium's own ``URL``: the host must be
the one we checked, and the stored form must come back unchanged (so what we show is what the
browser opens). The refused cases include the original bypass, where Chromium opens evil.com.
"""

import pytest

from tests.umbrella.test_links import BYPASSES, SPOTIFY
from umbrella.links import LinkError, normalise

pytestmark = pytest.mark.e2e

GOOD = [
    "https://open.spotify.com/artist/1",
    "HTTPS://OPEN.SPOTIFY.COM/artist/AbC",
    "https://open.spotify.com:443/artist/1",
    "https://open%2espotify.com/x",
    "https://open.spotify.com\\.evil.com/",
    "https://open.spotify.com/a b?q=1",
    "https://\uff53\uff50\uff4f\uff54\uff49\uff46\uff59.com/",
    "https://Müller-Band.de/tour",
    "https://xn--sptify-xqf.com/",
]
PARSE = """inputs => inputs.map(s => {
  try { const u = new URL(s); return {href: u.href, hostname: u.hostname}; }
  catch (e) { return null; }
})"""


def test_what_we_store_is_what_chromium_opens(browser):
    page = browser.new_page()
    typed = GOOD + [link for link, _ in BYPASSES]
    stored = {}
    for link in typed:
        try:
            stored[link] = normalise(link, hosts=() if "spotify" not in link else SPOTIFY)
        except LinkError:
            continue
    assert set(GOOD) <= set(stored)

    ours = list(stored.values())
    theirs = page.evaluate(PARSE, ours)

    for href, parsed in zip(ours, theirs, strict=True):
        assert parsed is not None, href
        assert parsed["href"] == href
    page.close()


def test_chromium_opens_evil_com_for_the_reported_bypass_and_we_refuse_it(browser):
    page = browser.new_page()
    link = "https://evil.com\\@spotify.com/"

    (parsed,) = page.evaluate(PARSE, [link])

    assert parsed["hostname"] == "evil.com"
    with pytest.raises(LinkError):
        normalise(link, hosts=SPOTIFY)
    page.close()
