"""What the benchmark measures. To cover a new endpoint, append an ``Endpoint`` to ``ENDPOINTS``.

``target_ratio`` is the SPEC §14 floor for ``throughput / baseline throughput`` (``None``: report
only). Authenticated endpoints are called with the bench user's ``Authorization: Bearer`` token.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    auth: bool = False
    target_ratio: float | None = None
    expected_status: int = 200


# Every ratio is measured against this, in the same run and on the same server.
BASELINE = Endpoint("bare", "/bench/bare")

ENDPOINTS: list[Endpoint] = [
    Endpoint("health", "/api/v1/health"),
    Endpoint("me", "/api/v1/me", auth=True, target_ratio=0.60),
    # Discovery over the 20 000 artists of bench/seed.py (SPEC §14: search stays fast at 20k).
    # "velvet" is a stage-name word (195 artists, ~1 in 100) that bios and genres never use.
    Endpoint("search", "/api/v1/artists/?q=velvet", target_ratio=0.30),
    Endpoint("filter", "/api/v1/artists/?genre=jazz&city=Austin", target_ratio=0.30),
    # Records a profile view per viewer and day: the first request inserts, the rest find it.
    Endpoint("profile", "/api/v1/artists/bench-artist-00042", target_ratio=0.30),
]
