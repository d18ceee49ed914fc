"""The fuzz tests' seed and size, chosen once per run (no Django imports: the pytest header
reads it before Django is set up).

``FUZZ_SEED=<n>`` replays a run; without it a fresh seed is drawn and exported, so xdist workers,
which start later, share it. ``FUZZ_EXAMPLES`` sets the examples per operation and role.
"""

import os
import random
import zlib

SEED = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(2**32))
os.environ["FUZZ_SEED"] = str(SEED)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 3)


def derived_seed(*parts: str) -> int:
    """One seed per test item, so replaying one item does not depend on which others ran."""
    return SEED ^ zlib.crc32("|".join(parts).encode())


def replay_hint() -> str:
    return f"replay with FUZZ_SEED={SEED} FUZZ_EXAMPLES={EXAMPLES}"
