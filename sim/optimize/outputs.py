"""Result files of a search: trials.csv, pareto.csv, best/<rank>.yaml, recommendations.md."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
import pandas as pd
from optuna.trial import TrialState

from sim.kpis.compare import WINDOW_EDGE
from sim.kpis.summary import SEGMENT_PREFIX
from sim.kpis.units import change_decimals, kpi_unit, labelled, signed_number, value_decimals
from sim.model import save
from sim.model.calendar import HOURS_PER_WEEK
from sim.model.markdown_text import md_code, md_text
from sim.model.process import ProcessModel
from sim.model.scenario import Scenario, staffing_overrides
from sim.model.views import offered_load
from sim.optimize.confirm import (
    IDENTICAL,
    MIN_PAIRS,
    NEGLIGIBLE_CHANGE,
    NOT_MEASURED,
    Candidate,
    is_recommended,
    judged_words,
    negligible,
    overload_text,
    partly_judged,
    window_edge,
)
from sim.optimize.evaluate import Evaluator
from sim.optimize.objectives import (
    Constraint,
    Objective,
    constraints_met,
    derived_value,
    measured_nothing,
)
from sim.optimize.prune import CHANGED_NOTHING, COSTLY_NOISE, HARM, NOISE
from sim.optimize.study import running_whose

if TYPE_CHECKING:
    from sim.optimize.study import StudySnapshot

#: KPI -> (name, unit); the units are sim.kpis.units' (one place for every report)
#: Today's process as the search simulated it, beside the redesigns in ``best/``.
TODAY_FILE = "today.yaml"
LABELS = labelled(
    {
        "cycle_time_mean": "mean cycle time",
        "cycle_time_median": "median cycle time",
        "cycle_time_p90": "p90 cycle time",
        "cycle_time_p95": "p95 cycle time",
        "dropoff_rate": "drop-off rate",
        # every share of cases or of time, so that it reads in % and its change in pp like the
        # drop-off rate (QA optim25 F5: conversion_rate read 0.433, -0.0016)
        "conversion_rate": "conversion rate",
        "abandon_rate": "abandon rate",
        "value_added_ratio": "value-added ratio",
        "timer_share": "timer share of cycle time",
        "cost_per_case": "cost per case",
        "throughput_per_week": "throughput",
        "utilisation_max": "highest utilisation",
        "margin_per_case": "margin per case",
        "one_off_cost": "one-off cost",
        # every other KPI an objective may name, so that none reads as its key and without
        # its unit (QA rt_optim F5: "headcount 4.0", "waiting_per_case 0.961")
        "headcount": "headcount",
        "waiting_per_case": "waiting per case",
        "processing_cost_per_case": "processing cost per case",
        "revenue_per_case": "revenue per case",
        "throughput_per_day": "throughput per day",
        "arrivals_per_week": "arrivals",
        "wip_mean": "work in progress",
        "wip_change": "change in work in progress",
        "cases_arrived": "cases arrived",
        "cases_completed": "cases completed",
        "cases_dropped": "cases dropped",
        "cases_in_progress": "cases in progress",
        "time_in_process": "hours in the process",
    }
)


MONEY_NOTE = " Costs are in the model's own cost units (a model names no currency)."
"""Said under the baseline: what unit the costs of the tables below are in."""


#: the KPI families kpis.json pools over the replications and a search averages
POOLED_IN_KPIS_JSON = (
    "cycle_time_median",
    "cycle_time_p90",
    "cycle_time_p95",
    "waiting_share",
    "queue_share",
    "timer_share",
)


def _averaged_note(kpis: Sequence[str]) -> str:
    """Said after the objectives where one of them (or a constraint) is a percentile or a time
    share: the search takes each replication's and averages them, where a simulate run's
    kpis.json pools every replication's cases (QA pooled24 #5: p95 209.3 here, 235.5 in the
    check run's kpis.json over a 7-day horizon)."""
    named = [k for k in dict.fromkeys(kpis) if k.split(":")[0] in POOLED_IN_KPIS_JSON]
    if not named:
        return ""
    return (
        f" {', '.join(_name(k) for k in named)}: each replication's own, averaged over the "
        "replications, as the search compares them (a simulate run's kpis.json pools every "
        "replication's cases instead, which can differ, most over a short horizon)."
    )


def _name(kpi: str) -> str:
    """A KPI's name in recommendations.md (``mean cycle time``; a step's or role's KPI by its
    key, escaped)."""
    return md_text(LABELS.get(kpi, (kpi,))[0])


