"""``python -m sim simulate``: replications of a model, KPIs with 95 % CIs, written to the run dir."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig
from scipy import optimize

from sim.cli.common import (
    config_bool,
    config_int,
    guard_run_dir,
    load_process,
    process_inputs,
    write_json,
    write_run_record,
    written_whole,
)
from sim.cli.overwrite import clear_earlier_run
from sim.cli.simulate_output import StreamedReplications
from sim.engine import check_scenario, run_replications
from sim.errors import ConfigError
from sim.eventlog import REPRODUCIBLE_GZIP
from sim.kpis import (
    format_report,
    kpi_report,
)
from sim.kpis.frames import with_integer_counts
from sim.kpis.summary import (
    SATURATED,
    _fmt,  # the console's mean-and-interval format
    offered_beyond_hours,
    roles_to_staff,
)
from sim.kpis.window import cap_stops
from sim.model import ProcessModel, save
from sim.model.off_shift import off_shift_note
from sim.model.scenario import HOURS_PER_DAY, Scenario, staffing_overrides
from sim.model.trace import Trace
from sim.model.transient import window_deficit
from sim.model.validate import uncosted_roles_note
from sim.model.views import (
    TARGET_UTILISATION,
    capped_joint_hours_warning,
    capped_overload_warning,
    impatient_roles,
    off_shift_warned_roles,
    offered_load,
    overloaded_roles,
    pre_run_warnings,
    suggest_staffing,
)

RESULTS = ("kpis.json", "replications.csv")


def _rounded(x: float, digits: int) -> float | None:
    return round(x, digits) if math.isfinite(x) else None


def staffing_suggestion(model: ProcessModel, scenario: Scenario, report: dict) -> dict | None:
    """For a run with saturated roles, or roles busy above ``TARGET_UTILISATION``
    (``roles_to_staff``), or roles offered more work than their hours however busy the run
    measured them (``sim.model.views.overloaded_roles``): the headcounts that carry each role's
    offered load (``sim.model.views.offered_load``, under the scenario's arrival scale and
    staffing) at most ``TARGET_UTILISATION`` busy (``suggest_staffing``), for ``kpis.json``;
    ``None`` when no role is that busy or loaded, or the routing has no estimate."""
    scale, staff = scenario.arrival_scale, scenario.staffing
    over = overloaded_roles(model, arrival_scale=scale, staffing=staff)
    names = list(dict.fromkeys([*roles_to_staff(report), *over]))
    if not names:
        return None
    try:
        loads = offered_load(
            model, arrival_scale=scenario.arrival_scale, staffing=scenario.staffing
        )
    except ValueError:  # cases can loop for ever: no mean work
        return None
    staffing = suggest_staffing(loads, names, target=TARGET_UTILISATION, at=SATURATED)
    impatient = impatient_roles(model)
    return {
        "target": TARGET_UTILISATION,
        "staffing": staffing,
        "offered_load": {
            r: {
                "work_hours_per_week": _rounded(loads[r].work_hours, 3),
                "hours_per_person_per_week": _rounded(loads[r].hours_per_person, 3),
                "people": _rounded(loads[r].people, 3),
                "utilisation": _rounded(loads[r].utilisation, 4),
                # the hours that utilisation weighs the work against, where not the scheduled
                # ones: a step's shared hours, or those of the people a step of several of the
                # role can take at once (QA cost17 #5)
                "bound_by": loads[r].binding,
                # roles that share its steps' cases (alternatives): its own figures count only
                # its share of those cases, not the overflow it takes (QA manager15 #2)
                "shares_cases_with": list(loads[r].relief_roles),
                "pooled_utilisation": _rounded(loads[r].pooled_utilisation, 4),
                # every step of it has a short patience: cases giving up bound its queue
                # (sim.model.views.impatient_roles)
                "relieved_by_patience": r in impatient,
                # the mean work's own headcount: where ``staffing`` is more, the rule of one
                # more person for a role measured above the target gave it (``_staffing_advice``)
                "headcount_at_target": loads[r].headcount_for(TARGET_UTILISATION),
            }
            for r, n in staffing.items()
            if n is not None
        },
    }


def _busy_roles_text(rows: dict[str, dict], names: list[str]) -> str:
    """'r is busy 99.1 % of its scheduled hours (2 people); ...' for the roles ``names``."""
    return "; ".join(
        f"{r} is busy {100 * rows[r]['utilisation']['mean']:.1f} % of its scheduled hours "
        f"({rows[r]['headcount']} {'person' if rows[r]['headcount'] == 1 else 'people'})"
        for r in names
    )


def _people_text(staffing: Mapping[str, int], load: Mapping[str, dict]) -> str:
    """'clerk 2.3, senior 0.4': the people's worth of work of each suggested role; where a role
    shares its steps' cases with others (alternatives), said: its figure counts only its share
    of those cases, not the overflow it takes or hands on (QA manager15 #2: 'parttime 0.0'
    beside a part-timer 87 % busy)."""
    roles = [r for r in staffing if r in load]
    text = ", ".join(f"{r} {load[r]['people']:.1f}" for r in roles)
    shared = [r for r in roles if load[r].get("shares_cases_with")]
    if shared:
        text += (
            f"; {' and '.join(shared)} {'shares' if len(shared) == 1 else 'share'} the cases of "
            "steps with alternatives, counted at their shares only, not the overflow taken when "
            "the others are all busy"
        )
    return text


def _staffing_advice(report: dict, names: list[str], suggestion: dict | None) -> str:
    """The staffing keys that would carry the work of the roles ``names`` (those a warning or
    note is about): ``suggestion`` (``staffing_suggestion``) for every role it estimates, the
    others it adds (busy above the target, or starved now) explained; for the first of ``names``
    one more person where there is no estimate."""
    rows = {r["role"]: r for r in report["roles"]}
    staffing = {r: n for r, n in ((suggestion or {}).get("staffing") or {}).items() if n}
    if not any(r in staffing for r in names):  # no estimate: one more person, as before
        first = rows[names[0]]
        more = f"{first['headcount'] + 1}" if isinstance(first["headcount"], int) else "<n>"
        return f"Add staff, e.g. {staffing_overrides({names[0]: more})}, or lower scenario.arrival_scale."
    assert suggestion is not None
    keys = staffing_overrides(staffing)
    load = suggestion.get("offered_load") or {}
    target = 100 * suggestion["target"]
    work = _people_text({r: n for r, n in staffing.items() if r in rows}, load)
    above_target = report.get("above_target_roles") or []
    others = [r for r in staffing if r not in names]
    # busy below saturation in the run, but offered more work than its hours: it does not keep
    # up either (cases that give up, or wait upstream, hide it for now; QA 2026-12-05 #2); one
    # bound by a step's shared hours or by people taken several at once looks idle however far
    # behind it falls (QA cost17 #5: 66.7 % busy, not starved)
    over = [
        r
        for r in others
        if r in rows
        and (r in above_target or (load.get(r) or {}).get("bound_by") in ("joint", "together"))
        and offered_beyond_hours(suggestion, [r])
    ]
    busy = [r for r in others if r not in over and r in above_target and r in rows]
    starved = [r for r in others if r not in busy and r not in over]
    notes = []
    if over:
        notes.append(
            f"{_busy_roles_text(rows, over)}, but the work offered fills "
            + " and ".join(f"{100 * load[r]['utilisation']:.0f} %" for r in over)
            + " of the hours: it does not keep up either, its queue grows"
        )
    if busy:
        notes.append(
            f"{_busy_roles_text(rows, busy)}: not saturated, but above the {target:.0f} % target"
        )
    if starved:
        notes.append(
            f"{' and '.join(starved)} {'is' if len(starved) == 1 else 'are'} not saturated now, "
            "but the work offered fills "
            + " and ".join(f"{100 * load[r]['utilisation']:.0f} %" for r in starved)
            + " of the hours: saturated once the roles before keep up"
        )
    also = f" ({'; '.join(notes)})" if notes else ""
    unknown = [r for r in names if r not in staffing]
    none = f"; no estimate for {', '.join(unknown)}: add people there too" if unknown else ""
    ruled = [r for r in staffing if r in rows and _more_than_estimate(r, staffing, load)]
    if not ruled:
        return (
            f"Add staff: {keys}{also}{none}. This is an estimate from the model's mean work "
            f"(in people busy all their hours: {work}): the fewest people that keep each role "
            f"at most {target:.0f} % busy; queues may still be long near {target:.0f} %, so "
            "simulate again with them. Or lower scenario.arrival_scale."
        )
    # QA walk27 F2: a role's +1 from the rule was credited to the estimate
    estimated = {r: n for r, n in staffing.items() if r not in ruled}
    said = [_ruled_text(report, r, staffing, load, target) for r in ruled]
    if estimated:
        one = len(estimated) == 1
        said.insert(
            0,
            f"{staffing_overrides(estimated)} {'is an estimate' if one else 'are estimates'} "
            "from the model's mean work (in people busy all their hours: "
            f"{_people_text({r: n for r, n in estimated.items() if r in rows}, load)}): the "
            f"fewest people that keep {'the role' if one else 'each role'} at most "
            f"{target:.0f} % busy.",
        )
    return (
        f"Add staff: {keys}{also}{none}. {' '.join(said)} Queues may still be long near "
        f"{target:.0f} %, so simulate again with them. Or lower scenario.arrival_scale."
    )


def _more_than_estimate(role: str, staffing: Mapping[str, int], load: Mapping[str, dict]) -> bool:
    """Whether the suggestion (``staffing_suggestion``) gives ``role`` more people than the
    model's mean work needs at the target (``headcount_at_target``): the rule of at least one
    more person for a role measured saturated or above the target gave its number
    (``sim.model.views.suggest_staffing``). False where the suggestion does not say."""
    need = (load.get(role) or {}).get("headcount_at_target")
    return isinstance(need, int) and staffing[role] > need


def _ruled_text(
    report: dict, role: str, staffing: Mapping[str, int], load: Mapping[str, dict], target: float
) -> str:
    """Why ``role``'s suggested headcount is not the estimate (``_more_than_estimate``): the
    rule of one more person (group) for a role the run measured saturated or above the target,
    with that measurement and its 95 % interval, and whether it lies significantly above the
    target; and what the model's mean work alone keeps the role at."""
    row = next(r for r in report["roles"] if r["role"] == role)
    have = row["headcount"]
    extra = staffing[role] - have if isinstance(have, int) else None
    more = (
        "one more person"
        if extra == 1
        else "one more group of the people a step takes at once"
        if extra
        else "more people"
    )
    saturated = role in (report.get("saturated_roles") or [])
    measured = "saturated" if saturated else f"above the {target:.0f} % target"
    busy = row.get("utilisation") or {}
    runs = busy.get("n")
    shown = f"{_fmt(busy, True)}{f' over {runs} replications' if runs else ''}"
    low, hw = busy.get("ci_low"), busy.get("half_width")
    if hw is None or not math.isfinite(hw):
        judged = "; one replication gives no interval to tell whether it is above the target"
    elif low is not None and 100 * low <= target:
        judged = (
            f", not significantly above the target: its 95 % interval reaches down to "
            f"{100 * low:.1f} %"
        )
    else:
        judged = ""
    mine = load.get(role) or {}
    keeps = (
        f"keeps its {have} at {100 * mine['utilisation']:.1f} % busy"
        if not mine.get("shares_cases_with") and mine.get("utilisation") is not None
        else f"needs no more than its {have} at the target"
    )
    key = staffing_overrides({role: staffing[role]}) if len(staffing) > 1 else "This"
    return (
        f"{key} is not from the model's mean work, which "
        f"({mine.get('people', math.nan):.1f} people busy all their hours) {keeps}: it is "
        f"{more} than {role} has, the least the suggestion adds to a role the run measured "
        f"{measured} ({role} {shown}{judged})."
    )


