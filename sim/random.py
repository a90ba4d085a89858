"""Named random streams for common random numbers.

Every purpose (arrivals, segment draws, each step's durations and hand-off delays, each decision,
each patience) gets its own ``numpy.random.Generator``, derived from ``(seed, replication,
stream name)`` with ``numpy.random.SeedSequence``. The stream of a step depends only on the step's name, never on the
order in which streams are created, so two scenarios run with the same seed share their random
numbers wherever the model is the same (common random numbers), and a redesign that removes one
step leaves every other step's draws untouched. For branches, patience, hand-offs and timers,
the engine gives each case its own draw within the stream (``block_stream``: the case's number
picks a block and a place in it), so a change that reorders cases (more staff somewhere) leaves
each case's first branch, patience, hand-off and timer at every step as they were; a staffed
step's durations are drawn in the order its work starts.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> int:
    """A stable 32-bit integer for a stream name (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "little")


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator for stream ``name`` of replication ``replication`` under ``seed``."""
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(replication), stream_key(name)))
    return np.random.Generator(np.random.PCG64(ss))


def block_stream(seed: int, replication: int, name: str, block: int) -> np.random.Generator:
    """The generator for block ``block`` of stream ``name``: blocks are independent of each
    other and of the order in which they are asked for (see ``sim.engine.runner._PerCase``)."""
    ss = np.random.SeedSequence(
        entropy=int(seed), spawn_key=(int(replication), stream_key(name), int(block))
    )
    return np.random.Generator(np.random.PCG64(ss))


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """Turn a seed, a generator or None into a ``numpy.random.Generator`` (never a global seed)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)
