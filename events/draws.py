"""The provably fair draw's arithmetic (docs/draws.md). Pure functions: no database, no clock.

The hash chain: c_0 = the room's secret seed (32 random bytes), c_(i+1) = SHA-256(c_i) over the
32 raw bytes; hex everywhere it is shown. c_N is the commitment published when the room is
activated; draw k reveals c_(N-k), and anyone checks SHA-256^k(c_(N-k)) = c_N.
"""

import hashlib
import secrets


def new_seed() -> str:
    return secrets.token_hex(32)


def chain_step(element_hex: str, steps: int = 1) -> str:
    """SHA-256 applied ``steps`` times to the raw bytes of ``element_hex``."""
    value = bytes.fromhex(element_hex)
    for _ in range(steps):
        value = hashlib.sha256(value).digest()
    return value.hex()


def chain_element(seed_hex: str, index: int) -> str:
    """c_index of the chain that starts at ``seed_hex`` (c_0)."""
    return chain_step(seed_hex, index)


def verifies(revealed_hex: str, k: int, commitment_hex: str) -> bool:
    """Does the element revealed by draw ``k`` lead to the commitment in ``k`` steps?"""
    try:
        return secrets.compare_digest(chain_step(revealed_hex, k), commitment_hex.lower())
    except ValueError:
        return False