def saturation_warning(
    report: dict,
    horizon_days: float,
    suggestion: dict | None = None,
    *,
    model: ProcessModel | None = None,
    capped: str | None = None,
) -> str | None:
    """A warning naming the roles busy nearly all their scheduled hours (``saturated_roles`` of
    ``kpis.json``), that the KPIs then depend on the horizon, and the staffing keys that would
    carry the work (``_staffing_advice``; the roles busy above the target too). With ``model``,
    a role whose queue cases giving up waiting held down (``_held_by_abandonment``) is said to
    be so instead, with the loss: its queue does not grow with the horizon (QA: 54 % of the
    leads abandoned, a cycle time of 18.1 h at 42 days and 18.3 h at 84, and the warning said
    it grew). ``capped``: where ``scenario.max_cases`` stopped the arrivals inside the window
    (``cap_stop_text``), which the KPIs then depend on instead of the horizon (QA rt_engine F8:
    the note before the run said so, the warning after it named the horizon)."""
    names = report.get("saturated_roles") or []
    if not names:
        return None
    rows = {r["role"]: r for r in report["roles"]}
    held = _held_by_abandonment(report, names, model)
    growing = [r for r in names if r not in held]
    parts = []
    if growing:
        parts.append(
            f"the model is saturated: {_busy_roles_text(rows, growing)}. Work arrives at least "
            "as fast as they can do it, so queues grow for as long as cases arrive and cycle "
            + (
                f"time and waiting depend on the horizon (scenario.horizon_days={horizon_days:g})"
                if capped is None
                else f"time and waiting depend on max_cases rather than on the horizon: {capped}"
            )
            + "; they are not steady-state figures."
        )
    if held:
        text = _held_text(report, held, suggestion, steady=not growing)
        parts.append(text[0].upper() + text[1:] if parts else text)
    return f"warning: {' '.join(parts)} {_staffing_advice(report, names, suggestion)}"


