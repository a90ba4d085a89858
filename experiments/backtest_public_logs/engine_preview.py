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


# ------------------------------------------------------------------ timers on a calendar
class _WorkingTimer:
    """A timer's draw in working hours of a calendar, turned into clock time at the moment the
    case reaches the timer (the engine draws right then)."""

    def __init__(self, draws, rep, cal) -> None:
        self.draws = draws
        self.rep = rep
        self.cal = cal

    def __call__(self) -> float:
        d = self.draws()
        if d <= 0:
            return d
        now = self.rep.env.now + self.rep.offset
        end = self.cal.inverse(self.cal.cumulative(now) + d)
        return max(end - now, 0.0)


def _init_timers(self, *args, **kwargs) -> None:
    _PREVIOUS_INIT(self, *args, **kwargs)
    cals = self.model.metadata.get("timer_calendars") or {}
    for name, cal_name in cals.items():
        if cal_name == "24/7" or name not in self.node_index:
            continue
        plan = self.plans[self.node_index[name]]
        plan.draw = _WorkingTimer(plan.draw, self, self.model.calendars[cal_name])


_PREVIOUS_INIT = None


def enable_working_timers() -> None:
    """Timer steps listed in ``metadata.timer_calendars`` run in working hours of their
    calendar (the proposed ``Step.calendar`` for role-less steps); use with
    ``calibrate_model(..., delay_time="working")``."""
    global _PREVIOUS_INIT
    _PREVIOUS_INIT = runner.Replication.__init__
    runner.Replication.__init__ = _init_timers
