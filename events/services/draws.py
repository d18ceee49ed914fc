"""Draws (docs/draws.md): the room's commitment, made when it is activated, and the draws.

:func:`commitment_create` runs in the activation's transaction, before anyone can join: a fresh
secret seed, the chain of :data:`~events.models.DRAW_CHAIN_LENGTH` links, c_N published as
``draw:committed {seed_hash}``.
"""

from events import draws, realtime
from events.models import DRAW_CHAIN_LENGTH, DrawCommitment, Room


def commitment_create(*, room: Room, chain_length: int = DRAW_CHAIN_LENGTH) -> DrawCommitment:
    """The room's commitment (one per room: activating twice keeps the first)."""
    existing = DrawCommitment.objects.filter(room=room).first()
    if existing is not None:
        return existing
    seed = draws.new_seed()
    commitment = DrawCommitment.objects.create(
        room=room,
        chain_length=chain_length,
        seed=seed,
        commitment=draws.chain_element(seed, chain_length),
    )
    realtime.publish(
        room,
        "draw:committed",
        {"seed_hash": commitment.commitment, "chain_length": chain_length},
    )
    return commitment