def _held_by_abandonment(report: dict, names: list[str], model: ProcessModel | None) -> list[str]:
    """The roles of ``names`` whose every step has a patience short enough to bound a queue
    (``sim.model.views.impatient_roles``) where the run measured cases giving up: an
    ``abandon_rate`` above 0, and cases lost (``dropoff_at``) at one of the role's steps.
    Empty without ``model``."""
    if model is None:
        return []
    rate = (report.get("all") or {}).get("abandon_rate") or {}
    if not (isinstance(rate.get("mean"), float | int) and rate["mean"] > 0):
        return []
    lost = {
        s["step"]: (s.get("dropoff_at") or {}).get("mean") or 0.0 for s in report.get("steps") or ()
    }
    impatient = impatient_roles(model)
    return [
        r
        for r in names
        if r in impatient
        and any(lost.get(n, 0.0) > 0 for n, s in model.steps.items() if r in s.all_roles)
    ]


def _held_text(report: dict, names: list[str], suggestion: dict | None, *, steady: bool) -> str:
    """That the roles ``names`` (``_held_by_abandonment``) are busy all their hours and their
    queues held down by cases giving up, with the share of cases that abandoned; with
    ``steady`` (no other role saturated), that the figures are then a steady state, with that
    loss."""
    rows = {r["role"]: r for r in report["roles"]}
    one = len(names) == 1
    load = (suggestion or {}).get("offered_load") or {}
    fills = [r for r in names if ((load.get(r) or {}).get("utilisation") or 0.0) >= 1.0]
    offered = (
        " and cannot do all the work offered (the model's mean work fills "
        + " and ".join(f"{100 * load[r]['utilisation']:.0f} % of {r}'s hours" for r in fills)
        + ")"
        if fills
        else ""
    )
    rate = report["all"]["abandon_rate"]["mean"]
    text = (
        f"{_busy_roles_text(rows, names)}{offered}, but cases give up waiting at "
        f"{'its' if one else 'their'} steps (each has a patience), which holds "
        f"{'its queue' if one else 'their queues'} down: {100 * rate:.0f} % of the cases "
        "abandoned (abandon_rate)."
    )
    if steady:
        text += (
            f" {'Its queue does' if one else 'Their queues do'} not grow for as long as cases "
            "arrive: cycle time and waiting are steady-state figures, but of a process that "
            "loses those cases."
        )
    return text


WARMUP_SHORTFALL_NOTED = 0.01
"""The warm-up note's threshold: an estimated cycle-time shortfall from the run's empty start
(``warmup_shortfall``) of at least this share of the cycle time, a bias that more replications
do not shrink."""
WARMUP_SHORTFALL_SUGGESTED = 0.005
"""The note suggests the shortest warm-up whose estimated shortfall is at most this share."""


def _role_loads(model: ProcessModel, scenario: Scenario) -> dict | None:
    """Each role's offered load in ``scenario`` (``offered_load``); None for a routing whose
    cases can loop for ever (said elsewhere)."""
    try:
        return offered_load(model, arrival_scale=scenario.arrival_scale, staffing=scenario.staffing)
    except ValueError:
        return None


def warmup_shortfall(
    report: dict,
    settling: Mapping[str, float],
    warmup_days: float,
    horizon_days: float,
    *,
    exponential: Collection[str] = (),
) -> tuple[float, dict[str, float]]:
    """The share of the steady-state cycle time a run misses because it starts empty, and each
    role's part of it: every staffed step's waiting share of the cycle time (``report``'s
    steps) scaled from the window's measured wait to a steady-state one by the deficit
    ``d`` of its slowest role's queue (``window_deficit`` of its relaxation time
    ``settling[role]`` in days; on ``exp(-days / settling)`` for the roles ``exponential``,
    overloaded queues that cases giving up hold down: ``RoleLoad.relaxes_exponentially``),
    ``share * d / (1 - d)``. An order of magnitude."""
    parts: dict[str, float] = {}
    for step in report.get("steps") or []:
        share = ((step.get("waiting_share") or {}).get("mean")) or 0.0
        roles = [r for r in step.get("roles") or [] if math.isfinite(settling.get(r, math.nan))]
        if share <= 0 or not roles:
            continue
        deficit = {
            r: window_deficit(settling[r], warmup_days, horizon_days, exponential=r in exponential)
            for r in roles
        }
        role = max(roles, key=deficit.__getitem__)
        d = min(deficit[role], 0.99)
        parts[role] = parts.get(role, 0.0) + share * d / (1.0 - d)
    return sum(parts.values()), parts


