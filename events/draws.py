"""The provably fair draw's arithmetic (docs/draws.md). Pure functions: no database, no clock.

The hash chain: c_0 = the room's secret seed (32 random bytes), c_(i+1) = SHA-256(c_i) over the
32 raw bytes; hex everywhere it is shown. c_N is the commitment published when the room is
activated; draw k reveals c_(N-k), and anyone checks SHA-256^k(c_(N-k)) = c_N.
"""

import hashlib
import hmac
import secrets
import struct
from collections.abc import Iterable, Sequence


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


# --- the selection (docs/draws.md, "The selection") --------------------------------------------

# The first bytes of every HMAC message: the version of the algorithm.
DOMAIN = b"umbrella-draw-v1"
WORD = 2**32  # the stream is read as unsigned 32-bit big-endian integers


def entrants_bytes(entrant_ids: Iterable[int]) -> bytes:
    """The entrants as hashed: the ids sorted ascending, in decimal ASCII, joined by ``\\n``
    (no trailing newline; no entrants: no bytes)."""
    return "\n".join(str(int(pid)) for pid in sorted(entrant_ids)).encode("ascii")


def entrants_hash(entrant_ids: Iterable[int]) -> str:
    """H = SHA-256 of :func:`entrants_bytes`, hex."""
    return hashlib.sha256(entrants_bytes(entrant_ids)).hexdigest()


def block(
    revealed_hex: str, entrants_hash_hex: str, prize_id: int, number: int, counter: int
) -> bytes:
    """Block ``counter`` of the stream: HMAC-SHA-256 keyed by the 32 bytes of the revealed
    element over DOMAIN ‖ H (32 bytes) ‖ prize id ‖ draw number ‖ counter (each an unsigned
    64-bit big-endian integer): 72 bytes in, 32 out."""
    message = (
        DOMAIN + bytes.fromhex(entrants_hash_hex) + struct.pack(">QQQ", prize_id, number, counter)
    )
    return hmac.new(bytes.fromhex(revealed_hex), message, hashlib.sha256).digest()


class Stream:
    """The unsigned 32-bit words of blocks 0, 1, 2… in order, and unbiased integers from them."""

    def __init__(self, revealed_hex: str, entrants_hash_hex: str, prize_id: int, number: int):
        self._args = (revealed_hex, entrants_hash_hex, int(prize_id), int(number))
        self._counter = 0
        self._words: list[int] = []
        self.words_used = 0

    def word(self) -> int:
        if not self._words:
            data = block(*self._args, self._counter)
            self._counter += 1
            self._words = list(reversed(struct.unpack(">8I", data)))
        self.words_used += 1
        return self._words.pop()

    def below(self, n: int) -> int:
        """A uniform integer in [0, n) by rejection: words ≥ 2^32 - (2^32 mod n) are skipped."""
        if not 1 <= n <= WORD:
            raise ValueError("n must be in 1..2^32")
        bound = WORD - WORD % n
        while True:
            x = self.word()
            if x < bound:
                return x % n


def select(
    *,
    revealed_hex: str,
    entrant_ids: Iterable[int],
    prize_id: int,
    number: int,
    count: int,
    entrants_hash_hex: str | None = None,
) -> list[int]:
    """The winners of draw ``number`` of prize ``prize_id``: ``count`` distinct entrants by a
    partial Fisher-Yates shuffle of the sorted entrants, in the order drawn. ``entrants_hash_hex``:
    H when the caller has just computed it from the same entrants (saves hashing them twice)."""
    pool = sorted(int(pid) for pid in entrant_ids)
    digest = entrants_hash_hex if entrants_hash_hex is not None else entrants_hash(pool)
    return select_sorted(
        revealed_hex=revealed_hex,
        pool=pool,
        prize_id=prize_id,
        number=number,
        count=count,
        entrants_hash_hex=digest,
    )


def select_sorted(
    *,
    revealed_hex: str,
    pool: Sequence[int],
    prize_id: int,
    number: int,
    count: int,
    entrants_hash_hex: str,
) -> list[int]:
    """:func:`select` for entrants already sorted ascending (``pool``, not copied nor changed)
    and their hash. The same partial Fisher-Yates, kept sparse: only the positions the shuffle
    has touched are remembered, so a draw of ``count`` winners costs O(count), whatever the
    number of entrants."""
    if not 0 <= count <= len(pool):
        raise ValueError("count must be between 0 and the number of entrants")
    stream = Stream(revealed_hex, entrants_hash_hex, prize_id, number)
    moved: dict[int, int] = {}  # position -> the entrant now there, where it changed
    size = len(pool)
    winners: list[int] = []
    for i in range(count):
        j = i + stream.below(size - i)
        at_j = moved.get(j)
        at_i = moved.get(i)
        # swap a[i] and a[j]: a[i] (final from now on) is the winner, a[j] takes the old a[i]
        winners.append(int(pool[j]) if at_j is None else at_j)
        moved[j] = int(pool[i]) if at_i is None else at_i
    return winners


def check(
    *,
    commitment_hex: str,
    number: int,
    revealed_hex: str,
    entrant_ids: Sequence[int],
    entrants_hash_hex: str,
    prize_id: int,
    result: Sequence[int],
) -> dict[str, bool]:
    """What the verification page checks, server-side: the chain, the entrants' hash and the
    winners (recomputed with ``count = len(result)``)."""
    chain = verifies(revealed_hex, number, commitment_hex)
    entrants_ok = secrets.compare_digest(entrants_hash(entrant_ids), entrants_hash_hex.lower())
    try:
        again = select(
            revealed_hex=revealed_hex,
            entrant_ids=entrant_ids,
            prize_id=prize_id,
            number=number,
            count=len(result),
        )
    except ValueError:
        again = None
    return {"chain": chain, "entrants": entrants_ok, "winners": again == list(result)}
