"""Named random streams: a stream depends on (seed, replication, name) only."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np

from sim.random import as_generator, stream, stream_key


def test_stream_is_independent_of_creation_order_and_other_draws():
    a1 = stream(42, 0, "duration:a").random(100)
    # Create other streams first and draw from them: stream a is unchanged.
    b = stream(42, 0, "duration:b")
    b.random(1000)
    stream(42, 0, "arrivals").random(5)
    a2 = stream(42, 0, "duration:a").random(100)
    assert np.array_equal(a1, a2)


def test_streams_differ_by_name_replication_and_seed():
    base = stream(1, 0, "x").random(50)
    for other in (stream(1, 0, "y"), stream(1, 1, "x"), stream(2, 0, "x")):
        assert not np.array_equal(base, other.random(50))


def test_streams_are_uncorrelated():
    # Sample correlation of independent uniforms: |r| < 1.96 / sqrt(n) with 95 % probability.
    n = 20_000
    r = np.corrcoef(stream(3, 0, "a").random(n), stream(3, 0, "b").random(n))[0, 1]
    assert abs(r) < 1.96 / math.sqrt(n)
    r = np.corrcoef(stream(3, 0, "a").random(n), stream(3, 1, "a").random(n))[0, 1]
    assert abs(r) < 1.96 / math.sqrt(n)


def test_stream_key_does_not_depend_on_the_hash_seed():
    code = "from sim.random import stream_key; print(stream_key('duration:signing'))"
    out = set()
    for hash_seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        res = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        out.add(int(res.stdout))
    assert out == {stream_key("duration:signing")}
    assert 0 <= stream_key("x") < 2**32


def test_as_generator():
    g = np.random.default_rng(0)
    assert as_generator(g) is g
    assert np.array_equal(as_generator(7).random(5), np.random.default_rng(7).random(5))
    assert isinstance(as_generator(None), np.random.Generator)