def warmup_warning(
    report: dict, model: ProcessModel, scenario: Scenario, window_days: float | None = None
) -> str | None:
    """A note when the run's empty start may leave the cycle time short of its steady state by
    ``WARMUP_SHORTFALL_NOTED`` or more (``warmup_shortfall``, from each role's relaxation time
    ``RoleLoad.settling_days`` at its offered load, bounded by the patience where every step of
    the role has one), suggesting the warm-up that brings the estimate under
    ``WARMUP_SHORTFALL_SUGGESTED``; ``None`` otherwise, or for a saturated model
    (``saturation_warning`` says why its queues grow).

    The growth is too slow and noisy for ten replications to show (``wip_change``'s CI spans
    0), and a test on it raised false alarms after 400 days, so the model's load is judged. A
    slow queue alone is not enough: the bundled CRM's legal settles in about 20 days, but its
    waits are a tenth of the cycle time and 100 replications could not tell 14 days of warm-up
    from 120 (99.0 +- 3.5 h and 97.0 +- 3.3 h). Nor is a high load whose cases give up: an
    M/M/1+M offered 97 % with a patience of 1 h forgets its empty start in hours, where the
    M/M/c estimate said 177 days and a 329-day warm-up (QA abandon20 #2: 400 replications
    measured a start-up bias of -0.2 %).

    ``window_days``: the window the run measured where ``scenario.max_cases`` cut it short
    (``measured_window_days``), in place of the horizon; the suggested warm-up then keeps that
    window, as a horizon without the cap (QA rt_engine F3: the note judged the 42-day horizon
    of a window cut to 8 days, and its advice, followed with the cap, left no case to
    measure)."""
    if report.get("saturated_roles"):
        return None
    loads = _role_loads(model, scenario)
    if loads is None:
        return None
    settling = {r: load.settling_days for r, load in loads.items()}
    exponential = {r for r, load in loads.items() if load.relaxes_exponentially}
    horizon = scenario.horizon_days if window_days is None else window_days
    total, parts = warmup_shortfall(
        report, settling, scenario.warmup_days, horizon, exponential=exponential
    )
    if not total >= WARMUP_SHORTFALL_NOTED:
        return None
    slowest = max(parts, key=parts.__getitem__)
    load, tau = loads[slowest], settling[slowest]

    def above_target(days: float) -> float:
        found = warmup_shortfall(report, settling, days, horizon, exponential=exponential)[0]
        return found - WARMUP_SHORTFALL_SUGGESTED

    far = scenario.warmup_days + 50 * max(t for t in settling.values() if math.isfinite(t))
    longer = (
        math.ceil(optimize.brentq(above_target, scenario.warmup_days, far))
        if above_target(far) < 0
        else None
    )
    others = "" if len(parts) == 1 else f"; all roles' queues together: {100 * total:.2g} %"
    suggestion = (
        f"For steady-state figures, warm up about scenario.warmup_days={longer:g}, where that "
        f"estimate falls to {100 * WARMUP_SHORTFALL_SUGGESTED:g} %"
        + ("." if window_days is None else _cap_for_warmup(horizon))
        if longer is not None
        else "Warm up much longer for steady-state figures."
    )
    constant = _days_text(tau)
    patience = "the longer of the mean job time and the mean patience of its steps"
    if slowest in exponential:
        how = (
            "an order of magnitude: the mean over the measured window of a queue started empty "
            "that approaches its level as exp(-t / tau), as one held down by cases giving up "
            f"does, for tau {patience}"
        )
    elif load.settled_by_patience:
        how = (
            "an order of magnitude: the mean of a queue started empty over the measured window, "
            f"on the heavy-traffic curve with a time constant of {patience}, which bounds its "
            "relaxation time since waiting cases give up"
        )
    else:
        how = (
            "a heavy-traffic order of magnitude, more often under than over: the mean of a "
            "queue started empty over the measured window, for the M/M/c relaxation time "
            "S / (c (1 - sqrt(rho))^2) working hours scaled by the variability of the arrivals "
            "and job times"
        )
    window = (
        ""
        if window_days is None
        else f" and a measured window of about {horizon:.3g} days (scenario.max_cases cut it)"
    )
    return (
        "note: the warm-up may be too short for a steady state: a run starts empty, and "
        f"{slowest} (offered {100 * load.utilisation:.0f} % of its hours in jobs of "
        f"{load.mean_job_hours:.3g} h on average) forgets that start with a time constant of "
        f"roughly {constant}, against scenario.warmup_days={scenario.warmup_days:g}{window}: "
        f"from its queue alone, the steady-state cycle time may be about "
        f"{100 * parts[slowest]:.2g} % longer than this run's{others}, and waiting and "
        f"utilisation higher ({how}). {suggestion}"
    )


def _days_text(days: float) -> str:
    """'3 days', or '12 hours' under a day: a time constant, rounded up."""
    return f"{math.ceil(days):g} days" if days >= 1 else f"{math.ceil(24 * days):g} hours"


def _cap_for_warmup(window_days: float) -> str:
    """The end of ``warmup_warning``'s advice under ``scenario.max_cases``: the measured window
    (``window_days``) as a horizon without the cap. Under the same cap a longer warm-up takes
    its cases and leaves less to measure, or nothing; and a cap that matched the longer
    warm-up's expected arrivals would still leave the window's length to chance (an M/M/1 at
    90 % warmed up 300 days measured nothing in 2 of 10 replications with that cap)."""
    return (
        f", with scenario.max_cases=null scenario.horizon_days={window_days:.3g} to measure "
        "the same window after it (under the same cap, the longer warm-up takes its cases and "
        "leaves less to measure, or nothing)."
    )


def offered_load_warning(report: dict, model: ProcessModel, scenario: Scenario) -> str | None:
    """The warning said before the run (``sim.model.views.capped_overload_warning``: roles
    offered more work than their hours, however busy the run measured them), for ``kpis.json``;
    ``None`` when there are none, or when a role is saturated or above the target: that
    warning or note (``saturation_warning``, ``above_target_note``) names then, in its staffing
    advice, every role offered more than its hours."""
    if report.get("saturated_roles") or report.get("above_target_roles"):
        return None
    return capped_overload_warning(model, scenario)


def first_step_off_shift_note(model: ProcessModel, scenario: Scenario) -> str | None:
    """The note of the first steps that lose cases to their roles' off-shift hours
    (``sim.model.off_shift.off_shift_note``), but for roles the overload warning says so of."""
    said = off_shift_warned_roles(
        model, arrival_scale=scenario.arrival_scale, staffing=scenario.staffing
    )
    return off_shift_note(model, staffing=scenario.staffing, leave_out=said)


def idle_roles_note(report: dict, model: ProcessModel) -> str | None:
    """A note naming the roles with people who did no work in the run (0 % busy in every
    replication): no step of the model needs them (a redesign removed or automated theirs, an
    export kept one role of a step of several), or
    no case reached their steps in the measured window (utilisation is measured there; a
    drain's work after the horizon is not); they still count in the headcount and the cost per case."""
    idle = []
    for row in report.get("roles") or ():
        util = row.get("utilisation")
        mean = util.get("mean") if isinstance(util, dict) else util
        people = row.get("headcount")
        if isinstance(people, int) and people > 0 and mean is not None and mean <= 0.0:
            idle.append((row["role"], people))
    if not idle:
        return None
    used = {r for step in model.steps.values() for r in step.all_roles}
    unused = [r for r, _ in idle if r not in used]
    who = ", ".join(f"{r} ({n} {'person' if n == 1 else 'people'})" for r, n in idle)
    why = []
    if unused:
        why.append(
            f"no step of the model needs {' or '.join(unused)} (a redesign that removed or "
            "automated its steps, or an export that kept one role of a step of several, "
            f"leaves a role so): {staffing_overrides({r: 0 for r in unused})} leaves "
            f"{'it' if len(unused) == 1 else 'them'} out"
        )
    if len(unused) < len(idle):
        why.append(
            "none of the others' work fell in the measured window (from the warm-up to the "
            "horizon): no case reached their steps then"
        )
    return (
        f"note: {who} did no work in this run (0 % busy); they still count in the headcount "
        f"and the cost per case: {'; '.join(why)}."
    )


