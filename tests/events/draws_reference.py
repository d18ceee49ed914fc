"""An independent reimplementation of the verifiable draw, written from docs/draws.md alone (it
does not import ``events.draws``): what any third party would write to check a draw."""

import hashlib
import hmac


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def chain_ok(revealed_hex: str, k: int, commitment_hex: str) -> bool:
    """SHA-256 applied k times to the revealed element's 32 bytes gives the commitment."""
    value = bytes.fromhex(revealed_hex)
    for _ in range(k):
        value = sha256(value)
    return value.hex() == commitment_hex


def entrants_digest(ids: list[int]) -> str:
    text = "\n".join(str(i) for i in sorted(ids))
    return sha256(text.encode("ascii")).hex()


def u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def winners(revealed_hex: str, ids: list[int], prize_id: int, k: int, count: int) -> list[int]:
    key = bytes.fromhex(revealed_hex)
    h = bytes.fromhex(entrants_digest(ids))
    words: list[int] = []
    counter = 0

    def next_word() -> int:
        nonlocal counter
        if not words:
            msg = b"umbrella-draw-v1" + h + u64(prize_id) + u64(k) + u64(counter)
            digest = hmac.new(key, msg, "sha256").digest()
            words.extend(int.from_bytes(digest[i : i + 4], "big") for i in range(28, -4, -4))
            counter += 1
        return words.pop()

    def uniform(n: int) -> int:
        limit = 2**32 - (2**32 % n)
        while True:
            x = next_word()
            if x < limit:
                return x % n

    a = sorted(ids)
    for i in range(count):
        j = i + uniform(len(a) - i)
        a[i], a[j] = a[j], a[i]
    return a[:count]
