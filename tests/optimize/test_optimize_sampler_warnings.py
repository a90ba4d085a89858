"""The bundled TPE settings (multivariate, group, constant_liar) are "experimental" to Optuna,
which warned of them three times a run (QA 2026-12-05 optimize #9); the sampler is built
without those warnings."""

from __future__ import annotations

import warnings

import optuna

from sim.optimize.study import SamplerSpec


def test_the_bundled_tpe_settings_build_without_experimental_warnings():
    spec = SamplerSpec(
        "optuna.samplers.TPESampler",
        {"multivariate": True, "group": True, "constant_liar": True, "seed": 0},
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sampler = spec.build(None)
    assert isinstance(sampler, optuna.samplers.TPESampler)
    assert not [w for w in caught if issubclass(w.category, optuna.exceptions.ExperimentalWarning)]