def above_target_note(report: dict, suggestion: dict | None = None) -> str | None:
    """A note naming the roles busy above ``TARGET_UTILISATION`` but not saturated
    (``above_target_roles`` of ``kpis.json``), that their queues grow steeply there, and the
    staffing keys that would bring them to the target (``_staffing_advice``); ``None`` when
    there are none, or when a role is saturated (``saturation_warning`` names them then, in
    its one set of keys)."""
    names = report.get("above_target_roles") or []
    if not names or report.get("saturated_roles"):
        return None
    rows = {r["role"]: r for r in report["roles"]}
    target = 100 * (suggestion or {}).get("target", TARGET_UTILISATION)
    over = offered_beyond_hours(suggestion, names)
    keeping = [r for r in names if r not in over]
    head = f"note: {_busy_roles_text(rows, names)}, above the {target:.0f} % target."
    if keeping:
        one = len(keeping) == 1
        who = "It" if len(names) == 1 else " and ".join(keeping)
        head += (
            f" {who} {'keeps' if one else 'keep'} up with the work, but queues grow steeply as "
            f"a role nears 100 % busy: waits before {'its' if one else 'their'} steps are long, "
            "and a little more work lengthens them a lot."
        )
    if over:
        head += " " + _beyond_hours_text(suggestion, over)
    return f"{head} {_staffing_advice(report, names, suggestion)}"


def _beyond_hours_text(suggestion: dict | None, roles: list[str]) -> str:
    """Why the roles ``roles`` (``offered_beyond_hours``) do not keep up, a sentence for those
    whose queue grows with the horizon and one for those whose impatient cases hold it down
    (``relieved_by_patience``: QA retest20b #3, an M/M/3+M offered 150 % was said to wait
    longer the longer the run, where it waited 0.21 h at 7 and at 28 days)."""
    load = (suggestion or {}).get("offered_load") or {}
    relieved = [r for r in roles if load[r].get("relieved_by_patience")]
    growing = [r for r in roles if r not in relieved]

    def fills(group: list[str]) -> str:
        return " and ".join(f"{r} {100 * load[r]['utilisation']:.0f} %" for r in group)

    said = []
    if growing:
        said.append(
            f"But the work the model offers fills more than the scheduled hours "
            f"({fills(growing)}): {'it does' if len(growing) == 1 else 'they do'} not keep up in "
            "the long run, and the queue grows with the horizon, so waits depend on "
            "scenario.horizon_days."
        )
    if relieved:
        said.append(
            f"{'But the' if not growing else 'The'} work the model offers fills more than the "
            f"scheduled hours ({fills(relieved)}): cases that give up waiting at "
            f"{'its' if len(relieved) == 1 else 'their'} steps hold the queue down, so waits do "
            "not grow with the horizon, but the work not done is lost (abandon_rate, "
            "dropoff_at)."
        )
    return " ".join(said)


def empty_window_warning(
    table: pd.DataFrame, scenario: Scenario, *, simulated_cases: int = 0
) -> str | None:
    """A warning when no case arrived, or none finished, in the measurement window of any
    replication: every time KPI is then missing (shown '-'), which is the window's doing, or,
    where ``scenario.max_cases`` stopped the arrivals before the window (``simulated_cases``:
    the cases every replication simulated, warm-up included), the warm-up's."""

    def total(col: str) -> float:
        return float(table[col].sum()) if col in table else 0.0

    window = (
        f"scenario.horizon_days={scenario.horizon_days:g} after "
        f"scenario.warmup_days={scenario.warmup_days:g}"
    )
    if total("cases_arrived") == 0 and scenario.max_cases is not None and simulated_cases:
        # the cases arrived, all before the window: a longer horizon would not help (QA 9a #3)
        return (
            f"warning: no case arrived in the measurement window ({window}): "
            f"scenario.max_cases={scenario.max_cases} stops the arrivals after "
            f"{scenario.max_cases} {'case' if scenario.max_cases == 1 else 'cases'}, and they "
            "all arrived in the warm-up, which is simulated but not measured; set "
            "scenario.warmup_days=0 or raise scenario.max_cases"
        )
    if total("cases_arrived") == 0:
        return (
            f"warning: no case arrived in the measurement window ({window}): there is nothing to "
            "measure; lengthen scenario.horizon_days"
        )
    if total("cases_completed") + total("cases_dropped") == 0:
        return (
            f"warning: no case finished in the measurement window ({window}): cycle times and "
            "shares are missing; lengthen scenario.horizon_days (or scenario.drain_days)"
        )
    return None


def cap_stop_text(window_ends: Collection[float], scenario: Scenario) -> str | None:
    """'stopped the arrivals after about 33.9 days (replication mean)' (and 'in 3 of 10
    replications' where not in all): where ``scenario.max_cases`` cut the measurement windows
    ending at ``window_ends`` (``cap_stops``), else ``None``."""
    stops, _ = cap_stops(window_ends, scenario)
    if not stops:
        return None
    days = sum(stops) / len(stops) / HOURS_PER_DAY
    n = len(window_ends)
    some = "" if len(stops) == n else f" in {len(stops)} of {n} replications"
    return f"stopped the arrivals after about {days:.3g} days (replication mean){some}"


def capped_window_warning(window_ends: Collection[float], scenario: Scenario) -> str | None:
    """A warning when ``scenario.max_cases`` stopped the arrivals inside the measurement window
    of a replication (``window_ends``: each replication's window end in hours, which the engine
    moves there): its KPIs are then of a shorter window than the horizon, rates per week over
    that window; and when it left some replications' windows empty, their cases all arrived in
    the warm-up: they measured nothing, their KPIs are missing and the figures are of the
    others (QA rt_engine F1: their zeros were averaged in and the warning did not say). ``None``
    where the cap cut no window, or left every one empty (``empty_window_warning``'s to say)."""
    stops, empty = cap_stops(window_ends, scenario)
    n = len(window_ends)
    cap = f"scenario.max_cases={scenario.max_cases}"
    said = []
    if 0 < empty < n:
        said.append(
            f"{cap} was reached in the warm-up in {empty} of {n} replications: their cases "
            f"all arrived before day {scenario.warmup_days:g}, so they have no measurement "
            "window and measured nothing; their KPIs are missing (empty in replications.csv) "
            "and left out of the means and intervals, which are of the "
            f"{'one measured replication' if n - empty == 1 else f'{n - empty} measured replications'}"
            "; raise scenario.max_cases or shorten scenario.warmup_days to measure "
            "every replication"
        )
    stopped = cap_stop_text(window_ends, scenario)
    if stopped:
        days = sum(stops) / len(stops) / HOURS_PER_DAY
        said.append(
            f"{'It' if said else cap} {stopped}; the measurement window ends there: the KPIs "
            f"are of the cases that arrived from day {scenario.warmup_days:g} to about day "
            f"{days:.3g}, not of the whole scenario.horizon_days={scenario.horizon_days:g} after "
            f"scenario.warmup_days={scenario.warmup_days:g}, and throughput, arrivals, "
            "utilisation, work in progress and costs per week are over that shorter window; "
            "raise scenario.max_cases (or shorten scenario.horizon_days) for a window the cap "
            "does not cut"
        )
    return f"warning: {'. '.join(said)}" if said else None


