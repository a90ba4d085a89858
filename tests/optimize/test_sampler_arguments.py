"""``optimizer.sampler.*``: a bad argument is named by its key (QA 11: every error said the
sampler "does not accept" all its arguments, valid ones included, whatever was wrong)."""

from __future__ import annotations

import pytest

from sim.errors import ConfigError
from sim.optimize import SamplerSpec

NSGA2 = "optuna.samplers.NSGAIISampler"


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"seed": "abc", "population_size": 4}, "optimizer.sampler.seed: expected an integer >= 0"),
        ({"seed": 1.5}, "optimizer.sampler.seed: expected an integer >= 0 or null, got 1.5"),
        ({"seed": True}, "optimizer.sampler.seed: expected an integer >= 0 or null, got True"),
        (
            {"seed": 0, "population_size": "abc"},
            "optimizer.sampler.population_size: expected a number (default 50), got 'abc'",
        ),
        (
            {"seed": 0, "populaton_size": 3},
            "does not accept ['populaton_size'] (did you mean 'population_size'?)",
        ),
    ],
)
def test_a_bad_sampler_argument_is_named_by_its_key(params, says):
    with pytest.raises(ConfigError) as caught:
        SamplerSpec(NSGA2, params).build(None)
    message = str(caught.value)
    assert says in message
    # a valid argument is not blamed beside the bad one
    if "populaton_size" in params:
        assert "'seed'" not in message.split("its arguments are")[0]


def test_a_valid_seed_and_null_build_the_sampler():
    assert SamplerSpec(NSGA2, {"seed": 3, "population_size": 4}).build(None) is not None
    assert SamplerSpec(NSGA2, {"seed": None}).build(None) is not None
