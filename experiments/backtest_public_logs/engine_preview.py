"""Preview of a proposed engine change, for measuring its effect on the back-tests only.

Proposed (for the lead, who owns ``sim/engine`` and ``sim/model``): ``Scenario`` gets
``warmup_arrival_scale`` (the arrival scale before the warm-up ends; ``None`` = ``arrival_scale``),
so that the back-test can run the training period at the calibrated rate and scale only the test
period to the held-out volume. Today one ``arrival_scale`` applies to the whole run, so a test
period quieter or busier than training also changes the warm-up's backlog.

``enable()`` emulates it without touching ``sim/``: it wraps each replication's inter-arrival
draws so that gaps drawn during the warm-up are multiplied by ``arrival_scale`` (which the engine
then divides out again): the warm-up runs at the model's own rate. (The switch happens at the
first arrival after the warm-up ends, one gap late at most.) Never imported by ``sim/``.
"""

from __future__ import annotations

from sim.engine import runner

_ORIGINAL_INIT = runner.Replication.__init__


class _WarmupRate:
    def __init__(self, draws, rep) -> None:
        self.draws = draws
        self.rep = rep

    def __call__(self) -> float:
        sc = self.rep.scenario
        g = self.draws()
        if self.rep.env.now < sc.warmup_hours:
            return g * sc.arrival_scale
        return g


def _init(self, *args, **kwargs) -> None:
    _ORIGINAL_INIT(self, *args, **kwargs)
    self.interarrival = _WarmupRate(self.interarrival, self)


def enable() -> None:
    """Run warm-ups at the model's own arrival rate (see the module docstring)."""
    runner.Replication.__init__ = _init


# Timers on a calendar, previewed here until 2026-12-02, are in the engine now (``Step.calendar``).