def noting_window_ends(
    take: Callable[[int, Trace], None], window_ends: dict[int, float]
) -> Callable[[int, Trace], None]:
    """``take`` (an ``on_result`` of ``run_replications``) that first notes each replication's
    measurement window end in ``window_ends`` (``capped_window_warning``)."""

    def on_result(replication: int, trace: Trace) -> None:
        window_ends[replication] = float(trace.window[1])
        take(replication, trace)

    return on_result


UNFINISHED_NOTICED = 0.01
"""The share of measured cases still in progress at the stop above which the KPIs are said to
lean towards short cases (``unfinished_warning``)."""


#: Scenario keys whose value must come from the config: a key deleted with
#: ``~scenario.horizon_days`` ran silently on ``Scenario``'s own defaults, which were then not
#: the bundled config's (they are the same now, but the window stays the config's to say).
MEASURED_WINDOW_KEYS = ("horizon_days", "warmup_days")


def scenario_of(cfg: DictConfig) -> Scenario:
    """The run's ``Scenario`` from ``cfg.scenario``; a ``ConfigError`` naming the key when the
    scenario, or its measurement window, was deleted (``~scenario``, ``~scenario.horizon_days``)
    or left out of a scenario config of the user's."""
    if "scenario" not in cfg or cfg.scenario is None:
        raise ConfigError(
            "scenario: the run has no scenario settings (deleted with ~scenario?); give them, "
            "e.g. scenario=default"
        )
    given = dict(cfg.scenario)
    missing = [k for k in MEASURED_WINDOW_KEYS if given.get(k) is None]
    if missing:
        shown = ", ".join(f"scenario.{k}" for k in missing)
        raise ConfigError(
            f"{shown}: no value (deleted with ~, or left out of the scenario config); the "
            "measurement window is the run's to state: set it, e.g. scenario.horizon_days=42 "
            "scenario.warmup_days=14 (the bundled defaults)"
        )
    return Scenario.from_dict(given)


def unfinished_warning(table: pd.DataFrame, scenario: Scenario) -> str | None:
    """A warning when measured cases were still in progress when the runs stopped (no drain,
    ``scenario.drain=false``, or a drain cut short by ``scenario.drain_days``): the cycle time,
    drop-off, conversion and revenue per case are of the finished cases only, which are the
    quicker ones (QA: 16-28 of 80 cases unfinished made the CRM's mean cycle time 72 h instead
    of 93 h, and its drop-off 70 % instead of 58 %); ``None`` under 1 % of the cases."""
    if "cases_in_progress" not in table or "cases_arrived" not in table:
        return None
    arrived = float(table["cases_arrived"].sum())
    open_ = float(table["cases_in_progress"].sum())
    if arrived <= 0 or open_ / arrived < UNFINISHED_NOTICED:
        return None
    why = (
        "scenario.drain=false"
        if not scenario.drain
        else f"the drain stopped after scenario.drain_days={scenario.drain_days:g}"
        if scenario.drain_days is not None
        else "the drain stopped before every case finished"
    )
    advice = (
        "let the runs drain (scenario.drain=true, a longer scenario.drain_days) for figures of "
        "every case"
    )
    if scenario.drain and scenario.drain_days is None:
        # the drain ran as long as warm-up and horizon together: a longer one is no answer
        # (QA fuzz: 92 % open after it, and the advice was to drain)
        why = "after a drain as long as the warm-up and the horizon together"
        advice = (
            "cases still open after so long a drain take longer than the whole run (long timers "
            "or waits), or the process finishes fewer cases than arrive, its queues growing for "
            "as long as cases do: then see the staffing warnings, or lower "
            "scenario.arrival_scale; a longer scenario.drain_days gives figures of every case, "
            "not a process that keeps up"
        )
    return (
        f"warning: {open_ / arrived:.0%} of the measured cases were still in progress when the "
        f"runs stopped ({why}): cycle times, drop-off, conversion and revenue per case are "
        "those of the finished cases only, the quicker ones, and lean towards them (cost per "
        f"case counts every measured case); {advice}"
    )


BACKLOG_NOTICED = 0.05
"""The growth of work in progress, as a share of the arrivals, from which a run is said not to
keep up (``backlog_warning``): a stable process still filling from the run's empty start grows
by a few cases (an M/M/1 at 97 % by -1.0 to +2.9 % over five seeds, the calibrated BPIC 2012 W
model 3.7-4.7 % at the defaults), one that falls 8 % short of its arrivals by 4.2-8.2 %
(``experiments/backlog_warning/``)."""

#: the shortest window ``backlog_warning`` judges: two whole weeks, so that ``wip_change``
#: compares whole weeks alike in their weekly pattern (halves of a shorter window differ by the
#: weekend's backlog: QA backlog23 #1, a stable office with a window from Thursday to Thursday)
BACKLOG_MIN_DAYS = 14.0


