"""The comparison page's "what each scenario changes in the model" section.

Runs that simulate different model files (a hand-edited what-if: a step removed, a calendar
extended, durations shortened) are compared KPI by KPI elsewhere on the page; this section says
what differs between the models: each scenario's changes against the baseline's model (read from
the ``model.yaml`` every simulate run writes), drawn on the baseline's map with the significant
changes in waiting, and the working calendars that differ, baseline and scenario side by side.
Runs of one model with other overrides (``scenario.staffing``) have no section: the scenario
table lists their overrides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.errors import SimError
from sim.report._mpl import missing_glyphs
from sim.report.diff_map import NEGLIGIBLE_SHARE
from sim.report.html import Section, _esc, _img
from sim.report.layout import pretty

if TYPE_CHECKING:
    from sim.model import ProcessModel
    from sim.report.diff_map import ModelChanges

MAPS_MAX = 4  # diff maps drawn; further changed scenarios are listed in words only
MODEL_FILE = "model.yaml"


def _load(run_dir: Any) -> tuple[ProcessModel | None, str | None]:
    """A run's model, or why it could not be read."""
    from sim.model import load

    path = Path(str(run_dir)) / MODEL_FILE
    if not path.is_file():
        return None, f"{path} not found"
    try:
        return load(path), None
    except (SimError, OSError, ValueError) as exc:
        return None, f"{path}: {exc}"


def _changed(ch: ModelChanges) -> bool:
    return bool(
        ch.removed
        or ch.automated
        or ch.merged
        or ch.moved
        or ch.notes
        or ch.staffing
        or ch.hours
        or ch.added
        or ch.arrivals is not None
        or ch.other
    )


def _waiting_diffs(comparison: pd.DataFrame, label: str) -> pd.DataFrame:
    """The scenario's rows of ``comparison`` by KPI, as ``diff_map.waiting_differences`` reads
    them (its ``waiting_mean:<step>`` changes with their intervals)."""
    rows = comparison[comparison["scenario"] == label].set_index("kpi")
    return rows[["diff", "ci_low", "ci_high"]].apply(pd.to_numeric, errors="coerce")


def _baseline_cycle_time(comparison: pd.DataFrame, label: str) -> float | None:
    """The baseline's mean cycle time (h) in the scenario's rows of ``comparison``, or None."""
    rows = comparison[(comparison["scenario"] == label) & (comparison["kpi"] == "cycle_time_mean")]
    value = pd.to_numeric(rows["base"], errors="coerce").dropna()
    return float(value.iloc[0]) if len(value) else None


def _calendar_figure(base: ProcessModel, other: ProcessModel, ch: ModelChanges, label: str):
    from sim.report.charts import _draw_calendars

    panels = []
    for role, (before, after) in ch.hours.items():
        panels.append(
            (f"{role}, baseline: {before:.4g} working hours a week", base.calendar_of(role), None)
        )
        panels.append(
            (f"{role}, {label}: {after:.4g} working hours a week", other.calendar_of(role), None)
        )
    return _draw_calendars(
        panels, len(panels), None, f"{label}: working calendars that differ (boxes: working hours)"
    )


def model_changes_section(
    comparison: pd.DataFrame, scenarios: Sequence[Mapping[str, Any]]
) -> Section | None:
    """The section, or ``None`` when every scenario simulates the baseline's model."""
    from sim.report.compare import short_label  # compare imports this module
    from sim.report.diff_map import draw_diff_map, model_changes

    base = next(s for s in scenarios if s.get("baseline"))
    if not all(s.get("run_dir") for s in scenarios):  # built by hand, not by compare
        return None
    base_model, base_problem = _load(base.get("run_dir"))
    parts: list[str] = []
    problems: list[str] = []
    drawn = 0
    if base_model is None:
        problems.append(f"the baseline's model: {base_problem}")
    for s in scenarios:
        if s.get("baseline") or base_model is None:
            continue
        model, problem = _load(s.get("run_dir"))
        if model is None:
            problems.append(f"{s['label']}: {problem}")
            continue
        ch = model_changes(base_model, model)
        if not _changed(ch):
            continue
        label = str(s["label"])
        words = "; ".join(ch.summaries) or "changes not named"
        if ch.added:
            words += "; new: " + ", ".join(pretty(a) for a in ch.added)
        parts.append(f"<p><b>{_esc(label)}</b>: {_esc(words)}</p>")
        if drawn >= MAPS_MAX:
            continue
        drawn += 1
        with missing_glyphs():  # step and role names are the user's
            fig = draw_diff_map(
                base_model,
                model,
                waiting_diff=_waiting_diffs(comparison, label),
                # the keys that tell the scenario apart, not a long label cut at its end
                title=f"{short_label(label, scenarios)}: what its model changes against the "
                "baseline's",
                cycle_time=_baseline_cycle_time(comparison, label),
            )
            parts.append(
                _img(
                    fig,
                    alt=f"what {label} changes",
                    wide=True,
                    dpi=80,
                    caption="The baseline's map with the scenario's changes marked on it; a "
                    "step is coloured where its mean waiting changed significantly (its 95 % "
                    f"interval excludes 0) and by at least {100 * NEGLIGIBLE_SHARE:g} % of the "
                    "baseline's mean cycle time "
                    "(the rule is under the map), elsewhere it says n.s. or negligible.",
                )
            )
            if ch.hours:
                parts.append(
                    _img(
                        _calendar_figure(base_model, model, ch, short_label(label, scenarios)),
                        alt=f"working calendars of {label}",
                    )
                )
    if not parts and not problems:
        return None
    if problems:
        parts.append(
            '<p class="missing">Not compared model by model (no readable model.yaml): '
            + _esc("; ".join(problems))
            + "</p>"
        )
    return Section("models", "What each scenario changes in the model", "\n".join(parts))
