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
]