def backlog_warning(
    table: pd.DataFrame,
    model: ProcessModel,
    scenario: Scenario,
    window_ends: Mapping[int, float] | None = None,
) -> str | None:
    """A warning when the run's own work in progress grew through the measured window by
    ``BACKLOG_NOTICED`` of the arrivals or more, with a 95 % interval above 0 (``wip_change``
    over the lag between the parts it compares: the growth per week, against each replication's
    ``arrivals_per_week``). The saturation and offered-load warnings judge the model's mean work
    and cannot see people a step of several roles holds while they wait for each other: on a
    model where no role was busy 85 % of its hours, 150 cases a week finished against 213
    arriving, cycle times grew through the run and nothing was said (QA, 2026-12-06). ``None``
    under 2 replications, for a window under ``BACKLOG_MIN_DAYS``, or when the growth is not
    shown. ``window_ends``: each replication's window end in hours, where ``scenario.max_cases``
    may have cut its window short (``capped_window_warning``)."""
    from sim.kpis.measures import WEEK, wip_change_lag
    from sim.kpis.stats import confidence_interval

    if not {"wip_change", "arrivals_per_week"} <= set(table.columns):
        return None
    spans = _window_hours(table, scenario, window_ends)
    measured = spans > 0  # a cap reached in the warm-up leaves a window that measured nothing
    table, spans = table[measured], spans[measured]
    if spans.empty or spans.min() < BACKLOG_MIN_DAYS * HOURS_PER_DAY:
        return None
    lag = spans.map(wip_change_lag)
    arriving = table["arrivals_per_week"].astype(float)
    growth = table["wip_change"].astype(float) / lag * WEEK
    share = confidence_interval((growth / arriving.where(arriving > 0)).to_numpy())
    if share["n"] < 2 or not (share["ci_low"] > 0 and share["mean"] >= BACKLOG_NOTICED):
        return None
    several = [name for name, step in model.steps.items() if len(step.roles) > 1]
    why = ""
    if several:
        steps = ", ".join(several)
        why = (
            f" (steps of several roles, {steps}, hold their people while they wait for each other"
            if len(several) > 1
            else f" (a step of several roles, {steps}, holds its people while they wait for "
            "each other"
        ) + ": time that utilisation and the staffing advice leave out)"
    scale = scenario.warmup_arrival_scale
    # both scales are of the model's rate: a warm-up quieter than the window leaves less in
    # progress, a busier one more (QA retest23a #3)
    quiet = scale is not None and scale < scenario.arrival_scale and scenario.warmup_days > 0
    filling = (
        f"the warm-up's arrivals at scenario.warmup_arrival_scale={scale:g} of the rate"
        if quiet
        else "the run's empty start (cases that take longer than "
        f"scenario.warmup_days={scenario.warmup_days:g} days)"
    )
    check = (
        "scenario.warmup_arrival_scale=null tells which"
        if quiet
        else "a longer scenario.warmup_days tells which (a run that fills up stops growing)"
    )
    return (
        f"warning: work in progress grew through the measured window by about "
        f"{growth.mean():.3g} cases a week, {share['mean']:.0%} [{share['ci_low']:.0%}, "
        f"{share['ci_high']:.0%}] of the {arriving.mean():.3g} arriving a week (wip_change), "
        f"though no role was found saturated: the process does not keep up with its "
        f"arrivals{why}, or the run is still filling up from {filling}. Either way its figures "
        "are not a steady state: work in progress, and cycle time, waiting or throughput with "
        f"it, move with scenario.horizon_days; {check}. Where the process does not keep up, "
        "add people where cases queue (the bottleneck) or lower scenario.arrival_scale."
    )


def _window_hours(
    table: pd.DataFrame, scenario: Scenario, window_ends: Mapping[int, float] | None
) -> pd.Series:
    """Each row's measurement window length in hours: the horizon, or up to where
    ``scenario.max_cases`` stopped that replication's arrivals (``window_ends``; 0 for a window
    it left empty)."""
    full = scenario.horizon_days * HOURS_PER_DAY
    if not window_ends or "replication" not in table:
        return pd.Series(full, index=table.index)
    end = scenario.arrivals_end_hours

    def span(replication: int) -> float:
        stop = window_ends.get(int(replication), end)
        return full if stop >= end else stop - scenario.warmup_hours

    return table["replication"].map(span).astype(float)


def measured_window_days(
    table: pd.DataFrame, scenario: Scenario, window_ends: Mapping[int, float] | None
) -> float | None:
    """The mean length in days of the measurement windows that ``scenario.max_cases`` cut short
    and of the others measured (``_window_hours``), where it cut one (``cap_stops``); ``None``
    where every window measured was the horizon."""
    if not cap_stops(list((window_ends or {}).values()), scenario)[0]:
        return None
    spans = _window_hours(table, scenario, window_ends)
    spans = spans[spans > 0]
    return float(spans.mean()) / HOURS_PER_DAY if len(spans) else None


SHORT_WINDOW_RELAXATIONS = 10.0
"""``short_window_note``'s threshold: measured windows that ``scenario.max_cases`` cut to
fewer than this many relaxation times (``RoleLoad.settling_days``) of the slowest role. Over a
window ``T`` a start off the steady state weighs about ``tau / T`` in its means: the measured
replications' ~10 % deficit of cases in the system at the start (a cap near the warm-up's
arrivals) then stays near the warm-up note's 1 %. The M/M/1 at 50 % (tau 0.49 days, 600
replications each) read its cycle time 12 %, 12 % and 5.5 % low over capped windows of 0.96,
1.4 and 2.7 days, 3.3 +- 2.4 % over 6.1 days, and over 13.6 days as without the cap."""