def trials_table(
    study: optuna.Study | StudySnapshot, objectives: Sequence[Objective]
) -> pd.DataFrame:
    """One row per trial of ``study`` (or of a snapshot of it): state, objective values,
    one-off cost, changes, flags."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"trial": t.number, "state": t.state.name}
        for i, o in enumerate(objectives):
            row[o.kpi] = t.values[i] if t.values is not None else math.nan
        row["one_off_cost"] = t.user_attrs.get("one_off_cost")
        row["replications"] = t.user_attrs.get("replications")
        row["stopped_early"] = t.user_attrs.get("stopped_early")
        row["duplicate_of"] = t.user_attrs.get("duplicate_of")
        row["feasible"] = (
            all(c <= 0 for c in t.user_attrs.get("constraints", []))
            if t.state == TrialState.COMPLETE
            else None
        )
        row["refused"] = t.user_attrs.get("refused")
        # a failed trial the search space did not refuse was cut short: the run stopped in it
        # (Ctrl-C, SIGTERM, a kill, an error); QA 2026-12-04 #8: it read like a refusal
        row["failed"] = (
            "stopped before its result: the run was interrupted, killed or failed during it"
            if t.state == TrialState.FAIL and not row["refused"]
            else None
        )
        row["changes"] = " | ".join(t.user_attrs.get("changes", []))
        rows.append(row)
    return pd.DataFrame(rows)


def pareto_table(
    candidates: Sequence[Candidate],
    objectives: Sequence[Objective],
    *,
    baseline_search: Mapping[str, float] | None = None,
    baseline_confirmed: Mapping[str, float] | None = None,
    constraints: Sequence[Constraint] = (),
) -> pd.DataFrame:
    """The confirmed candidates with search and confirmed values and verdicts, and (given
    ``baseline_search``, today's KPI means on the search's replications) a last row for today's
    process: ``is_baseline`` true, no rank or trial, verdict ``baseline``, its ``(search)``
    values those the trials are relative to and its ``(confirmed)`` values
    ``baseline_confirmed`` (the confirmation's baseline, which every ``change`` is against);
    ``feasible`` says whether it meets ``constraints`` on the confirmed means (on the search's
    without them): empty where they are not measured (``constraints_met``: the confirmation's
    replications measured nothing), as it is for such a candidate."""
    rows = []
    for c in candidates:
        row: dict[str, Any] = {
            "rank": c.rank,
            "trial": c.trial,
            "is_baseline": False,
            "verdict": c.verdict,
            "feasible": c.feasible,
            "recommended": is_recommended(c),
            "search_rank": c.search_rank,
        }
        for o, v in zip(objectives, c.search_values, strict=True):
            row[f"{o.kpi} (search)"] = v
            if c.comparison is not None and o.kpi in c.comparison.index:
                r = c.comparison.loc[o.kpi]
                row[f"{o.kpi} (confirmed)"] = r["alt"]
                row[f"{o.kpi} change"] = r["diff"]
                row[f"{o.kpi} ci_low"] = r["ci_low"]
                row[f"{o.kpi} ci_high"] = r["ci_high"]
        row["one_off_cost"] = c.one_off_cost
        row["changes"] = " | ".join(c.changes)
        # changes of the search's redesign left out after the ablation (sim.optimize.prune)
        row["dropped"] = " | ".join(
            d["change"] for p in c.pruning if p.get("adopted") for d in p["dropped"]
        )
        rows.append(row)
    if baseline_search is not None:
        judged = baseline_confirmed if baseline_confirmed is not None else baseline_search
        row = {
            "rank": None,
            "trial": None,
            "is_baseline": True,
            "verdict": "baseline",
            "feasible": constraints_met(judged, constraints),
            "recommended": False,
            "search_rank": None,
        }
        for o in objectives:
            row[f"{o.kpi} (search)"] = derived_value(baseline_search, o.kpi)
            if baseline_confirmed is not None:
                row[f"{o.kpi} (confirmed)"] = derived_value(baseline_confirmed, o.kpi)
        row |= {"one_off_cost": 0.0, "changes": "", "dropped": ""}
        rows.append(row)
    table = pd.DataFrame(rows)
    # whole numbers stay whole beside the baseline's empty rank and trial
    ints = {k: "Int64" for k in ("rank", "trial", "search_rank") if k in table}
    return table.astype(ints)


def write_best_models(
    candidates: Sequence[Candidate], evaluator: Evaluator, folder: Path
) -> list[Path]:
    """The redesigned model of each candidate as ``best/<rank>.yaml``, and today's process as
    the search simulated it as ``best/today.yaml`` (``scenario.staffing`` in it), so both can be
    simulated again (``check_command``); the ranks a previous pass of this search wrote and this
    one does not (a resumed study with fewer candidates) are removed, so ``best/`` never holds a
    stale model."""
    folder.mkdir(parents=True, exist_ok=True)
    ranks = {f"{c.rank}.yaml" for c in candidates}
    for old in folder.glob("*.yaml"):
        if old.stem.isdigit() and old.name not in ranks:
            old.unlink()
    paths = [save(evaluator.redesigned({}), folder / TODAY_FILE, overwrite=True)]
    for c in candidates:
        model = evaluator.redesigned(c.choice)
        paths.append(save(model, folder / f"{c.rank}.yaml", overwrite=True))
    return paths


def free_check_folder(run_dir: Path) -> str:
    """The folder of ``run_dir`` that recommendations.md's check commands write to: ``check``,
    or where an earlier confirmation's checks are there (a resumed or extended search),
    ``check-2``, ``check-3``, ...: the first that does not exist, so that the printed command
    runs as printed (a simulate run refuses a directory holding results)."""
    if not (run_dir / "check").exists():
        return "check"
    n = 2
    while (run_dir / f"check-{n}").exists():
        n += 1
    return f"check-{n}"


def _earlier_checks_text(check_folder: str) -> str:
    """What recommendations.md says of the folders of earlier confirmations' checks, beside the
    free one (``free_check_folder``) its check commands write to (QA retest24 #8: a third
    confirmation named check/ only, where check-2/ held one too)."""
    if check_folder == "check":
        return ""
    n = int(check_folder.removeprefix("check-"))
    earlier = ["check/", *(f"check-{k}/" for k in range(2, n))]
    if len(earlier) == 1:
        return "; check/ holds the checks of an earlier confirmation of this directory"
    return (
        f"; {', '.join(earlier[:-1])} and {earlier[-1]} hold the checks of earlier "
        "confirmations of this directory"
    )


def check_command(scenario: Scenario, *, seed: int, first: int, replications: int) -> str:
    """The ``python -m sim simulate`` arguments (all but ``process=``) that simulate a model of
    ``best/`` over replications ``first..first+replications-1`` of the search's scenario: the
    same random numbers as the confirmation, hence the same means. Every scenario key is given,
    so no default of the simulate config (which may differ from the search's) gets in."""
    args = [f"seed={seed}", f"first_replication={first}", f"scenario.replications={replications}"]
    for key, value in scenario.to_dict().items():
        if key in ("replications", "staffing"):  # staffing: in the models (best/today.yaml)
            continue
        text = "null" if value is None else str(value).lower() if isinstance(value, bool) else value
        args.append(f"scenario.{key}={text}")
    return " ".join(args)


def _bound(c: Constraint) -> str:
    """A constraint's bounds in words: ``<= 0.9``, ``>= 0.2``, ``between 0.2 and 0.9``."""
    if c.low is not None and c.high is not None:
        return f"between {c.low:g} and {c.high:g}"
    return f"<= {c.high:g}" if c.high is not None else f">= {c.low:g}"


def constraint_breaches(means: Mapping[str, float], constraints: Sequence[Constraint]) -> list[str]:
    """The constraints that KPI means break, each with its value (``utilisation_max`` with its
    busiest role): ``["utilisation_max 1 (busiest role: Appraiser), where <= 0.9 is required"]``.
    An undefined value breaks its constraint, as in the search; of replications that measured
    nothing (``measured_nothing``) it says so."""
    out = []
    unmeasured = " (its replications measured nothing)" if measured_nothing(means) else ""
    for c in constraints:
        value = derived_value(means, c.kpi)
        if c.violation(value) <= 0:
            continue
        text = f"{c.kpi} {value:.3g}" if value == value else f"{c.kpi} undefined{unmeasured}"
        if c.kpi == "utilisation_max" and value == value:
            busiest = max(
                (k for k in means if k.startswith("utilisation:") and means[k] == means[k]),
                key=lambda k: means[k],
            )
            text += f" (busiest role: {busiest.partition(':')[2]})"
        out.append(f"{text}, where {_bound(c)} is required")
    return out


def search_feasibility(
    study: optuna.Study | StudySnapshot, evaluator: Evaluator, constraints: Sequence[Constraint]
) -> dict[str, Any]:
    """How many completed trials met the constraints and, when none did, the nearest: the
    trial whose largest violation, relative to its bound, is smallest, with the constraints it
    breaks (``constraint_breaches`` of its search means)."""
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    feasible = [t for t in done if all(v <= 0 for v in t.user_attrs.get("constraints", []))]
    out: dict[str, Any] = {"completed": len(done), "feasible": len(feasible)}
    if feasible or not done or not constraints:
        return out

    def shortfall(t: optuna.trial.FrozenTrial) -> float:
        worst = -math.inf
        for c, v in zip(constraints, t.user_attrs.get("constraints", []), strict=False):
            bound = c.high if c.high is not None else c.low
            worst = max(worst, v / abs(bound) if bound else v)
        return worst

    nearest = min(done, key=shortfall)
    choice = {k: v for k, v in nearest.params.items()}
    reps = int(nearest.user_attrs.get("replications") or 1)
    means = evaluator.means(choice, reps)
    out["nearest"] = {"trial": nearest.number, "broken": constraint_breaches(means, constraints)}
    return out


def _unit(kpi: str) -> str:
    """The unit a KPI is shown in here: ``LABELS``'s; any other KPI's ``kpi_unit`` (a case
    segment's KPI its KPI's, a step's or role's KPI its family's: ``waiting_mean:review`` in
    h)."""
    if kpi in LABELS:
        return LABELS[kpi][1]
    return kpi_unit(kpi)


def _fmt(kpi: str, v: float | None) -> str:
    """A KPI's value in recommendations.md with thousands separators and ``sim.kpis.units.VALUE_DIGITS``
    significant digits at least: money with no decimals from 100 on (``134``, ``42.9``,
    ``0.0120``), other units with one at least (``24.6 h``, ``0.0300 h``, ``1,234.5 h``); a
    share in % with one decimal, more where a value that is not 0 would read 0.0 (``change_decimals``);
    ``-`` for none."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    unit, v = _unit(kpi), v + 0.0  # + 0.0: a -0.0 reads 0, never "-0.0"
    if unit == "%":
        x = v * 100
        return f"{x:.{change_decimals([x], least=1)}f} %"
    d = value_decimals(v, 0 if unit in ("money", "people") else 1)  # "4 people", not 4.0
    return f"{v:,.{d}f}" if unit == "money" else f"{v:,.{d}f} {unit}".strip()


def _signed(values: Sequence[float], least: int = 2) -> list[str]:
    """``values`` with a sign, thousands separators and ``change_decimals`` decimals (None: ``-``);
    one that reads 0 at them is ``0.00``, never ``-0.00`` (``signed_number``)."""
    d = change_decimals(values, least)
    return ["-" if v is None else signed_number(v, d) for v in values]


def _fmt_change(kpi: str, row: pd.Series, replications: int | None = None) -> str:
    """A comparison row's change with its CI, and how many of the ``replications`` pairs had
    a value on both sides when some had none (a step no case reached in a replication, a
    replication that measured nothing); a change of one pair has no interval, said so (it
    read "[+nan, +nan]")."""
    n = row.get("n")
    if pd.isna(row["diff"]):
        return "- (no replication has a value on both sides)"
    pairs = (
        f" ({int(n)} of {replications} replications with a value on both sides)"
        if replications is not None and pd.notna(n) and int(n) < replications
        else ""
    )
    unit = _unit(kpi)
    scale, suffix = (100.0, " pp") if unit == "%" else (1.0, "")
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        (d,) = _signed([row["diff"] * scale])
        interval = f"[no interval: a test needs {MIN_PAIRS} pairs]"
    else:
        d, lo, hi = _signed([row["diff"] * scale, row["ci_low"] * scale, row["ci_high"] * scale])
        interval = f"[{lo}, {hi}]"
    rel = f" ({_relative_text(row)} %)" if pd.notna(row.get("relative")) else ""
    return f"{d}{suffix}{rel} {interval}{pairs}"


def _untested(row: Mapping[str, Any] | pd.Series) -> bool:
    """Whether a comparison row has a change but no test: fewer than ``MIN_PAIRS`` pairs with a
    value on both sides (``sim.kpis.paired_comparison``: no interval, no p-value)."""
    n, diff = row.get("n"), row.get("diff")
    return diff is not None and pd.notna(diff) and n is not None and pd.notna(n) and n < MIN_PAIRS


def _relative_text(row: pd.Series) -> str:
    """A comparison row's relative change in per cent, with the decimals its interval needs
    (the interval over today's mean): float noise of a change that is 0 reads 0.0, not
    -0.0000000000000020 (QA confirmedge18), nor -0.0 (``signed_number``)."""
    values = [row["relative"] * 100]
    base = row.get("base")
    if base is not None and pd.notna(base) and base != 0:
        bounds = [row["ci_low"] * 100 / base, row["ci_high"] * 100 / base]
        values += [v for v in bounds if pd.notna(v)]
    return signed_number(values[0], change_decimals(values, 1))


VERDICT_TEXT = {
    "better": "better than today",
    "trade-off": "a trade-off (better on some objectives, worse on others)",
    "within noise": "within noise (not shown to differ from today)",
    "worse": "worse than today",
    NOT_MEASURED: "not judged (its confirmation measured nothing)",
}
WHY_NOT = {
    "within noise": "no objective changed significantly in the paired replications (after "
    "Holm's adjustment for the number of comparisons)",
    "worse": "significantly worse on at least one objective (unadjusted 95 % CI) and better on "
    "none after Holm's adjustment",
}


NEGLIGIBLE = "negligible"
"""The mark of a change under the practical-significance floor in the ablation's and
pruning's tables (``negligible`` in a contribution or in ``versus_kept``)."""

NEGLIGIBLE_TEXT = (
    f"smaller than {100 * NEGLIGIBLE_CHANGE:g} % of today's value ({100 * NEGLIGIBLE_CHANGE:g} "
    "percentage points for a share)"
)
"""The practical-significance floor (``sim.optimize.confirm.NEGLIGIBLE_CHANGE``) in words."""


def _floor(kpis: Sequence[str]) -> str:
    """The floor below which a change of ``kpis`` is negligible: ``under 0.1 % of today's
    value``, ``under 0.1 percentage points`` for a share, both when they differ."""
    share = f"{100 * NEGLIGIBLE_CHANGE:g} percentage points"
    value = f"{100 * NEGLIGIBLE_CHANGE:g} % of today's value"
    units = {_unit(k) == "%" for k in kpis}
    return "under " + " or ".join([value] * (False in units) + [share] * (True in units))


def negligible_gains(c: Candidate, objectives: Sequence[Objective]) -> list[str]:
    """The objectives ``c`` improves significantly (after Holm's adjustment where there is one)
    but negligibly (``sim.optimize.confirm.negligible``): improvements its verdict does not
    count."""
    comp = c.comparison
    if comp is None:
        return []
    adjusted = "significant_adjusted" in comp.columns
    out = []
    for o in objectives:
        if o.kpi not in comp.index:
            continue
        r = comp.loc[o.kpi]
        significant = r["significant_adjusted"] if adjusted else r["significant"]
        edge = window_edge(r)  # said as the window's edges instead
        if bool(significant) and r["diff"] * o.sign < 0 and negligible(o.kpi, r) and not edge:
            out.append(o.kpi)
    return out


def _worse_objectives(c: Candidate, objectives: Sequence[Objective]) -> list[str]:
    """The objectives ``c`` is significantly worse on than today (unadjusted, as the verdict
    counts a worsening; a change of the window's edges is none)."""
    comp = c.comparison
    if comp is None:
        return []
    return [
        o.kpi
        for o in objectives
        if o.kpi in comp.index
        and bool(comp.loc[o.kpi, "significant"])
        and comp.loc[o.kpi, "diff"] * o.sign > 0
        and not window_edge(comp.loc[o.kpi])
    ]


def _window_edge_objectives(c: Candidate, objectives: Sequence[Objective]) -> list[str]:
    """The objectives whose significant change against today is the measurement window's edges
    (``sim.optimize.confirm.window_edge``): changes the verdict does not count."""
    comp = c.comparison
    if comp is None:
        return []
    return [o.kpi for o in objectives if o.kpi in comp.index and window_edge(comp.loc[o.kpi])]


def _window_edge_why(c: Candidate, objectives: Sequence[Objective]) -> str:
    """Why a window-edge change of an objective does not count, or ''."""
    return _edge_text(_window_edge_objectives(c, objectives))


def _tag(c: Candidate, objectives: Sequence[Objective]) -> str:
    """A candidate's verdict in words; ``within noise`` with a negligible significant gain is
    no practical difference, not 'not shown to differ'; a verdict on fewer pairs than the
    confirmation's replications says on how many (``judged_words``); a candidate not judged
    because one replication only measured something (``unjudged``) says so."""
    if c.verdict == NOT_MEASURED and c.measured:
        return (
            f"not judged (its confirmation measured {c.measured} of {c.replications} "
            f"replications: a paired test needs {MIN_PAIRS})"
        )
    if c.verdict == "within noise" and negligible_gains(c, objectives):
        text = "no practical difference from today (a significant but negligible change)"
    else:
        text = VERDICT_TEXT.get(c.verdict, c.verdict)
    judged = judged_words(c)
    return f"{text}, {judged}" if judged else text


def _judged_on_lines(c: Candidate, reps_label: str, scenario: Scenario | None) -> list[str]:
    """What a verdict on fewer pairs than the confirmation's replications rests on, per
    objective, and why the others are missing: replications that measured nothing (the cap
    named, with what to do) or no value on one side (a step no case reached); [] where every
    objective was judged on every pair."""
    partly = partly_judged(c)
    if not partly:
        return []
    n = c.replications
    whole = [k for k, pairs in c.judged_on.items() if k not in partly]
    each = "; ".join(
        f"{_name(k)} on {pairs}"
        + (": no test, neither better nor worse" if pairs < MIN_PAIRS else "")
        for k, pairs in partly.items()
    )
    text = f"Judged on fewer than the confirmation's {n} paired replications: {each}" + (
        f" ({_labels(whole)} on all {n})" if whole else ""
    )
    text += (
        ". Its intervals, tests and verdict are of the pairs with a value on both sides, which "
        f"detect less than {n} would"
    )
    missing = n - (c.measured if c.measured is not None else n)
    if missing:
        text += "; " + md_text(_unmeasured_text(f"{missing} of {reps_label}", scenario))
    if c.measured is not None and any(pairs < c.measured for pairs in partly.values()):
        text += (
            f"; of the {c.measured} that measured something, those left out had no value of "
            "the KPI on one side (no case reached the step, or none finished)"
        )
    return [text + ".", ""]


def _unjudged_why(c: Candidate, reps_label: str, scenario: Scenario | None) -> str:
    """Why a ``NOT_MEASURED`` candidate could not be judged (``unjudged``)."""
    if not c.measured:
        return (
            f"it could not be judged: {reps_label} measured nothing (their cases all "
            "arrived in the warm-up), so no KPI but those the scenario sets has a value"
        )
    others = (c.replications or c.measured) - c.measured
    return (
        f"it could not be judged: only {c.measured} of {reps_label} measured something, and a "
        f"paired test needs {MIN_PAIRS}, so no KPI but those the scenario sets has a test; "
        + md_text(_unmeasured_text(f"the other {others}", scenario))
    )


def _negligible_why(c: Candidate, objectives: Sequence[Objective]) -> str:
    """Why a negligible improvement does not count, or ''."""
    small = negligible_gains(c, objectives)
    if not small:
        return ""
    return (
        f"its significant improvement on {_labels(small)} is negligible ({_floor(small)}), "
        "which makes no redesign better than today"
    )


def _who(trial: Any, c: Candidate, candidates: Sequence[Candidate]) -> str:
    other = next((o for o in candidates if o.trial == trial and o is not c), None)
    return f"#{other.rank} (trial {other.trial})" if other else f"trial {trial}"


def _labels(kpis: Sequence[str]) -> str:
    return ", ".join(_name(k) for k in kpis)


def _p_text(d: Mapping[str, Any], kpis: Sequence[str]) -> str:
    """``mean cycle time: p = 0.012, Holm-adjusted p = 0.036; ...`` for the given KPIs."""
    raw, adj = d.get("p_value") or {}, d.get("p_adjusted") or {}
    parts = []
    for k in kpis:
        bits = [f"p {_p(raw[k])}"] if raw.get(k) is not None else []
        if adj.get(k) is not None:
            bits.append(f"Holm-adjusted p {_p(adj[k])}")
        if bits:
            parts.append(f"{_name(k)}: " + ", ".join(bits))
    return "; ".join(parts)


def _pair_edge_text(d: Mapping[str, Any]) -> str:
    """What a dominance record (``sim.optimize.confirm.mark_dominated``) says of the objectives
    on which the two differ only at the measurement window's edges (``window_edge``) or by a
    negligible amount (``negligible``), or ''."""
    edges = d.get("window_edge") or {}
    small = list(d.get("negligible") or [])
    text = (
        f"; their difference in {_labels(list(edges))} is the measurement window's edges "
        f"({WINDOW_EDGE}: {md_text('; '.join(edges.values()))}), neither better nor worse"
        if edges
        else ""
    )
    if small:
        text += (
            f"; their difference in {_labels(small)} is negligible ({_floor(small)}), neither "
            "a lead nor a lag"
        )
    return text


def _family_text(d: Mapping[str, Any]) -> str:
    m = d.get("comparisons")
    return (
        f"paired t-test, Holm's adjustment over the {m} comparisons between recommended redesigns"
        if m
        else "paired t-test, Holm's adjustment over the comparisons between recommended redesigns"
    )


def _dominated_text(c: Candidate, candidates: Sequence[Candidate]) -> str:
    d = c.dominated_by or {}
    on = d.get("better_on", [])
    n = d.get("replications")
    same = f"on the same {n} replications" if n else "on the same replications"
    ps = _p_text(d, on)
    by = _who(d.get("trial"), c, candidates)
    text = (
        f"dominated by {by}: {same}, its confirmed means are no "
        f"worse on any objective and significantly better on {_labels(on)} ({_family_text(d)}"
        + (f"; {ps}" if ps else "")
        + _pair_edge_text(d)
        + "), so this one is no trade-off worth choosing"
    )
    ahead = d.get("ahead_of") or []
    if ahead:
        # QA: a recommended #2 behind this one on the mean looked inconsistent
        names = _and([_who(x.get("trial"), c, candidates) for x in ahead])
        on_ = _labels(list(dict.fromkeys(k for x in ahead for k in x.get("ahead_on", []))))
        one = len(ahead) == 1
        text += (
            f". Its means are ahead of {names} on {on_} (and no worse on any objective), yet "
            f"{names} {'stays' if one else 'stay'} recommended: that lead is not significant, "
            f"and no recommended redesign, {by} included, is shown to dominate "
            f"{'it' if one else 'them'} with these replications (each pair is tested on its "
            "own paired differences, so a significant lead over this one need not carry over)"
        )
    return text


def _indistinguishable_lines(c: Candidate, candidates: Sequence[Candidate]) -> list[str]:
    """A recommended candidate another one leads on every objective's mean, but not
    significantly: both stay, and the reader is told why."""
    lines = []
    for d in c.indistinguishable_from:
        ahead = d.get("ahead_on", [])
        n = d.get("replications")
        with_n = f" with {n} paired replications" if n else ""
        ps = _p_text(d, ahead)
        other = next((o for o in candidates if o.trial == d.get("trial") and o is not c), None)
        if d.get("recommended", True) and (other is None or is_recommended(other)):
            end = "so both are recommended"
        else:
            # QA: "so both are recommended" of a #3 listed under "Tried, not recommended"
            by = (other.dominated_by or {}).get("trial") if other is not None else None
            why = f" (dominated by {_who(by, c, candidates)})" if by is not None else ""
            end = (
                f"but that one is not recommended itself{why}, while no recommended redesign "
                "is shown to dominate this one, so this one is"
            )
        lines += [
            f"Not distinguishable from {_who(d.get('trial'), c, candidates)}: its confirmed "
            f"means are no worse on any objective and ahead on {_labels(ahead)}, but no better "
            f"or worse than this one is detectable{with_n} ({_family_text(d)}"
            + (f"; {ps}" if ps else "")
            + _pair_edge_text(d)
            + f"), {end}.",
            "",
        ]
    return lines


def _effects(
    a: Mapping[str, Any], objectives: Sequence[Objective], *, adjusted: bool
) -> tuple[list[str], list[str]]:
    """The objectives a change helps and hurts by its ablation row: significant after Holm's
    adjustment over the ablation's tests (``adjusted``: what the role uses, ``*`` in the table)
    or significant only unadjusted (``°`` in the table). A throughput change of the window's
    edges (``window_edge``) is neither (``_edge_objectives``), nor is a negligible one
    (``negligible``: ``_negligible_objectives``)."""
    helps: list[str] = []
    hurts: list[str] = []
    for o in objectives:
        v = (a.get("contribution") or {}).get(o.kpi)
        if not v or v.get("improvement") is None or v["improvement"] == 0 or window_edge(v):
            continue
        if v.get("negligible"):
            continue
        after = bool(v.get("significant_adjusted", v["significant"]))
        if after if adjusted else bool(v["significant"]) and not after:
            (helps if v["improvement"] > 0 else hurts).append(_name(o.kpi))
    return helps, hurts


def _edge_objectives(a: Mapping[str, Any], objectives: Sequence[Objective]) -> list[str]:
    """The objectives whose change without the change of ablation row ``a`` is the measurement
    window's edges (``window_edge`` in its contribution): neither help nor harm."""
    contribution = a.get("contribution") or {}
    return [o.kpi for o in objectives if window_edge(contribution.get(o.kpi) or {})]


def _negligible_objectives(a: Mapping[str, Any], objectives: Sequence[Objective]) -> list[str]:
    """The objectives whose significant change (unadjusted) without the change of ablation row
    ``a`` is under the floor of a negligible improvement (``negligible`` in its contribution,
    ``sim.optimize.confirm.negligible_between``): neither help nor harm."""
    contribution = a.get("contribution") or {}
    return [
        o.kpi
        for o in objectives
        if (v := contribution.get(o.kpi) or {}).get("negligible") and v.get("significant")
    ]


def _negligible_text(kpis: Sequence[str]) -> str:
    """``its significant change of mean cycle time is negligible (under 0.1 % of today's
    value), neither better nor worse``, or '' for none."""
    if not kpis:
        return ""
    return (
        f"its significant change of {_labels(kpis)} is negligible ({_floor(kpis)}), neither "
        "better nor worse"
    )


def _edge_text(kpis: Sequence[str]) -> str:
    """``its significant change of throughput is the measurement window's edges (window edge,
    ...), neither ...``: why such changes count for nothing; '' for none."""
    if not kpis:
        return ""
    return (
        f"its significant change of {_labels(kpis)} is the measurement window's edges "
        f"({WINDOW_EDGE}, below), neither better nor worse"
    )


def _and(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(w for w in (", ".join(words[:-1]), words[-1]) if w) if words else ""


def _before_holm(helps: Sequence[str], hurts: Sequence[str]) -> str:
    """What the unadjusted intervals alone say, the change taken out: ``worse on X and better on
    Y``."""
    parts = [
        f"worse on {_and(helps)}" if helps else "",
        f"better on {_and(hurts)}" if hurts else "",
    ]
    return ", ".join(p for p in parts if p)


def _held(a: Mapping[str, Any], attempts: Sequence[Mapping[str, Any]]) -> str:
    """Why the pruning attempts that took this change out did not keep the redesign without
    it (``without it alone, the redesign is significantly worse on ...``), or ''."""
    kept = [
        p
        for p in attempts
        if not p.get("adopted")
        and any(d.get("variable") == a.get("variable") for d in p.get("dropped", []))
    ]
    if not kept:
        return ""
    found = []
    for p in kept:
        others = len(p.get("dropped", [])) - 1
        without = (
            "without it alone"
            if not others
            else f"without it and {others} other change{'s' if others > 1 else ''}"
        )
        why = (
            "the redesign is significantly worse on " + _and([_name(k) for k in p["worse_on"]])
            if p.get("worse_on")
            else md_text(p.get("reason", "see below"))
        )
        found.append(f"{without}, {why}")
    return "; ".join(found)


def _ablation_note(
    a: dict[str, Any],
    objectives: Sequence[Objective],
    *,
    tried: bool,
    attempts: Sequence[Mapping[str, Any]] = (),
) -> str:
    """What the ablation says about one change, for the changes list ('' when it helps).

    ``tried``: the redesign without the changes of this role was confirmed (and kept, since the
    change is still listed), so the evidence below replaces the ablation's expectation;
    ``attempts``: the candidate's pruning records (``sim.optimize.prune``), whose confirmed
    evidence about this change is said beside it. The role uses Holm's adjustment over the
    ablation's tests (``*`` in the table); an effect significant only unadjusted (``°``) is
    named too, so the words never say "no effect" beside an interval that excludes 0."""
    role = a.get("role")
    m = a.get("comparisons")
    holm_tests = (
        f"Holm's adjustment over the ablation's {_count(m, 'test')}" if m else "Holm's adjustment"
    )
    unadjusted = _before_holm(*_effects(a, objectives, adjusted=False))
    held = _held(a, attempts)
    # under the floor of a negligible improvement: no gain, no harm (said, so the role is no
    # puzzle beside a * in the table)
    small = _negligible_text(_negligible_objectives(a, objectives))
    if role == "harm" and (tried or held):
        if held:
            return (
                " — **ablation: harm**, but the redesign without it did not hold up once "
                f"confirmed ({held}; below), so it stays."
            )
        return (
            " — **ablation: harm**, but the redesign without the changes rated harm did not "
            "hold up (below), so it stays."
        )
    if role == "harm":
        _helps, hurt = _effects(a, objectives, adjusted=True)
        return (
            " — **ablation: harm.** Taken out alone, the redesign did significantly better on "
            + _and(hurt)
            + " and no worse on any objective after "
            + holm_tests
            + (f" (unadjusted, {unadjusted}: ° below)" if unadjusted else "")
            + ": dropping this change is expected to do better"
            + (f"; without it, {small}" if small else "")
            + "."
        )
    if role == "noise":
        n = a.get("replications")
        with_n = f" with {n} paired replications" if n else ""
        same = [v.get("identical") for v in (a.get("contribution") or {}).values()]
        edges = _edge_objectives(a, objectives)
        if edges or small:  # significant, yet no effect that counts: said, so "noise" is no puzzle
            why = "; ".join(t for t in (_edge_text(edges), small) if t)
            text = f" — ablation: noise: without it, {why}" + (
                f"; before Holm's adjustment (unadjusted 95 % CIs, ° below) the redesign "
                f"without it did {unadjusted}"
                if unadjusted
                else f"; no other effect detectable{with_n}"
            )
        elif same and all(same):
            text = (
                f" — ablation: without it every objective was {IDENTICAL}"
                + (f" (all {n})" if n else "")
                + ": no effect on them in these runs"
            )
        elif unadjusted:
            text = (
                f" — ablation: noise: no effect significant after {holm_tests}{with_n}, "
                "which the role uses; before the adjustment (unadjusted 95 % CIs, ° below) the "
                f"redesign without it did {unadjusted}"
            )
        else:
            text = (
                f" — ablation: no effect detectable{with_n} on any objective (which does not "
                "show it has none)"
            )
        if held:
            text += (
                f"; the redesign without it did not hold up once confirmed ({held}; below), so "
                "it stays"
            )
        return text + "."
    return ""


def _changes_lines(
    c: Candidate, objectives: Sequence[Objective], constraints: Sequence[Constraint]
) -> list[str]:
    by_change = {a["change"]: a for a in c.ablation if "refused" not in a}
    tried = {p["pass"] for p in c.pruning}
    lines = ["Changes:", ""]
    for s in c.changes:
        a = by_change.get(s)
        note = (
            _ablation_note(a, objectives, tried=PASS_ROLE_HARM in tried, attempts=c.pruning)
            if a
            else ""
        )
        lines.append(f"- {md_text(s)}" + note)
    lines.append("")
    if PASS_ROLE_HARM in tried:
        return lines
    harm = [a for a in c.ablation if a.get("role") == "harm"]
    check = (
        " The ablation compares the objectives only: check "
        + ", ".join(md_text(cn.describe()) for cn in constraints)
        + " before dropping "
        + ("it." if len(harm) == 1 else "them.")
        if constraints
        else ""
    )
    if len(harm) == 1:
        lines += [
            "**Expected to do better without the change rated harm**: the ablation simulated "
            "this redesign without it (table below)." + check,
            "",
        ]
    elif harm:
        lines += [
            f"**Expected to do better without the {len(harm)} changes rated harm**: the ablation "
            "took each out alone (table below); the redesign without all of them together was "
            "not simulated." + check,
            "",
        ]
    return lines


PASS_ROLE_HARM = HARM
#: How the summary line names what the ablation rated each adopted pass's changes.
PASS_RATING = {HARM: "harm", COSTLY_NOISE: COSTLY_NOISE, CHANGED_NOTHING: IDENTICAL, NOISE: "noise"}
PASS_TEXT = {
    HARM: "rated harm by the ablation",
    COSTLY_NOISE: "the ablation rated noise (no effect significant after Holm's "
    "adjustment over its tests) that carry a one-off cost",
    NOISE: "the ablation rated noise (no effect significant after Holm's adjustment over its "
    "tests) without a one-off cost: changes the organisation would make for no measured gain",
}


def _pruning_lines(
    c: Candidate,
    p: dict[str, Any],
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    replications: int,
) -> list[str]:
    """One pruning attempt: what was dropped, the paired evidence, the decision."""
    if p.get("pass") == "duplicate":
        return [f"Note: {md_text(p['reason'])}.", ""]
    what = PASS_TEXT.get(p["pass"], p["pass"])
    if p.get("alone"):  # after the changes of this role together did not hold up (above)
        what += ", on its own"
    n = len(p["dropped"])
    them = "it" if n == 1 else "them"
    if p["adopted"]:
        head = (
            f"**Dropped: the {'change' if n == 1 else f'{n} changes'} {what}.** The redesign "
            f"without {them} was re-simulated with the same {replications} paired replications "
            "(same random numbers) as today's process and the redesign with "
            f"{them}:"
        )
    else:
        head = (
            f"**Tried without the {'change' if n == 1 else f'{n} changes'} {what}** (re-simulated "
            f"with the same {replications} paired replications as today's process and the "
            f"redesign with {them}):"
        )
    lines = [head, ""]
    for d in p["dropped"]:
        saving = d.get("one_off_saving")
        extra = f", saves a one-off cost of {saving:,.0f}" if saving else ""
        if d.get("with"):  # a staffing change that needed it goes too
            extra += ", with the staffing change that needs it: " + md_text(", ".join(d["with"]))
        lines.append(f"- {md_text(d['change'])} ({md_text(d.get('role', ''))}{extra})"
                     + (": dropped" if p["adopted"] else ""))  # fmt: skip
    lines.append("")
    versus = p.get("versus_kept") or {}
    rows = [o.kpi for o in objectives] + [cn.kpi for cn in constraints]
    rows = [k for k in dict.fromkeys(rows) if k in versus]
    if rows:
        lines += [
            f"| KPI | with {them} | without {them} | change [95 % CI] | significant (unadjusted) |",
            "|---|---|---|---|---|",
        ]
        edges = []
        for k in rows:
            r = versus[k]
            significant = "yes" if r["significant"] else "no"
            if edge := window_edge(r):  # neither worse nor better (sim.optimize.prune)
                significant += f"; {WINDOW_EDGE}: neither better nor worse"
                edges.append((k, edge))
            elif r.get("negligible") and r["significant"]:  # under the floor: neither either
                significant += f"; {NEGLIGIBLE} ({_floor([k])}): neither better nor worse"
            lines.append(
                f"| {_name(k)} | {_fmt(k, r['base'])} | {_fmt(k, r['alt'])} | "
                f"{_fmt_change(k, r, replications)} | {significant} |"
            )
        lines.append("")
        for k, edge in edges:
            lines += [
                f"({WINDOW_EDGE}: the {_name(k)} change without {them} is the measurement "
                f"window's, not the redesign's: {md_text(edge)}; under the same demand that is a "
                "one-off shift at the window's edges, neither better nor worse, and the decision "
                "does not count it)",
                "",
            ]

    def label(kpis: Sequence[str]) -> str:
        return ", ".join(_name(k) for k in kpis)

    reason = md_text(p["reason"])
    # a change that changed nothing measured keeps its own reason (every objective identical)
    if p["adopted"] and p["pass"] != CHANGED_NOTHING:
        reason = "not significantly worse on any objective (unadjusted 95 % CI)"
        if constraints:
            reason += ", within " + ", ".join(md_text(cn.describe()) for cn in constraints)
        if p.get("better_on"):
            reason += ", and significantly better on " + label(p["better_on"])
        edges = [o.kpi for o in objectives if window_edge(versus.get(o.kpi) or {})]
        if edges:
            reason += f"; its {label(edges)} change is the window's edges ({WINDOW_EDGE}, above)"
        small = [
            o.kpi
            for o in objectives
            if (v := versus.get(o.kpi) or {}).get("negligible") and v.get("significant")
        ]
        if small:
            reason += (
                f"; its significant {label(small)} change is {NEGLIGIBLE} ({_floor(small)}, "
                f"above): what {'it' if n == 1 else 'they'} bought there makes no redesign "
                "better"
            )
    elif p.get("worse_on"):
        reason = f"the redesign is significantly worse than with {them} on " + label(p["worse_on"])
    if p["adopted"]:
        lines += [
            f"**Recommended without {them}**: {reason}. The changes, figures and "
            f"`best/{c.rank}.yaml` below are the redesign without {them}.",
            "",
        ]
    else:
        lines += [f"**Kept with {them}**: without {them}, {reason}.", ""]
    return lines


def _candidate_lines(
    c: Candidate,
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    replications: int = 20,
    *,
    model: ProcessModel | None = None,
    scenario: Scenario | None = None,
    busy: Mapping[str, float] | None = None,
) -> list[str]:
    lines: list[str] = []
    if c.original is not None:
        n = len(c.original["changes"]) - len(c.changes)
        lines += [
            f"The redesign of trial {c.trial} as the search found it "
            f"({len(c.original['changes'])} changes, verdict: "
            f"{VERDICT_TEXT.get(c.original['verdict'], c.original['verdict'])}) without "
            f"{n} change{'s' if n != 1 else ''} the ablation rated "
            + " or ".join(
                dict.fromkeys(
                    PASS_RATING.get(p["pass"], p["pass"]) for p in c.pruning if p.get("adopted")
                )
            )
            + " (below).",
            "",
        ]
    lines += _changes_lines(c, objectives, constraints)
    for p in c.pruning:
        lines += _pruning_lines(c, p, objectives, constraints, replications)
    was = (
        f" (as found: {c.original['one_off_cost']:,.0f})"
        if c.original is not None and c.original.get("one_off_cost") != c.one_off_cost
        else ""
    )
    lines += [f"One-off cost: {c.one_off_cost:,.0f}{was}. Model: `best/{c.rank}.yaml`.", ""]
    if model is not None:
        measured = measured_person_cost(c, objectives, model, scenario)
        lines += _idle_lines(model, c.rank, scenario, busy, measured)
    if c.comparison is not None:
        adjusted = "significant_adjusted" in c.comparison.columns
        lines += [
            "| KPI | today | redesign | change [95 % CI] | significant (unadjusted) | after Holm |",
            "|---|---|---|---|---|---|",
        ]
        judged = {o.kpi for o in objectives} | {cn.kpi for cn in constraints}
        small = negligible_gains(c, objectives)
        unreached: list[str] = []
        edges: list[tuple[str, str]] = []
        for k, r in c.comparison.iterrows():
            # a step's or role's KPI is shown when it is an objective or a constraint (QA: an
            # objective waiting_mean:contract_review was missing); the others are in
            # confirmation.json
            if ":" in k and not k.startswith(SEGMENT_PREFIX) and k not in judged:
                continue
            if k == "one_off_cost" and k not in {o.kpi for o in objectives}:  # said above
                continue
            holm_cell = "-"
            untested = _untested(r)  # one pair: no interval, no p-value, never significant
            if adjusted and r.get("identical") is True:  # left out of the family: no test
                holm_cell = f"no change ({IDENTICAL}: no test)"
            elif untested and r.get("significant_adjusted") is not None:
                holm_cell = f"no test ({_count(int(r['n']), 'pair')})"
            elif adjusted and r.get("significant_adjusted") is not None:
                holm_cell = "yes" if r["significant_adjusted"] else "no"
                if pd.notna(r.get("p_adjusted")):
                    holm_cell += f" (p {_p(r['p_adjusted'])})"
            if k in small:
                holm_cell += f"; negligible ({_floor([k])}): no improvement"
            if edge := window_edge(r):
                holm_cell += f"; {WINDOW_EDGE}: neither better nor worse"
                edges.append((k, edge))
            significant = "no test" if untested else "yes" if r["significant"] else "no"
            lines.append(
                f"| {_name(k)} | {_fmt(k, r['base'])} | {_fmt(k, r['alt'])} | "
                f"{_fmt_change(k, r, replications)} | {significant} | {holm_cell} |"
            )
            if ":" in k and (_fmt(k, r["base"]) == "-" or _fmt(k, r["alt"]) == "-"):
                unreached.append(k)
        for k, edge in edges:  # why a significant throughput change is no change of the process
            lines += [
                "",
                f"({WINDOW_EDGE}: the {_name(k)} change is the measurement window's, not the "
                f"redesign's: {md_text(edge)}; under the same demand that is a one-off shift at "
                "the window's edges, neither better nor worse, and the verdict does not count it)",
            ]
        if unreached:  # a "-" said why (QA: an unreached step's KPI showed it without a word)
            lines += [
                "",
                f"(- : no value in these replications for {md_text(', '.join(unreached))}: no case "
                "reached the step, or the role had no work there; the change counts only the "
                "replications with a value on both sides)",
            ]
        lines.append("")
    if c.ablation:
        whose = (
            f"each change of trial {c.trial}'s redesign as the search found it"
            if c.original is not None
            else "each change"
        )
        lines += [
            f"What {whose} contributes (the redesign re-simulated without it; positive = the "
            "change helps):",
            "",
            "| change | " + " | ".join(_name(o.kpi) for o in objectives) + " | role |",
            "|---|" + "---|" * len(objectives) + "---|",
        ]
        for a in c.ablation:
            if "refused" in a:
                lines.append(
                    f"| {md_text(a['change'])} | "
                    + " | ".join("-" for _ in objectives)
                    + f" | {md_text(a['refused'])} |"
                )
                continue
            cells = []
            for o in objectives:
                v = a["contribution"].get(o.kpi)
                if v is None and o.kpi == "one_off_cost" and a.get("one_off_cost") is not None:
                    # known, not simulated: taking the change out saves its one-off cost
                    saved = -a["one_off_cost"] * o.sign + 0.0  # + 0.0: no "-0"
                    cells.append((_signed([saved], least=0)[0] if saved else "0") + " (known)")
                    continue
                if v is None:
                    cells.append("-")
                    continue
                unit = _unit(o.kpi)
                sc = 100.0 if unit == "%" else 1.0
                mark = (
                    " ="
                    if v.get("identical")
                    else " *"
                    if v.get("significant_adjusted", v["significant"])
                    else " °"
                    if v["significant"]
                    else ""
                )
                d, lo, hi = _signed(
                    [
                        None if v[k] is None else v[k] * sc
                        for k in ("improvement", "ci_low", "ci_high")
                    ]
                )
                edge = f" {WINDOW_EDGE}" if window_edge(v) else ""  # neither help nor harm
                if v.get("negligible") and v["significant"]:  # under the floor: neither either
                    edge += f" {NEGLIGIBLE}"
                cells.append(f"{d} [{lo}, {hi}]" + mark + edge)
            # taken out with a staffing change that needs it: said, so the row's gain is theirs
            what = md_text(a["change"]) + (
                f" ({md_text(a['together'])})" if a.get("together") else ""
            )
            lines.append(f"| {what} | " + " | ".join(cells) + f" | {md_text(a['role'])} |")
        m = next((a["comparisons"] for a in c.ablation if "comparisons" in a), None)
        same = next((a.get("identical_tests") for a in c.ablation if "comparisons" in a), None)
        edges = [
            (a, k, window_edge(a["contribution"][k]))
            for a in c.ablation
            for k in _edge_objectives(a, objectives)
        ]
        small = list(
            dict.fromkeys(
                k
                for a in c.ablation
                if "contribution" in a
                for k in _negligible_objectives(a, objectives)
            )
        )
        shares = [o.kpi for o in objectives if _unit(o.kpi) == "%"]
        # the ablation pairs the confirmation's replications: those that measured nothing
        # are no pair there either
        ablated = (
            f"the {c.measured} of {replications}"
            if c.measured is not None and c.measured < replications
            else f"{replications}"
        )
        lines += [
            "",
            "(unadjusted 95 % CIs; * significant after Holm's adjustment over the ablation's "
            + (_count(m, "test") if m else "tests")
            + (
                f" with any difference; = {IDENTICAL}, no test: {_count(same, 'such test')} "
                + ("is" if same == 1 else "are")
                + " left out"
                if same
                else ""
            )
            + ", ° significant only unadjusted; the role uses *"
            + (
                f", except a {WINDOW_EDGE} change: one of the measurement window's edges, "
                "neither help nor harm (below)"
                if edges
                else ""
            )
            + (
                f"{' and' if edges else ', except'} a {NEGLIGIBLE} change ({_floor(small)}, the "
                "floor under which an improvement on today makes no redesign better): neither "
                "help nor harm"
                if small
                else ""
            )
            + f"; noise = no effect significant after the adjustment with {ablated} "
            "replications, not shown to be none (a ° effect is one the adjustment does not "
            "establish)"
            + (f"; {_labels(shares)} in percentage points" if shares else "")
            + (
                "; one-off cost: known, the change's own, with no interval and no test, and not "
                "part of the role"
                if any(o.kpi == "one_off_cost" for o in objectives)
                else ""
            )
            + ")",
            "",
        ]
        for a, k, edge in edges:  # why a significant change of the window counts for nothing
            lines += [
                f"({WINDOW_EDGE}, {md_text(a['change'])}: the {_name(k)} change without it is "
                f"the measurement window's, not the process's: {md_text(edge)}; under the same "
                "demand that is a one-off shift at the window's edges, neither help nor harm, "
                "and the role does not count it)",
                "",
            ]
    return lines


def idle_roles(
    model: ProcessModel,
    scenario: Scenario | None = None,
    busy: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """The roles of ``model`` with people but no work: ``{"role", "headcount", "has_steps",
    "cost_per_case", "hired"}`` each. ``has_steps`` is false when no step of the model needs the
    role (a redesign merged, automated or removed its steps), true when it has steps that no case
    reaches. ``cost_per_case``: its people's scheduled hours at its hourly cost over the cases
    that arrive, per case (what it adds to ``cost_per_case``), or ``None`` when that is
    unknown (no hourly cost, no arrivals); an estimate from the model's arrival rate,
    ``cases_per_week`` (the measured cost per case divides by the cases measured, which differ
    a little). ``hired``: how many of them the redesign's own
    staffing change added (``_hired``; 0 for people the process had before it, and when
    ``scenario`` sets the role's staffing). ``scenario``: its ``arrival_scale`` and ``staffing``
    apply (QA3: at half the arrivals the cost per case of an idle role is twice).

    ``busy``: each role's measured utilisation (the ``utilisation:<role>`` mean of the
    redesign's replications), which decides where it has a value: a role measured busy has
    work, one measured at 0 has none. Only a role without one (absent, NaN) is judged by the
    model's estimate, ``offered_load`` of 0: that counts a step's alternative roles as working
    only their share, so a role that takes the step's cases only when its own role is busy
    (share 0) has no load there (QA staffing: parttime, 86.7 % busy, was "paid with no work")."""
    used = {r for step in model.steps.values() for r in step.all_roles}
    measured = {r: float(u) for r, u in (busy or {}).items() if not math.isnan(float(u))}
    try:
        loads = offered_load(model)
    except ValueError:  # routing that loops for ever: only the roles without steps are sure
        loads = {}
    gap = model.arrivals.interarrival.mean() * model.time_factor
    week = model.arrivals.profile.weekly_total if model.arrivals.profile else HOURS_PER_WEEK
    cases = week / gap if gap > 0 else math.inf
    staffing = dict(scenario.staffing) if scenario is not None else {}
    if scenario is not None:
        cases *= scenario.arrival_scale
    out = []
    for name, role in model.roles.items():
        load = loads.get(name)
        if name in measured:
            idle = measured[name] <= 0
        else:
            idle = name not in used or (load is not None and load.work_hours <= 0)
        headcount = int(staffing.get(name, role.headcount))
        if headcount <= 0 or not idle:
            continue
        hours = headcount * model.calendar_of(name).weekly_total
        cost = hours * role.hourly_cost / cases if 0 < cases < math.inf else math.nan
        out.append(
            {
                "role": name,
                "headcount": headcount,
                "has_steps": name in used,
                "cost_per_case": cost if cost > 0 else None,
                # the cases a week the estimate divides by: the model's arrival rate
                "cases_per_week": cases if 0 < cases < math.inf else None,
                # a scenario's staffing replaces the redesign's, hire and all
                "hired": 0 if name in staffing else min(headcount, _hired(model, name)),
            }
        )
    return out


def _staffed(model: ProcessModel, role: str) -> tuple[int, int] | None:
    """The headcount of ``role`` before and after the redesign ``model``'s last staffing change
    of it (``metadata["changes"]``), or None when it records none."""
    for change in reversed(model.metadata.get("changes", ())):
        if change.get("operator") == "staffing" and change.get("target") == role:
            params = change.get("parameters", {})
            return int(params["headcount_before"]), int(params["headcount"])
    return None


def _hired(model: ProcessModel, role: str) -> int:
    """How many people the redesign ``model`` records hiring into ``role`` (its staffing
    changes in ``metadata["changes"]``: headcount above the headcount before), 0 for none."""
    staffed = _staffed(model, role)
    return 0 if staffed is None else max(0, staffed[1] - staffed[0])


def measured_person_cost(
    c: Candidate,
    objectives: Sequence[Objective],
    model: ProcessModel,
    scenario: Scenario | None = None,
) -> dict[str, float]:
    """By role, what one person of it adds to the cost per case as the confirmation's
    replications measured it, where the ablation tells: the contribution of the redesign's own
    change of that role's staffing (taken out alone) to a ``cost_per_case`` objective, over
    the people it changed. Used for a role with no work (``idle_roles``), whose people change
    nothing but the cost: the figure is then the one the ablation table shows (QA cost17: the
    text said "about 35.71 per case" from the arrival rate, the table +35.85 for that person).
    Nothing for a redesign pruning changed (the ablation is of the one the search found, whose
    cases may differ) or for a role ``scenario`` staffs."""
    objective = next((o for o in objectives if o.kpi == "cost_per_case"), None)
    if objective is None or c.original is not None:
        return {}
    staffing = scenario.staffing if scenario is not None else {}
    out = {}
    for a in c.ablation:
        role = str(a.get("variable", "")).partition("staffing:")[2]
        v = (a.get("contribution") or {}).get("cost_per_case")
        if not role or role in staffing or a.get("with") or not v:
            continue
        staffed = _staffed(model, role)
        if v.get("improvement") is None or staffed is None or staffed[0] == staffed[1]:
            continue
        # improvement = (without - with) x sign; without it, the role has headcount_before
        per_person = v["improvement"] * objective.sign / (staffed[0] - staffed[1])
        if per_person > 0 and math.isfinite(per_person):
            out[role] = per_person
    return out


def _count_text(x: float) -> str:
    """A number of cases with ``sim.kpis.units.VALUE_DIGITS`` significant digits at least (``33.6``,
    ``1,235``)."""
    return f"{x:,.{value_decimals(x, 0)}f}"


def _per_case(x: float) -> str:
    """A cost per case with two decimals, more for a small one (``0.00120``)."""
    return f"{x:,.{value_decimals(x, 2)}f}"


def _idle_lines(
    model: ProcessModel,
    rank: int,
    scenario: Scenario | None = None,
    busy: Mapping[str, float] | None = None,
    measured: Mapping[str, float] | None = None,
) -> list[str]:
    """A paragraph naming the roles ``best/<rank>.yaml`` pays with no work (``idle_roles``;
    ``busy``: each role's measured utilisation), what they still cost per case and how to
    leave them out; none when there are none. ``measured``: by role, one person's cost per
    case as the ablation measured it (``measured_person_cost``), said in place of the estimate
    from the model's arrival rate."""
    idle = idle_roles(model, scenario, busy)
    if not idle:
        return []
    for r in idle:
        if r["role"] in (measured or {}):
            r["cost_per_case"] = measured[r["role"]] * r["headcount"]
            r["measured"] = True
    who = []
    for r in idle:
        n = r["headcount"]
        bits = [f"{n} {'person' if n == 1 else 'people'}"]
        if r["hired"]:
            bits[0] += f", {r['hired']} of them hired by this redesign"
        bits.append(
            "its steps are in the model but no case reaches them"
            if r["has_steps"]
            else "no step of this redesign needs it"
        )
        if r.get("measured"):
            bits.append(f"{_per_case(r['cost_per_case'])} per case, as the ablation below measured")
        elif r["cost_per_case"] is not None:
            bits.append(f"about {_per_case(r['cost_per_case'])} per case")
        who.append(f"{md_text(r['role'])} ({'; '.join(bits)})")
    # people the process has today are "still" staffed; those the redesign hires are not
    kept = "still staffed" if not any(r["hired"] for r in idle) else "staffed"
    estimated = [r for r in idle if r["cost_per_case"] is not None and not r.get("measured")]
    rates = {_count_text(r["cases_per_week"]) for r in estimated if r["cases_per_week"]}
    how = []
    if estimated:
        how.append(
            "the amount per case is an estimate from the model: their scheduled hours at their "
            "hourly cost, over the "
            + (f"{rates.pop()} cases a week" if len(rates) == 1 else "cases")
            + " its arrival rate brings; a measured cost per case divides by the cases "
            "measured, so it differs a little"
        )
    if any(r.get("measured") for r in idle):
        how.append(
            "a measured amount is the ablation's: what taking out the redesign's change of that "
            "role's staffing changed the cost per case by in the confirmation's replications, "
            "per person it moved"
        )
    text = (
        f"**Paid with no work:** {_and(who)}. They are {kept} in `best/{rank}.yaml`, so "
        "they count in its headcount and its cost per case"
        + (f" ({'; '.join(how)})." if how else ".")
    )
    for r in (r for r in idle if r["hired"]):
        share = r["hired"] / r["headcount"]
        about = "" if r.get("measured") else "about "
        saves = (
            f" (saves {about}{_per_case(r['cost_per_case'] * share)} per case, and the hire's "
            "one-off cost)"
            if r["cost_per_case"] is not None
            else " (saves the hire's one-off cost)"
        )
        text += (
            f" The hire into {md_text(r['role'])} has no effect: {md_text(r['role'])} has no work "
            f"in this redesign; drop that change{saves}."
        )
    unused = [r["role"] for r in idle if not r["has_steps"]]
    if unused:
        them = "it" if len(unused) == 1 else "them"
        text += (
            f" Simulating `best/{rank}.yaml` with "
            f"{md_code(staffing_overrides(dict.fromkeys(unused, 0)))} leaves {them} out."
        )
    return [text, ""]


def _search_counts(n_trials: int, refused: int, stopped: int, running: Sequence[int] = ()) -> str:
    """``24 trials, and 6 proposals the search space refused (...)``: what trials.csv's rows are,
    the trials ``running`` (their numbers) as the search ended among them."""
    text = _count(n_trials, "trial")
    more = []
    if refused:
        more.append(
            f"{_count(refused, 'proposal')} the search space refused (state FAIL in trials.csv, "
            "the reason under refused; not simulated, and not counted as trials)"
        )
    if stopped:
        more.append(
            f"{_count(stopped, 'trial')} stopped before {'its' if stopped == 1 else 'their'} "
            "result by an interrupted run "
            "(state FAIL, under failed)"
        )
    if running:
        # another run's, or one a lost run left: trials.csv lists them (QA walk28_research F3)
        numbers = ", ".join(f"#{n}" for n in running)
        one = len(running) == 1
        more.append(
            f"{_count(len(running), 'trial')} still running in the study as the search ended "
            f"({numbers}, state RUNNING in trials.csv; not counted as "
            f"{'a trial' if one else 'trials'}, having no result: {running_whose()})"
        )
    return text + (", and " + _and(more) if more else "")


def _pruned_text(pruned: Mapping[str, int]) -> str:
    """Why no redesign of a search whose every simulated trial was pruned could be judged: the
    reason each was pruned with (trials.csv's ``refused``), the one all of them share, or each
    with its count (QA rt_engine F5: "none was feasible", where only trials.csv said that no
    case finished in any of them)."""
    n = sum(pruned.values())
    where = " (trials.csv, under refused)"
    if len(pruned) == 1:
        (reason,) = pruned
        every = "the one trial" if n == 1 else f"every one of its {n} trials"
        return (
            f"No redesign in the search could be judged: {every} was pruned, for the same "
            f"reason: {md_text(reason)}{where}."
        )
    reasons = sorted(pruned.items(), key=lambda item: -item[1])
    return (
        f"No redesign in the search could be judged: its {n} trials were pruned: "
        + "; ".join(f"{md_text(r)} ({_count(k, 'trial')})" for r, k in reasons)
        + f"{where}."
    )


def _unmeasured_text(replications: str, scenario: Scenario | None) -> str:
    """Why ``replications`` (``replications #2-#3``) measured nothing, and what to do: a
    ``scenario.max_cases`` reached in their warm-up (the only way a replication measures
    nothing: ``sim.kpis.summary.unmeasured``)."""
    cap = (
        f"scenario.max_cases={scenario.max_cases} was reached in their warm-up "
        f"(scenario.warmup_days={scenario.warmup_days:g}), which is simulated but not measured"
        if scenario is not None and scenario.max_cases is not None
        else "a scenario.max_cases was reached in their warm-up, which is simulated but not "
        "measured"
    )
    return (
        f"{replications} measured nothing, as {cap}; set scenario.warmup_days=0 or raise "
        "scenario.max_cases"
    )


def _simulations_text(simulations: int, search: int | None) -> str:
    """``145 replications (none for the search, 145 to confirm, ablate and prune its
    candidates; a resumed search counts only its own)``."""
    total = _count(simulations, "replication")
    if search is None:
        return f"{total} (a resumed search counts only its own)"
    follow = simulations - search
    return (
        f"{total} ({'none' if not search else search} for the search, "
        f"{'none' if not follow else follow} to confirm, ablate and prune its candidates; a "
        "resumed search counts only its own)"
    )


def _count(n: int, noun: str) -> str:
    """``1 test``, ``3 tests``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _p(p: float) -> str:
    """An adjusted p-value as ``< 0.001`` or ``= 0.120``."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def recommendations_markdown(
    *,
    model_name: str,
    candidates: Sequence[Candidate],
    baseline: pd.DataFrame,
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    confirm_replications: int,
    n_trials: int,
    simulations: int,
    search_replications: int | None = None,
    search_baseline: Mapping[str, float] | None = None,
    comparisons: int | None = None,
    feasibility: Mapping[str, Any] | None = None,
    pruned: Mapping[str, int] | None = None,
    check_args: str | None = None,
    models: Mapping[int, ProcessModel] | None = None,
    scenario: Scenario | None = None,
    identical: int = 0,
    warnings: Sequence[str] = (),
    utilisation: Mapping[int, Mapping[str, float]] | None = None,
    refused: int = 0,
    stopped: int = 0,
    running: Sequence[int] = (),
    search_simulations: int | None = None,
    resumable: bool = True,
    program: str = "python -m sim",
    check_folder: str = "check",
) -> str:
    """The changes in plain words, with the evidence that they are better (or not).

    ``program``: the command line's (``sim`` or ``python -m sim``), in the check command;
    ``check_folder``: the folder of the run directory its results go to (``free_check_folder``).

    ``resumable``: whether a rerun resumes the search (False for a study in memory,
    ``optimizer.storage=memory``, which a rerun starts again).

    ``n_trials``: the search's finished trials; ``refused``: its proposals the search space
    refused (failed trials with ``refused`` in trials.csv, which count as no trial) and
    ``stopped``: its trials cut short by an interrupted run, each said beside it; ``running``:
    the numbers of the study's trials still RUNNING as the search ended (trials.csv's), named
    with why they count as no trial.
    ``simulations``: the replications this run simulated, of which ``search_simulations``
    (when given) for the search, the rest for the confirmation, ablation and pruning.

    ``warnings``: what qualifies the baseline's figures (cases still in progress at the stop),
    each in bold under the baseline.

    ``pruned``: the reasons of the trials pruned with an objective undefined (``refused`` in
    trials.csv), with how many had each; where no trial completed they are why no redesign
    could be judged (``_pruned_text``), said in place of "none was feasible".

    ``comparisons``: the tests of the confirmation's Holm family; ``identical``: those left out
    of it because their paired differences were 0 in every replication
    (``sim.optimize.confirm.identical_tests``).

    ``check_args`` (``check_command``): how to simulate today's process and a redesign of
    ``best/`` again over the confirmation's replications, said under the baseline.
    ``models``: the redesigned model by candidate rank (``best/<rank>.yaml``); a recommended
    redesign that still pays people with no work (``idle_roles``) names them, with what they
    cost per case (at ``scenario``'s arrival scale and staffing) and the staffing keys that
    leave them out; ``utilisation``: by candidate rank, each role's utilisation measured over
    the confirmation's replications, which decides whether a role has work where it has a
    value (``idle_roles``).

    Candidates are listed in their order (``rank_confirmed``): under "Recommended" those better
    than today or genuine trade-offs within the constraints; under "Tried, not recommended" the
    others with the reason. A recommended change its ablation rates as harm is flagged; when
    the redesign was tried without such changes (``sim.optimize.prune``), what was dropped, the
    paired evidence and which redesign is recommended are shown.
    """
    base_means = {c: float(baseline[c].mean()) for c in baseline.columns if c != "replication"}
    base_means.setdefault("one_off_cost", 0.0)  # today spends nothing
    if search_replications is not None:
        first = search_replications
        fresh = (
            f"re-simulated with {confirm_replications} fresh replications (#{first}-"
            f"#{first + confirm_replications - 1}; the search used #0-#{first - 1}, so the "
            "replications that judge a candidate are not the ones that picked it), paired with "
            "the baseline on the same replications (same random numbers)"
        )
    else:
        fresh = (
            f"re-simulated with {confirm_replications} replications paired with the baseline "
            "(same random numbers)"
        )
    left_out = (
        f" Left out of that family: {identical} test{'s' if identical != 1 else ''} whose "
        f"objective was {IDENTICAL} with and without the redesign (a cost in a model without "
        "costs, say): no difference is no test."
        if identical
        else ""
    )
    family = (
        f" An improvement counts as significant only after Holm's adjustment for the "
        f"{_count(comparisons, 'comparison')} of the confirmation with any difference (every "
        "candidate on every objective, and every version pruning confirmed, a test a version "
        "repeats on the same data counted once; "
        "family-wise error 5 %); a worsening counts when its unadjusted interval excludes 0. "
        f"An improvement {NEGLIGIBLE_TEXT} is negligible: however significant, it makes no "
        "redesign better than today." + left_out
        if comparisons
        else f" Every objective was {IDENTICAL} for every candidate: nothing to test."
        if identical
        else ""
    )
    search_base = ""
    if search_baseline:
        search_base = (
            f" The search's own estimate (replications #0-#{(search_replications or 1) - 1}, "
            "which the trials' values in trials.csv are relative to): "
            + ", ".join(f"{_name(k)} {_fmt(k, v)}" for k, v in search_baseline.items())
            + "."
        )
    # the objectives first (whatever they are), then the headline KPIs
    today = {
        k: derived_value(base_means, k)
        for k in dict.fromkeys(
            [*(o.kpi for o in objectives), "cycle_time_mean", "dropoff_rate", "cost_per_case"]
        )
    }
    today = {k: v for k, v in today.items() if v == v}
    reps_label = (
        f"replications #{search_replications}-#{search_replications + confirm_replications - 1}"
        if search_replications is not None
        else f"{confirm_replications} replications"
    )
    lines = [
        f"# Redesigns for {md_code(model_name)}",
        "",
        f"Search: {_search_counts(n_trials, refused, stopped, running)}; this run simulated "
        f"{_simulations_text(simulations, search_simulations)}. Each candidate was {fresh}; the "
        "brackets are 95 % confidence intervals of the paired difference (unadjusted)." + family,
        "",
        "Objectives: "
        + ", ".join(f"{o.direction} {_name(o.kpi)}" for o in objectives)
        + (
            ". Constraints: " + ", ".join(md_text(c.describe()) for c in constraints)
            if constraints
            else ""
        )
        + "."
        + _averaged_note([o.kpi for o in objectives] + [c.kpi for c in constraints]),
        "",
        f"Baseline (confirmation, {reps_label}; every comparison below is against it): "
        + (
            ", ".join(f"{_name(k)} {_fmt(k, v)}" for k, v in today.items())
            # no KPI has a value: no case of today's process finished (QA retest: "...: .")
            or "no KPI has a value: no case of today's process finished in these replications "
            "(a longer scenario.horizon_days, or scenario.drain=true, lets cases finish)"
        )
        + "."
        + search_base
        + MONEY_NOTE,
        "",
    ]
    for warning in warnings:
        lines += [f"**{md_text(warning)}**", ""]
    if check_args:
        lines += [
            "To check these figures yourself, from this run directory: "
            f"`{program} simulate process=best/{TODAY_FILE} {check_args} "
            f"hydra.run.dir={check_folder}/today` simulates today's process over the "
            "confirmation's replications with the same random numbers (the same means as the "
            f"baseline above), and `process=best/<rank>.yaml hydra.run.dir={check_folder}/<rank>` "
            f"a redesign below (the results go to {check_folder}/ in this run directory"
            + _earlier_checks_text(check_folder)
            + "). Its kpis.json gives the cycle-time percentiles and the waiting, queue and "
            "timer shares pooled over every replication's cases, where this search averages "
            "each replication's own: those can differ from the figures here, most over a short "
            "horizon (the means agree); `replications.csv` there holds each replication's.",
            "",
        ]
    unmeasured = measured_nothing(base_means)
    # a KPI the confirmation did not measure is not a breach (QA rt27_engine F1)
    unjudged = [
        c for c in constraints if unmeasured and math.isnan(derived_value(base_means, c.kpi))
    ]
    today_broken = constraint_breaches(base_means, [c for c in constraints if c not in unjudged])
    if today_broken:
        lines += [
            "Today's process itself breaks the constraints: "
            + md_text("; ".join(today_broken))
            + ".",
            "",
        ]
    if unjudged:
        lines += [
            "Today's process could not be checked against "
            + ", ".join(md_text(c.describe()) for c in unjudged)
            + " (not measured, which breaks no constraint): the confirmation's "
            + md_text(_unmeasured_text(reps_label, scenario))
            + ".",
            "",
        ]
    if not candidates:
        nearest = (feasibility or {}).get("nearest")
        if nearest is not None:
            lines.append(
                f"No redesign in the search met the constraints: none of the "
                f"{feasibility['completed']} completed trials did ("
                + ", ".join(md_text(c.describe()) for c in constraints)
                + f"); the nearest, trial {nearest['trial']}, had "
                + md_text("; ".join(nearest["broken"]))
                + ". The space may hold such redesigns that the search did not reach: raise "
                + (
                    "optimizer.n_trials (a rerun into this directory resumes the search)"
                    if resumable
                    else "optimizer.n_trials (this search ran in memory, optimizer.storage="
                    "memory, so a rerun starts it again; with a saved study, the default "
                    "optimizer.storage=null, a rerun resumes it)"
                )
                + ", or check that the space can meet them (redesign) and loosen "
                "optimizer.constraints if it cannot."
            )
        elif (feasibility or {}).get("feasible"):
            lines.append(
                f"No redesign is recommended: {feasibility['feasible']} of the "
                f"{feasibility['completed']} completed trials met the constraints, but today's "
                "process was at least as good as each of them on every objective (the search's "
                "estimates, trials.csv), so none was worth confirming."
            )
        elif pruned and not (feasibility or {}).get("completed"):
            lines.append(_pruned_text(pruned))
        else:
            lines.append("No redesign in the search was feasible and different from the baseline.")
        return "\n".join(lines) + "\n"
    good = [c for c in candidates if is_recommended(c)]
    rest = [c for c in candidates if not is_recommended(c)]
    lines += ["## Recommended", ""]
    if not good and all(c.verdict == NOT_MEASURED for c in candidates):
        why = (
            "the confirmation's " + md_text(_unmeasured_text(reps_label, scenario))
            if not any(c.measured for c in candidates)
            # one replication measured something: a value, but no test (``MIN_PAIRS``)
            else f"the confirmation measured too few of {reps_label} on both sides for a "
            f"paired test ({MIN_PAIRS} at least; each says why below)"
        )
        lines += [
            f"None. No candidate of the search could be judged: {why}. The {len(rest)} tried "
            "are listed below; their models are in `best/<rank>.yaml` for checking: none of "
            "them is a recommendation.",
            "",
        ]
    elif not good:
        lines += [
            f"None. No candidate of the search was better than today or a trade-off within the "
            f"constraints, with staff that carry its work, once re-simulated with {confirm_replications} paired replications; "
            f"the {len(rest)} tried are listed below. Their models are in `best/<rank>.yaml` "
            "for checking: none of them is a recommendation.",
            "",
        ]
    for c in good:
        lines += [f"### {c.rank}. Redesign from trial {c.trial}: {_tag(c, objectives)}", ""]
        lines += _judged_on_lines(c, reps_label, scenario)
        lines += _indistinguishable_lines(c, candidates)
        lines += _candidate_lines(
            c,
            objectives,
            constraints,
            confirm_replications,
            model=(models or {}).get(c.rank),
            scenario=scenario,
            busy=(utilisation or {}).get(c.rank),
        )
    if rest:
        lines += [
            "## Tried, not recommended",
            "",
            "Candidates of the search that confirmation did not bear out, whose staff cannot "
            "carry the work, or that another recommended redesign is no worse than on any "
            "objective and significantly better than on one, with the reason.",
            "",
        ]
    for c in rest:
        tag = _tag(c, objectives)
        why = []
        if c.dominated_by is not None:
            why.append(_dominated_text(c, candidates))
        if c.verdict == NOT_MEASURED:
            why.append(_unjudged_why(c, reps_label, scenario))
        if c.feasible is not None and not c.feasible:  # None: not judged, nothing measured
            why.append("breaks a constraint once confirmed")
        if c.overloaded:
            why.append(md_text(overload_text(c.overloaded)))
        small, edge = _negligible_why(c, objectives), _window_edge_why(c, objectives)
        why += [reason for reason in (small, edge) if reason]
        if (small or edge) and c.verdict == "within noise":  # nothing else changed
            why.append("no other objective changed significantly")
        elif small and c.verdict == "worse":  # what makes it worse, too (QA: only the gain)
            why.append(
                f"significantly worse on {_labels(_worse_objectives(c, objectives))} "
                "(unadjusted 95 % CI)"
            )
        elif not small and c.verdict in WHY_NOT:
            why.append(WHY_NOT[c.verdict])
        lines += [f"### {c.rank}. Redesign from trial {c.trial}: {tag}", ""]
        lines += [f"Not recommended: {'; '.join(why)}.", ""]
        lines += _judged_on_lines(c, reps_label, scenario)
        lines += _candidate_lines(c, objectives, constraints, confirm_replications)
    return "\n".join(lines) + "\n"