def short_window_note(
    table: pd.DataFrame,
    report: dict,
    model: ProcessModel,
    scenario: Scenario,
    window_ends: Mapping[int, float] | None,
) -> str | None:
    """A note when ``scenario.max_cases`` cut the measurement windows (``cap_stops``) to fewer
    than ``SHORT_WINDOW_RELAXATIONS`` relaxation times of the slowest role: the figures are
    then not steady-state ones, why, and that a longer window (a larger cap, or none) gives
    them (QA rt27_engine F4: an M/M/1 at 50 % capped at the warm-up's 168 expected cases read
    1.68 +- 0.11 h for 2 h, 45.7 +- 2.0 % busy for 50 %, over 469 of 1000 replications, and
    the warning said only that the others were left out). ``None`` for a saturated model
    (``saturation_warning`` says its figures are not a steady state) or one with no estimate
    of its roles' relaxation times."""
    ends = list((window_ends or {}).values())
    stops, empty = cap_stops(ends, scenario)
    if not stops or report.get("saturated_roles"):
        return None
    loads = _role_loads(model, scenario)
    if loads is None:
        return None
    settling = {r: ld.settling_days for r, ld in loads.items() if math.isfinite(ld.settling_days)}
    days = measured_window_days(table, scenario, window_ends)
    if not settling or days is None:
        return None
    slowest = max(settling, key=settling.__getitem__)
    tau = settling[slowest]
    needed = SHORT_WINDOW_RELAXATIONS * tau
    if days >= needed:
        return None
    cases = table["cases_arrived"].dropna().mean() if "cases_arrived" in table else math.nan
    n = len(ends)
    held = f", about {cases:.3g} cases each" if math.isfinite(cases) else ""
    selected = ""
    if 0 < empty < n:
        measured = (
            "the replication measured is one"
            if n - empty == 1
            else f"the {n - empty} replications measured are those"
        )
        selected = (
            f"; and {measured} whose warm-up had fewer arrivals (in the other {empty} the cap "
            "was reached in it), so they start their windows with fewer cases in the system "
            "than a steady state has"
        )
    horizon = scenario.horizon_days
    uncapped = (
        f"scenario.max_cases=null measures the whole scenario.horizon_days={horizon:g}"
        if horizon >= needed
        else f"scenario.max_cases=null scenario.horizon_days={math.ceil(needed):g}"
    )
    return (
        "note: the measured windows are too short for steady-state figures: "
        f"scenario.max_cases={scenario.max_cases} ended them about {days:.3g} days after the "
        f"warm-up (replication mean{held}), and {slowest} (offered "
        f"{100 * loads[slowest].utilisation:.0f} % of its hours) forgets the state of its "
        f"queue with a time constant of roughly {_days_text(tau)}. Over so short a window "
        "each replication's figures lean on the state its window starts in, and its means "
        "count as much as those of a replication with more cases (a busy stretch, whose cases "
        f"wait longer, counts for less than over a long window){selected}. Cycle time, "
        "waiting, work in progress and utilisation tend to read low, a bias the confidence "
        "intervals (the spread between replications) do not include. For steady-state "
        f"figures measure a longer window, at least about {SHORT_WINDOW_RELAXATIONS:g} time "
        f"constants ({needed:.3g} days): a larger scenario.max_cases, or none ({uncapped})."
    )


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> dict:
    """Simulate, write ``kpis.json``, ``replications.csv``, ``model.yaml`` and the run record.

    The config, the model and the scenario are checked before ``output.overwrite=true`` removes
    the earlier run's files: a refused run leaves the earlier one as it was."""
    overwrite = config_bool(cfg, "output.overwrite")
    guard_run_dir(run_dir, RESULTS, overwrite=overwrite, command="simulate")
    trace, report_html, figures, progress = (
        config_bool(cfg, k) for k in ("output.trace", "output.report", "output.figures", "progress")
    )
    model = load_process(cfg, choice=process_choice)
    # a role named in other letters than ASCII is typed in its ASCII spelling (Hydra reads no other)
    scenario = scenario_of(cfg).for_model(model)
    fmt = str(cfg.output.trace_format)
    if fmt not in ("csv.gz", "parquet"):
        raise ConfigError(f"output.trace_format: expected csv.gz or parquet, got {fmt!r}")
    seed = config_int(cfg, "seed", minimum=0)
    workers = config_int(cfg, "workers", minimum=1, null=True)
    first = config_int(cfg, "first_replication", minimum=0)
    check_scenario(model, scenario)  # e.g. scenario.staffing of an unknown role: before removing
    for warning in pre_run_warnings(model, scenario):  # refuses absurd arrivals, too
        print(warning)
    if lost_off_shift := first_step_off_shift_note(model, scenario):
        print(lost_off_shift)
    if overwrite:  # the earlier run's files go: none may outlive it beside this run's record
        clear_earlier_run(run_dir, cfg, command="simulate")
    inputs = process_inputs(cfg)
    write_run_record(
        run_dir,
        cfg,
        command="simulate",
        extra={"model": model.name} | ({"inputs": inputs} if inputs else {}),
    )
    with contextlib.ExitStack() as files:
        # the trace file is written as the replications finish, under .partial/ until whole
        trace_file = files.enter_context(written_whole(run_dir / f"trace.{fmt}")) if trace else None
        taken = StreamedReplications(model, first=first, trace_file=trace_file, fmt=fmt)
        window_ends: dict[int, float] = {}
        run_replications(
            model,
            scenario,
            seed=seed,
            workers=workers,
            progress=progress,
            first=first,
            on_result=noting_window_ends(taken, window_ends),
            keep=False,
        )
        taken.close()
        table = taken.kpi_table()
        cycle_times = taken.cycle_time_table()
        report, warnings = _results(
            table,
            taken,
            model,
            scenario,
            seed=seed,
            first=first,
            lost_off_shift=lost_off_shift,
            cycle_times=cycle_times,
            window_ends=window_ends,
        )
        # each file under its own name only once whole: a stop while writing leaves none
        with written_whole(run_dir / "replications.csv") as part:
            with_integer_counts(table).to_csv(part, index=False)
        write_json(run_dir / "kpis.json", report)
        save(model, run_dir / "model.yaml", overwrite=True)
        # the cases the cycle-time KPIs count (after the warm-up, finished): their pooled
        # percentiles, the report's figure, compare's percentiles
        with written_whole(run_dir / "cycle_times.csv.gz") as part:
            cycle_times.to_csv(part, index=False, compression=REPRODUCIBLE_GZIP)
    print(format_report(report))
    for warning in warnings:
        print(f"\n{warning}")
    print(f"\nresults in {run_dir}")
    if report_html:
        from sim.cli.report import build

        build(run_dir, figures=figures)
    return report


def _results(
    table: pd.DataFrame,
    taken: StreamedReplications,
    model: ProcessModel,
    scenario: Scenario,
    *,
    seed: int,
    first: int,
    lost_off_shift: str | None = None,
    cycle_times: pd.DataFrame | None = None,
    window_ends: Mapping[int, float] | None = None,
) -> tuple[dict, list[str]]:
    """``kpis.json``'s report of the replications ``taken`` (their KPIs: ``table``; their
    cases' cycle times: ``cycle_times``, for the pooled percentiles), and the run's warnings;
    ``lost_off_shift``: the off-shift note said before the run
    (``first_step_off_shift_note``), said again among them; ``window_ends``: each
    replication's measurement window end in hours (``noting_window_ends``)."""
    report = kpi_report(table, model, headcount=taken.staffing, cycle_times=cycle_times)
    report["seed"] = seed
    report["first_replication"] = first
    report["scenario"] = scenario.to_dict()
    suggestion = staffing_suggestion(model, scenario, report)
    if suggestion is not None:
        report["staffing_suggestion"] = suggestion
    # said at load too; kept with the cost per case that leaves their hours out (QA cost17)
    uncosted = uncosted_roles_note(model)
    ends = list((window_ends or {}).values())
    stopped = cap_stop_text(ends, scenario)
    saturated = saturation_warning(
        report,
        scenario.horizon_days,
        suggestion,
        model=model,
        capped=f"scenario.max_cases={scenario.max_cases} {stopped}" if stopped else None,
    )
    overloaded = offered_load_warning(report, model, scenario)
    joint = capped_joint_hours_warning(model, scenario)
    # where no judgement of the model's work saw it (steps of several roles)
    judged = saturated or overloaded or joint
    backlog = None if judged else backlog_warning(table, model, scenario, window_ends)
    warnings = [
        w
        for w in (
            empty_window_warning(table, scenario, simulated_cases=taken.simulated_cases),
            capped_window_warning(ends, scenario),
            short_window_note(table, report, model, scenario, window_ends),
            unfinished_warning(table, scenario),
            saturated,
            backlog,
            None
            if backlog
            else warmup_warning(
                report, model, scenario, measured_window_days(table, scenario, window_ends)
            ),
            above_target_note(report, suggestion),
            idle_roles_note(report, model),
            f"note: {uncosted}" if uncosted else None,
            # said before the run too: a step whose queue grows while its roles look idle
            joint,
            overloaded,
            lost_off_shift,  # said before the run too
        )
        if w
    ]
    report["warnings"] = warnings
    return report, warnings
