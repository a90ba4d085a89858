"""Scenario comparison pages: ``comparison.csv`` + ``scenarios.json`` -> figure and report.html.

The tables come from ``sim.kpis.compare.compare_scenarios`` (one row per scenario and KPI, the
difference against the baseline with its confidence interval and verdict); ``scenarios.json``
describes each scenario (label, run directory, model, seed, replications, what was changed).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.errors import ConfigError, SimError
from sim.kpis.compare import COMPARED_HEADLINE, NO_CHANGE, ONE_REPLICATION, WINDOW_EDGE
from sim.kpis.summary import _mean_text, segment_key, segments_in, split_segment_key
from sim.kpis.units import change_decimals, signed_number, value_decimals
from sim.model.markdown_text import md_text
from sim.model.scenario import Scenario
from sim.model.whole_files import write_text_whole
from sim.report._mpl import (
    BASELINE,
    DROP,
    INK,
    MUTED,
    SCENARIO,
    SUCCESS,
    missing_glyphs,
    new_figure,
    with_fallback_fonts,
)
from sim.report.charts import _finish, _fit_left, _style, _title
from sim.report.compare_models import model_changes_section
from sim.report.html import (
    Section,
    _esc,
    _img,
    _table,
    html_page,
    kpi_label,
    missing_glyphs_note,
    report_command,
    run_program,
    unit_text,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COMPARISON_CSV = "comparison.csv"
CSV_COLUMNS = ("scenario", "kpi", "base", "alt", "diff", "ci_low", "ci_high", "verdict")
SCENARIOS_JSON = "scenarios.json"
VERDICT_COLORS = {
    "better": SUCCESS,
    "worse": DROP,
    "changed": SCENARIO,
    "within noise": MUTED,
    NO_CHANGE: MUTED,
    WINDOW_EDGE: SCENARIO,
}
VERDICT_CLASS = {
    "better": "good",
    "worse": "bad",
    "changed": "changed",
    "within noise": "muted",
    NO_CHANGE: "muted",
    WINDOW_EDGE: "changed",
}
VERDICT_LEGEND = {WINDOW_EDGE: f"{WINDOW_EDGE}: same cases won"}
"""A verdict's legend entry where its name alone does not say it
(``plot_scenario_differences``)."""
HOLLOW = frozenset({WINDOW_EDGE, NO_CHANGE})
"""Verdicts drawn with a hollow marker: no change of the process (``window edge``: the colour
of ``changed``; ``no change``: told apart from ``within noise``'s filled grey, QA plots18)."""


def _scale(unit: str) -> float:
    return 100.0 if unit == "%" else 1.0


def _unit_text(unit: str) -> str:
    return "pp" if unit == "%" else unit_text(unit)


def _decimals(values: Sequence[float], digits: int = 3) -> int:
    """Decimals that give the largest of ``values`` ``digits`` significant digits (so a change
    and its interval are shown with the same precision)."""
    finite = [abs(v) for v in values if math.isfinite(v) and v != 0]
    if not finite or all(v == round(v) for v in finite):  # whole numbers (people) stay whole
        return 0
    return max(0, digits - 1 - math.floor(math.log10(max(finite))))


VALUE_DIGITS = 4
"""Significant digits of a value compare shows (money and shares aside), those of a mean on
simulate's console: ``9.600``, not ``9.6`` beside ``4.276`` (QA walk28_research F2)."""


def plain(v: Any, unit: str) -> str:
    """A value without its unit (the unit is in the KPI's name), the one rule of the console,
    comparison.md and report.html: as simulate's console writes a mean (``VALUE_DIGITS``
    significant digits with their trailing zeros, a whole number of people or cases exact);
    money as the optimize outputs write it (``value_decimals``: 0.012 is not 0.01);
    percentages as 0-100 with one decimal, more where a share that is not 0 would read 0.0
    (``change_decimals``)."""
    try:
        x = float(v) + 0.0  # + 0.0: a -0.0 reads 0, never "-0"
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    if unit == "%":
        return f"{100 * x:.{change_decimals([100 * x], least=1)}f}"
    if unit == "money":
        return f"{x:,.{value_decimals(x, 0)}f}"
    return _mean_text(x, VALUE_DIGITS, unit in ("people", "cases"))


def change_text(diff: Any, low: Any, high: Any, unit: str) -> tuple[str, str]:
    """A signed change and its interval ``[low, high]`` ('' without one) with the same
    precision and no unit; percentages as percentage points. The precision is three
    significant digits of the largest (one decimal for percentage points), more where one
    that is not 0 would read 0 (the README's rule, ``change_decimals``: -0.028, not -0.0); one
    that still reads 0 is written 0 without a sign (``signed_number``)."""
    k = _scale(unit)
    values = [float(v) * k if v is not None else math.nan for v in (diff, low, high)]
    d = change_decimals(values, least=1 if unit == "%" else _decimals(values))

    def fmt(x: float) -> str:
        return signed_number(x, d) if math.isfinite(x) else "–"

    ci = f"[{fmt(values[1])}, {fmt(values[2])}]" if all(map(math.isfinite, values[1:])) else ""
    return fmt(values[0]), ci


def unit_title(label: str, unit: str) -> str:
    """A KPI's name with its unit, e.g. ``Mean cycle time (h)``, ``utilisation of x (%, change
    in pp)``."""
    if unit == "%":
        return f"{label} (%, change in pp)"
    said = unit.lower() in re.findall(r"[\w/]+", label.lower())  # "People on staff": no "(people)"
    return f"{label} ({unit_text(unit)})" if unit and not said else label


def _count(n: int, noun: str) -> str:
    """``1 scenario``, ``4 scenarios``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _informative(comparison: pd.DataFrame, kpi: str) -> bool:
    """Whether a KPI is worth a panel or a row: some scenario has a non-zero value."""
    rows = comparison[comparison["kpi"] == kpi]
    values = pd.concat([rows["base"], rows["alt"]]).to_numpy(dtype=float)
    return bool(np.isfinite(values).any() and np.nanmax(np.abs(values)) > 0)


@with_fallback_fonts
def plot_scenario_differences(
    comparison: pd.DataFrame,
    *,
    baseline: str,
    kpis: Sequence[str] | None = None,
    title: str = "Each scenario against the baseline (95 % CI of the difference)",
    path: str | Path | None = None,
    settings: Mapping[str, Mapping[str, str]] | None = None,
) -> Figure:
    """One panel per KPI: each scenario's difference from ``baseline`` with its confidence
    interval, green where it is better, red where worse, grey within noise (the interval
    crosses 0), blue for a significant change that is neither (utilisation, headcount), a
    hollow blue point labelled for a throughput change of the window's edges only
    (``WINDOW_EDGE``: the same cases were won).
    ``settings`` (each scenario's label as ``key: value``, ``scenarios.json``): a scenario is
    named by what it sets otherwise than the baseline (``figure_labels``). Each row is as tall
    as its label's lines, so labels never run into each other."""
    if kpis is None:
        kpis = [k for k in COMPARED_HEADLINE if k in set(comparison["kpi"])]
    kpis = [k for k in kpis if _informative(comparison, k)]
    others = [s for s in dict.fromkeys(comparison["scenario"]) if s != baseline]
    names = figure_labels([baseline, *others], settings=settings)[1:]
    y, rows_h = _row_positions(names)
    ncols = 2 if len(kpis) > 1 else 1
    nrows = max(math.ceil(len(kpis) / ncols), 1)
    top_in, bottom_in = 0.55, 0.45 + (0.3 if kpis else 0.0) + 0.2
    fig_h = top_in + nrows * rows_h + (nrows - 1) * PANEL_GAP + bottom_in
    fig = new_figure(10.0 if ncols == 2 else 6.5, fig_h)
    seen: dict[str, str] = {}  # verdict -> colour, for the legend
    for i, kpi in enumerate(kpis):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        label, unit = kpi_label(kpi)
        rows = comparison[comparison["kpi"] == kpi].set_index("scenario")
        k = _scale(unit)
        unchanged = True  # every scenario equal to the baseline on this KPI
        same: list[tuple[Any, float]] = []  # the "no change" labels and their points' x
        for yy, name in zip(y, others, strict=True):
            if name not in rows.index:
                continue
            r = rows.loc[name]
            d, lo, hi = (float(r[c]) * k for c in ("diff", "ci_low", "ci_high"))
            verdict = str(r["verdict"])
            color = VERDICT_COLORS.get(verdict, MUTED)
            seen.setdefault(verdict, color)
            if math.isfinite(lo) and math.isfinite(hi):
                ax.plot([lo, hi], [yy, yy], color=color, lw=2.2, solid_capstyle="butt")
            ax.plot([d], [yy], "o", color=color, ms=5, **_marker_face(verdict))
            if verdict == WINDOW_EDGE:  # significant in the window, not in the process
                unchanged = False
                ax.annotate(  # above the point, running toward 0: inside the axes
                    WINDOW_EDGE,
                    (d, yy),
                    xytext=(0, 5),
                    textcoords="offset points",
                    ha="left" if d < 0 else "right",
                    va="bottom",
                    fontsize=7,
                    color=color,
                )
            elif verdict == NO_CHANGE:  # a lone dot on 0 says nothing by itself (QA2)
                note = ax.annotate(
                    NO_CHANGE,
                    (d, yy),
                    xytext=(6, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7,
                    color=MUTED,
                )
                same.append((note, d))
            else:
                unchanged = False
        if unchanged:  # no +-0.05-person ticks around a change of exactly 0
            ax.set_xlim(-1.0, 1.0)
        ax.axvline(0, color=BASELINE, lw=1)
        base = float(rows["base"].iloc[0]) if len(rows) else math.nan
        shown = plain(base, unit)
        if unit:  # one person, not "1 people" (QA rt28_engine F6)
            one = unit == "people" and shown == "1"
            shown = f"{shown} {'person' if one else unit_text(unit)}".strip()
        ax.set_title(f"{label} (baseline {shown})", fontsize=8.5, color=INK, loc="left")
        ax.set_yticks(y)
        ax.set_yticklabels(names if i % ncols == 0 else [], fontsize=7.5)
        # few ticks (wide numbers overlapped); whole people: no 0.2-person ticks
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=unit == "people"))
        ax.set_ylim(0.0, rows_h)
        ax.set_xlabel(f"change ({_unit_text(unit)})" if unit else "change", fontsize=8)
        lo_x, hi_x = ax.get_xlim()
        pad = 0.08 * max(hi_x - lo_x, 1e-9)
        ax.set_xlim(min(lo_x, -pad), max(hi_x, pad))  # keep 0 inside, off the frame
        x0, x1 = ax.get_xlim()
        for note, d in same:  # in the right half: written left of its point, not off the axes
            if d > (x0 + x1) / 2:
                note.set_horizontalalignment("right")
                note.xyann = (-6, 0)
        _style(ax, grid_axis="x")
    if not kpis:
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "no KPI to compare", ha="center", va="center", color=MUTED)
        ax.set_axis_off()
    _title(fig, title)
    if seen:  # what the colours say (QA2: no legend)
        known = ("better", "worse", "changed", WINDOW_EDGE, "within noise", NO_CHANGE)
        order = [v for v in known if v in seen]
        order += [v for v in seen if v not in order]
        handles = [
            Line2D([], [], color=seen[v], marker="o", lw=2.2, ms=5, **_marker_face(v))
            for v in order
        ]
        fig.legend(
            handles,
            [VERDICT_LEGEND.get(v, v) for v in order],
            loc="lower center",
            ncol=len(order),
            fontsize=7.5,
            frameon=False,
            bbox_to_anchor=(0.5, 0.0),
        )
    fig.subplots_adjust(
        left=0.24 if ncols == 2 else 0.36,
        right=0.97,
        wspace=0.12,
        hspace=PANEL_GAP / rows_h,  # a fraction of a panel's height: the gap's inches
        top=1 - top_in / fig_h,
        bottom=bottom_in / fig_h,
    )
    _fit_left(fig)
    return _finish(fig, path)


def _marker_face(verdict: str) -> dict[str, str]:
    """A hollow marker's face for ``verdict`` (``HOLLOW``), else nothing."""
    return {"markerfacecolor": "white"} if verdict in HOLLOW else {}


PANEL_GAP = 0.95
"""Inches between two panels of ``plot_scenario_differences``, one above the other: the upper
one's tick labels and axis label, the lower one's title."""
LINE_H = 0.13
"""Inches a line of a 7.5-point tick label takes."""


def _row_positions(names: Sequence[str]) -> tuple[np.ndarray, float]:
    """The y of each scenario's row, top down, and the panel's height, both in inches: a row
    is as tall as its label's lines (a label of 8 lines beside ones of 1 ran into its
    neighbours when every row had the same height); the panel at least 0.8 inch, the rows
    centred in it."""
    heights = np.array([0.2 + LINE_H * (n.count("\n") + 1) for n in names], dtype=float)
    total = float(heights.sum())
    panel = max(total + 0.1, 0.8)
    tops = panel - (panel - total) / 2 - np.concatenate([[0.0], np.cumsum(heights)[:-1]])
    return tops - heights / 2, panel


def _common_key_prefix(keys: Sequence[str]) -> str:
    """The dotted prefix all ``keys`` share (``scenario.staffing.`` of ``scenario.staffing.a``
    and ``scenario.staffing.b``); a key is never reduced to nothing."""
    parts = [k.split(".")[:-1] for k in keys]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) > 1:
            break
        common.append(level[0])
    return "".join(p + "." for p in common)


def figure_labels(
    labels: Sequence[str],
    width: int = 26,
    *,
    settings: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Scenario labels for a figure's axis: the key prefix common to every ``key=value`` part
    dropped (``scenario.staffing.``), then wrapped at spaces to ``width`` characters, so the
    values that tell scenarios apart stay visible (no ellipsis). With ``settings`` (each
    label's parts as ``key: value``, ``scenarios.json``'s ``settings``) the first label is the
    baseline's and every other is cut to the parts it sets otherwise than the baseline (six
    keys of which one differs made labels of eight lines; the page's table has the whole
    label), the common prefix taken over those parts."""
    items = [label.split(" ") for label in labels]
    shown = items
    if settings is not None and labels:
        changed = [_changed_parts(label, labels[0], settings) for label in labels[1:]]
        items = [items[0], *(c or it for c, it in zip(changed, items[1:], strict=True))]
        shown = items[1:]
    keys = [p.partition("=")[0] for it in shown for p in it if "=" in p]
    prefix = _common_key_prefix(keys) if keys else ""
    return [_wrap([p.removeprefix(prefix) if "=" in p else p for p in it], width) for it in items]


def _changed_parts(label: str, base: str, settings: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The ``key=value`` parts of ``label`` whose value the baseline ``base`` has not; [] when
    that would not name the scenario (no settings recorded, none that differ, or a label made
    unique by its directory, which its settings do not hold)."""
    own, ref = settings.get(label), settings.get(base)
    if own is None or ref is None or label == base:
        return []
    if label != " ".join(f"{k}={v}" for k, v in own.items()):
        return []
    return [f"{k}={v}" for k, v in own.items() if ref.get(k) != v]


def _wrap(parts: Sequence[str], width: int) -> str:
    """``parts`` joined by spaces in lines of at most ``width`` characters where possible; a
    part that does not fit starts a line, and one longer than a line breaks after a dot of its
    key (``steps.service.`` / ``duration.mean=1.6``), never inside its value."""
    lines: list[str] = []
    line = ""
    for part in parts:
        if line and len(line) + 1 + len(part) <= width:
            line += " " + part
            continue
        if line:
            lines.append(line)
        key, sep, value = part.partition("=")
        atoms = re.findall(r"[^.]*\.|[^.]+$", key) if len(part) > width else [key]
        atoms[-1] += sep + value
        line = ""
        for atom in atoms:
            if line and len(line) + len(atom) > width:
                lines.append(line)
                line = ""
            line += atom
    return "\n".join([*lines, line])


def _cell(r: Mapping[str, Any], unit: str, baseline: Mapping[str, Any] | None = None) -> str:
    """``2.3<br>+1.2 [+0.4, +2.0]`` coloured by verdict, and the baseline the change is against
    where it is not the one its column shows (``other_base``); the baseline's own value as it
    is."""
    if r["verdict"] == "baseline":
        return f"<b>{plain(r['alt'], unit)}</b>"
    diff, ci = change_text(r["diff"], r["ci_low"], r["ci_high"], unit)
    verdict = str(r["verdict"])
    cls = VERDICT_CLASS.get(verdict, "muted")
    why = _note(r)
    title = f' title="{_esc(why)}"' if why else ""
    against = other_base(r, baseline, unit)
    return (
        f'{plain(r["alt"], unit)}<br><span class="{cls}">{diff} {_esc(ci)}</span>'
        f'<br><span class="{cls}"{title}>{_esc(verdict)}</span>'
        + (f'<br><span class="muted">{_esc(against)}</span>' if against else "")
    )


def other_base(r: Mapping[str, Any], baseline: Mapping[str, Any] | None, unit: str) -> str:
    """``against the baseline's 1.963 over the 5 replications both runs measured``: the base
    of comparison row ``r``'s change where, rounded, it is not the baseline's own value
    ``baseline`` (its row) that the baseline's column shows, else ''. A paired change is over
    the replications both runs measured: where a scenario measured fewer (a cap reached in the
    warm-up of some), its baseline is the mean over those, and the column's mean over all would
    not add up with it (QA rt27_engine F7: "1.593: -0.37" beside 1.889, over pairs of 1.963)."""
    if baseline is None or str(r["verdict"]) in ("baseline", "n/a"):
        return ""
    own = plain(r["base"], unit)
    if own in ("–", plain(baseline["alt"], unit)):
        return ""
    n, everyone = r.get("n_base"), baseline.get("n")
    fewer = pd.notna(n) and pd.notna(everyone) and int(n) < int(everyone)
    over = f" over the {int(n)} replications both runs measured" if fewer else ""
    return f"against the baseline's {own}{over}"


def _note(r: Mapping[str, Any]) -> str:
    """A comparison row's ``note`` (why its verdict is what it is), '' without one (a
    ``comparison.csv`` of an older version has no such column)."""
    note = r.get("note", "")
    return note if isinstance(note, str) else ""


def window_edge_notes(comparison: pd.DataFrame) -> list[str]:
    """A note per scenario whose throughput change is a ``WINDOW_EDGE`` effect: the change and
    its reason (the row's ``note``), so that a faster team's fewer completions inside the
    window are not read as less output."""
    notes = []
    rows = comparison[comparison["verdict"].astype(str) == WINDOW_EDGE]
    for scenario, own in rows.groupby("scenario", sort=False):
        first = own.iloc[0]
        label, unit = kpi_label(str(first["kpi"]))
        why = _note(first)
        notes.append(
            f"{scenario}: {_change_words(first, label, unit)} is an effect of the measurement "
            f"window's edges, neither better nor worse{': ' + why if why else ''}"
        )
    return notes


def _baseline_row(by: pd.DataFrame) -> pd.Series | None:
    """The baseline's row among one KPI's rows (``by``: indexed by scenario), None without."""
    own = by[by["verdict"].astype(str) == "baseline"]
    return own.iloc[0] if len(own) else None


def _kpi_table(comparison: pd.DataFrame, kpis: Sequence[str], order: Sequence[str]) -> str:
    rows = []
    for kpi in kpis:
        label, unit = kpi_label(kpi)
        by = comparison[comparison["kpi"] == kpi].set_index("scenario")
        base = _baseline_row(by)
        rows.append(
            [_esc(unit_title(label, unit))]
            + [_cell(by.loc[s], unit, base) if s in by.index else "–" for s in order]
        )
    return _table(["KPI", *(_esc(s) for s in order)], rows, numeric=set(range(1, len(order) + 1)))


def _scenario_rows(scenarios: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            _esc(s["label"]) + (" <b>(baseline)</b>" if s.get("baseline") else ""),
            f"<code>{_esc(s.get('model', '?'))}</code>",
            _esc(s.get("replications", "?")),
            _esc(s.get("seed", "?")),
            f"<code>{_esc(s.get('run_dir', '?'))}</code>",
        ]
        for s in scenarios
    ]
    return _table(["scenario", "model", "replications", "seed", "run directory"], rows, {2, 3})


def _model_note(scenarios: Sequence[Mapping[str, Any]]) -> str | None:
    """A note when the runs simulate different models (name, steps or roles)."""

    def shape(s: Mapping[str, Any]) -> tuple:
        return (s.get("model"), tuple(s.get("steps") or ()), tuple(s.get("roles") or ()))

    if len({shape(s) for s in scenarios}) < 2:
        return None
    parts = [
        f"{s['label']}: {s.get('model')} ({_count(len(s.get('steps') or ()), 'step')}, "
        f"{_count(len(s.get('roles') or ()), 'role')})"
        for s in scenarios
    ]
    return (
        "the runs simulate different models (" + "; ".join(parts) + "): steps and roles are "
        "compared by name, and a KPI one run lacks is n/a"
    )


def _volume_note(scenarios: Sequence[Mapping[str, Any]]) -> str | None:
    """A note when some scenario's arrival volume differs from the baseline's."""
    base = next(s for s in scenarios if s.get("baseline"))
    ref = base.get("arrivals") or {}
    differ = []
    for s in scenarios:
        own = s.get("arrivals") or {}
        if own == ref:
            continue
        differ.append(f"{s['label']} ({_settings_that_differ(own, ref)})")
    if not differ:
        return None
    return (
        f"the arrival volume of {'; '.join(differ)} differs from the baseline's: throughput "
        "and work in progress follow the demand, and so do cost and margin per case (the "
        "staff's cost is spread over more or fewer cases), so their change is 'changed', "
        "neither better nor worse"
    )


def _settings_that_differ(own: Mapping[str, Any], ref: Mapping[str, Any]) -> str:
    """``scenario.<key>=<own> against <ref>`` for each setting of ``own`` and the baseline's
    ``ref`` that differs, in their order."""
    keys = dict.fromkeys([*ref, *own])
    return ", ".join(
        f"scenario.{k}={_setting_of(k, own)} against {_setting_of(k, ref)}"
        for k in keys
        if own.get(k) != ref.get(k)
    )


def _setting_of(key: str, settings: Mapping[str, Any]) -> str:
    """``settings[key]`` as typed (``_setting``); a null ``warmup_arrival_scale`` says that it
    is the window's ``arrival_scale``, and which (QA latefix19: "1.3 against null")."""
    v = settings.get(key)
    if key == "warmup_arrival_scale" and v is None:
        scale = settings.get("arrival_scale")
        return "null (as arrival_scale" + (f", {_setting(scale)})" if scale is not None else ")")
    return _setting(v)


CAP = "max_cases"
"""The measurement setting that ends a window where it stops the arrivals: another only where
it was reached (``scenarios.json``'s ``cap_reached``), and one at which another arrival volume
ends another window."""
WINDOW_SETTINGS = ("horizon_days", "warmup_days", "drain", "drain_days")
"""The measurement settings other than the cap: the same wherever they are set alike."""


def _cap(s: Mapping[str, Any]) -> Any:
    """The cap that ended scenario ``s``'s windows (a ``scenarios.json`` record): its
    ``max_cases``, ``None`` where it was reached in none of its replications (``cap_reached``
    false; a record without it, of a run whose table cannot tell or of an older version, keeps
    its cap)."""
    m = s.get("measurement") or {}
    return None if m.get("cap_reached") is False else m.get(CAP)


def _arrivals(s: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario ``s``'s arrival volume settings (``arrival_scale``, ``warmup_arrival_scale``)."""
    own = s.get("arrivals")
    return dict(own) if isinstance(own, Mapping) else {}


DRAIN_DAYS = "drain_days"


def _drain_differs(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> bool:
    """Whether two runs' ``drain_days`` (their ``measurement`` records) measure otherwise:
    only where both drain (under ``scenario.drain=false`` it is not read), and by the drain's
    length it sets (``Scenario.run_limit_hours``: null is warm-up + horizon, so 56 against null
    with 14 + 42 days is the same: QA rt28_engine F3). One typed alike on both sides is the
    same (two nulls over other horizons differ by the horizon, which is named). Records this
    version cannot read as a scenario are compared as typed."""
    if mine.get(DRAIN_DAYS) == theirs.get(DRAIN_DAYS):
        return False
    try:
        a, b = (
            Scenario.from_dict({k: m[k] for k in WINDOW_SETTINGS if k in m}) for m in (mine, theirs)
        )
    except (SimError, TypeError, ValueError):
        return True  # typed otherwise (above)
    if not (a.drain and b.drain):
        return False
    return not math.isclose(
        a.run_limit_hours - a.arrivals_end_hours, b.run_limit_hours - b.arrivals_end_hours
    )


def measured_otherwise_by(own: Mapping[str, Any], ref: Mapping[str, Any]) -> list[str]:
    """The settings by which scenario ``own`` is measured otherwise than the baseline ``ref``
    (``scenarios.json`` records), in the baseline's order; [] for the same measurement or a
    record without one (an older version's, which recorded none).

    ``horizon_days``, ``warmup_days`` and ``drain`` where they differ, ``drain_days`` where
    both drain for another length (``_drain_differs``);
    ``max_cases`` where the caps that ended the windows differ (``_cap``: one reached in no
    replication is none, so 100000 against null is no difference, QA rt27_engine F6); and,
    where either run's cap was reached, the arrival volume's settings that differ: under one
    cap another volume reaches it at another time, which ends the window elsewhere. A record of
    an older version may hold the volume in its ``measurement`` too: it is read from
    ``arrivals`` only."""
    mine, theirs = own.get("measurement"), ref.get("measurement")
    if not mine or not theirs:
        return []
    volume = {*_arrivals(own), *_arrivals(ref)}
    keys = [k for k in dict.fromkeys([*theirs, *mine]) if k != "cap_reached" and k not in volume]
    differ = [
        k
        for k in keys
        if (
            _cap(own) != _cap(ref)
            if k == CAP
            else _drain_differs(mine, theirs)
            if k == DRAIN_DAYS
            else mine.get(k) != theirs.get(k)
        )
    ]
    if _cap(own) is not None or _cap(ref) is not None:
        a, b = _arrivals(own), _arrivals(ref)
        differ += [k for k in dict.fromkeys([*b, *a]) if a.get(k) != b.get(k)]
    return differ


def _cap_text(s: Mapping[str, Any]) -> str:
    """A scenario's ``max_cases`` as typed, and whether it was reached where the record says it
    was not."""
    m = s.get("measurement") or {}
    unreached = m.get("cap_reached") is False
    return _setting(m.get(CAP)) + (" (reached in no replication)" if unreached else "")


def _measured_text(own: Mapping[str, Any], ref: Mapping[str, Any], keys: Sequence[str]) -> str:
    """``scenario.<key>=<own> against <ref>`` for each of ``keys``
    (``measured_otherwise_by``)."""
    parts = []
    for k in keys:
        if k == CAP:
            mine, theirs = _cap_text(own), _cap_text(ref)
        elif k == DRAIN_DAYS:
            mine, theirs = (_drain_days_text(s.get("measurement") or {}) for s in (own, ref))
        elif k in WINDOW_SETTINGS or k not in {*_arrivals(own), *_arrivals(ref)}:
            mine, theirs = (_setting((s.get("measurement") or {}).get(k)) for s in (own, ref))
        else:
            mine, theirs = _setting_of(k, _arrivals(own)), _setting_of(k, _arrivals(ref))
        parts.append(f"scenario.{k}={mine} against {theirs}")
    return ", ".join(parts)


def _drain_days_text(m: Mapping[str, Any]) -> str:
    """A ``measurement``'s ``drain_days`` as typed; a null one says the days it stands for
    (warm-up + horizon), which another run may have typed."""
    v = m.get(DRAIN_DAYS)
    days = (m.get("warmup_days"), m.get("horizon_days"))
    if v is not None or not all(isinstance(d, int | float) for d in days):
        return _setting(v)
    return f"null (warm-up + horizon, {sum(days):g})"


def _and(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" and {words[-1]}"


def _measurement_note(scenarios: Sequence[Mapping[str, Any]]) -> str | None:
    """A note when some scenario measures other cases, or until another time, than the
    baseline (``measured_otherwise_by``): another horizon or warm-up, another cap reached
    (``max_cases`` ends the window where it stops the arrivals), another arrival volume under a
    cap reached (it reaches the cap at another time), or runs left undrained where the other
    drained (an undrained run's cycle times are its finished, quicker cases only). It advises
    the settings that differ only: the same ones where they are settings of the window, no cap
    where a cap differs (two runs under one cap at other volumes have the same settings
    already: QA rt27_engine F6). Runs of an older version, with no ``measurement`` recorded,
    are not compared."""
    base = next(s for s in scenarios if s.get("baseline"))
    lines, same, capped, volume = [], [], False, False
    drain_differs = False
    for s in scenarios:
        keys = [] if s is base else measured_otherwise_by(s, base)
        if not keys:
            continue
        drain_differs |= "drain" in keys
        same += [k for k in keys if k in WINDOW_SETTINGS and k not in same]
        capped |= any(k not in WINDOW_SETTINGS for k in keys)
        volume |= any(k not in (*WINDOW_SETTINGS, CAP) for k in keys)
        lines.append(f"{s['label']} ({_measured_text(s, base, keys)})")
    if not lines:
        return None
    undrained = (
        " (with scenario.drain=false only the cases finished by the end, the quicker ones)"
        if drain_differs
        else ""
    )
    advice = [f"with the same {_and(same)}"] if same else []
    if capped:
        why = ": under one cap another arrival volume reaches it at another time" if volume else ""
        advice.append(
            f"without a cap that ends a window (scenario.max_cases=null, or one neither run "
            f"reaches{why})"
        )
    return (
        "measured otherwise than the baseline: "
        + "; ".join(lines)
        + f". Its KPIs count other cases or stop at another time{undrained}, so a change may "
        "be the measurement's, not the process's: a change of its reads 'changed', neither "
        f"better nor worse; simulate both {', and '.join(advice)} for a verdict"
    )


def _setting(v: Any) -> str:
    """A scenario value as it is typed on the command line."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return "null" if v is None else str(v)


OVERALL_OF_SEGMENT_KPI = {
    "cycle_time_mean": "cycle_time_mean",
    # (conversion_rate is 1 - the drop-off rate: a note names the drop-off rate alone)
    "dropoff_rate": "dropoff_rate",
    "revenue_per_case": "revenue_per_case",
    "waiting_per_case": "waiting_per_case",
}
"""The scenario-wide KPI a segment's KPI is a part of."""


def segments_of(comparison: pd.DataFrame) -> list[str]:
    """The segments whose KPIs a comparison holds (``segment:<segment>:<kpi>`` rows), in their
    order ([] for models of one segment)."""
    return segments_in(comparison["kpi"])


def _change_words(r: Mapping[str, Any], label: str, unit: str) -> str:
    """``Mean cycle time +21.9 h [+10.3, +33.5]``: a KPI's change with its interval."""
    diff, ci = change_text(r["diff"], r["ci_low"], r["ci_high"], unit)
    shown = _unit_text(unit)
    return f"{label} {diff}{' ' + shown if shown else ''}{' ' + ci if ci else ''}"


def segment_notes(comparison: pd.DataFrame) -> list[str]:
    """A note per scenario and segment with a KPI significantly worse for the segment's own
    cases while the scenario's overall KPI it is part of (``OVERALL_OF_SEGMENT_KPI``) is not
    worse (better, or within noise): the overall figures hide harm to that segment (putting key
    accounts last in the queue shortens the mean cycle time of all cases and lengthens theirs).
    """
    segments = segments_of(comparison)
    notes = []
    for scenario, rows in comparison.groupby("scenario", sort=False):
        by = rows.set_index("kpi")
        for segment in segments:
            worse, better_overall = [], []
            for kpi, overall in OVERALL_OF_SEGMENT_KPI.items():
                key = segment_key(segment, kpi)
                if key not in by.index or by.loc[key, "verdict"] != "worse":
                    continue
                said = by.loc[overall, "verdict"] if overall in by.index else None
                if said == "worse":
                    continue  # the overall figure says it already
                if said == "better":
                    better_overall.append(overall)
                label, unit = kpi_label(kpi)
                worse.append(_change_words(by.loc[key], label, unit))
            if not worse:
                continue
            overall_text = "; ".join(
                _change_words(by.loc[k], kpi_label(k)[0], kpi_label(k)[1])
                for k in dict.fromkeys(better_overall)
            )
            notes.append(
                f"{scenario}: significantly worse for segment {segment}: {', '.join(worse)}"
                + (
                    f", while better overall ({overall_text}): the overall figures hide the harm"
                    " to this segment"
                    if overall_text
                    else ", while not significantly worse overall"
                )
            )
    return notes


def comparison_notes(comparison: pd.DataFrame, scenarios: Sequence[Mapping[str, Any]]) -> list[str]:
    """What qualifies the comparison: different models, arrival volumes or measurement windows
    that differ, a sweep's jobs left out of it (the baseline's ``left_out`` in
    ``scenarios.json``: they failed) and its ``notes`` (percentiles averaged to compare a run of
    an earlier version), scenarios of one replication (no confidence interval),
    throughput changes of the window's edges only (``window_edge_notes``), segments a scenario
    harms while it is not worse overall (``segment_notes``), and each run's own warnings (a
    saturated role)."""
    notes = [
        n
        for n in (_model_note(scenarios), _volume_note(scenarios), _measurement_note(scenarios))
        if n
    ]
    for s in scenarios:  # a sweep's jobs not compared (failed): the baseline's ``left_out``
        for key in ("left_out", "notes"):  # ``notes``: how the runs were made comparable
            said = s.get(key)
            notes += [str(n) for n in said] if isinstance(said, list) else []
    # only a run of one replication: a KPI measured in one of many has its own verdict
    no_ci = sorted(set(comparison.loc[comparison["verdict"] == ONE_REPLICATION, "scenario"]))
    if no_ci:
        notes.append(
            f"{', '.join(map(str, no_ci))}: one replication (here or in the baseline), so no "
            "confidence interval and nothing was tested; simulate with scenario.replications=10 "
            "or more"
        )
    notes += window_edge_notes(comparison)
    notes += segment_notes(comparison)
    for s in scenarios:
        notes += [
            f"{s['label']}: {w.removeprefix('warning: ').removeprefix('note: ')}"
            for w in s.get("warnings") or ()
        ]
    return notes


def _how_paired(comparison: pd.DataFrame, base: str) -> tuple[list[str], list[str]]:
    """The scenarios compared paired and those compared as independent samples."""
    rows = comparison[comparison["scenario"] != base].drop_duplicates("scenario")
    paired = [str(s) for s, p in zip(rows["scenario"], rows["paired"], strict=True) if bool(p)]
    welch = [str(s) for s, p in zip(rows["scenario"], rows["paired"], strict=True) if not bool(p)]
    return paired, welch


#: said after how the differences were computed: each change is of the unrounded figures
ROUNDING_NOTE = (
    " Each change and its interval are computed from the unrounded figures (comparison.csv "
    "keeps them), so a change can differ in its last digit from the difference of the two "
    "rounded values beside it."
)


def _how_text(comparison: pd.DataFrame, base: str) -> str:
    """How the differences were computed, in words (per scenario when the modes are mixed),
    and that the changes are of the unrounded figures (``ROUNDING_NOTE``)."""
    return _how_differences(comparison, base) + ROUNDING_NOTE


def _how_differences(comparison: pd.DataFrame, base: str) -> str:
    """How the differences were computed, in words (per scenario when the modes are mixed)."""
    paired, welch = _how_paired(comparison, base)
    if not welch:
        return (
            "Paired differences: every scenario was simulated with the same seed and number of "
            "replications as the baseline (common random numbers), so the noise common to both "
            "cancels out of each difference and the comparison is sharper than between "
            "independent runs; the noise that is left is what the 95 % CI shows. A change "
            "beyond it comes from what the scenario changed (the notes say when that includes "
            "how the runs were measured)."
        )
    if not paired:
        return (
            "Independent samples (Welch's t-interval): the scenarios were not simulated with "
            "the same seed and number of replications as the baseline, so their random numbers "
            "differ. Give every run the same seed and scenario.replications to pair them."
        )
    return (
        f"Paired differences for {', '.join(paired)} (the baseline's seed and number of "
        f"replications: common random numbers, so the noise common to both cancels out; the "
        f"95 % CI shows what is left); independent samples (Welch's t-interval) for "
        f"{', '.join(welch)}, whose seed or number of replications differs."
    )


def _md_cell(r: Mapping[str, Any], unit: str, baseline: Mapping[str, Any] | None = None) -> str:
    """One scenario's value, change, interval and verdict (no unit: it is in the KPI column),
    and the baseline the change is against where it is not the one its column shows
    (``other_base``)."""
    if r["verdict"] == "baseline":
        return plain(r["alt"], unit)
    if r["verdict"] == "n/a":
        return f"{plain(r['alt'], unit)}: n/a"
    diff, ci = change_text(r["diff"], r["ci_low"], r["ci_high"], unit)
    against = other_base(r, baseline, unit)
    return f"{plain(r['alt'], unit)}: {diff}{' ' + ci if ci else ''} {md_text(r['verdict'])}" + (
        f" ({md_text(against)})" if against else ""
    )


def comparison_markdown(comparison: pd.DataFrame, scenarios: Sequence[Mapping[str, Any]]) -> str:
    """The comparison as Markdown: the scenarios, the notes that qualify it, then one row per
    KPI with each scenario's value and its change against the baseline (95 % CI, verdict)."""
    order = [s["label"] for s in scenarios]
    base = next(s["label"] for s in scenarios if s.get("baseline"))
    lines = [
        "# Scenario comparison",
        "",
        f"Baseline: **{md_text(base)}**. {md_text(_how_text(comparison, base))} A change is significant "
        "when its 95 % confidence interval excludes 0; `no change`: equal in the scenario and "
        "the baseline in every replication; `window edge`: a throughput change the cases that "
        "arrived in the window do not show (see the notes); `n/a`: the KPI is missing in the "
        "baseline or the scenario.",
        "",
        "| scenario | model | replications | seed | run directory |",
        "|---|---|---|---|---|",
        *(
            f"| {md_text(s['label'])}{' (baseline)' if s.get('baseline') else ''} | "
            f"{md_text(s.get('model'))} | {md_text(s.get('replications'))} | {md_text(s.get('seed'))} | "
            f"{md_text(s.get('run_dir'))} |"
            for s in scenarios
        ),
        "",
        *(f"- note: {md_text(n)}" for n in comparison_notes(comparison, scenarios)),
        "",
        "| KPI | " + " | ".join(map(md_text, order)) + " |",
        "|---|" + "---|" * len(order),
    ]
    for kpi in dict.fromkeys(comparison["kpi"]):
        if not _informative(comparison, kpi):
            continue
        label, unit = kpi_label(kpi)
        by = comparison[comparison["kpi"] == kpi].set_index("scenario")
        base_row = _baseline_row(by)
        cells = [_md_cell(by.loc[s], unit, base_row) if s in by.index else "–" for s in order]
        lines.append(f"| {md_text(unit_title(label, unit))} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _read_table(path: Path) -> pd.DataFrame:
    """``comparison.csv`` with its ``scenario``, ``kpi`` and ``verdict`` columns as text,
    exactly as written (a label ``01``, ``NA`` or ``1e3`` stays that label; the verdict ``n/a``
    stays ``n/a``, not NaN), and its ``note`` too where it has one (an empty note ``''``)."""
    table = pd.read_csv(path)
    missing = [c for c in CSV_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"no column(s) {missing}")
    words = ["scenario", "kpi", "verdict"] + (["note"] if "note" in table.columns else [])
    text = pd.read_csv(path, usecols=words, dtype=str, keep_default_na=False)
    table[words] = text[words]
    return table


def _read_scenarios(path: Path) -> list[dict[str, Any]]:
    """``scenarios.json``: a list of scenarios with a label each, one of them the baseline."""
    scenarios = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(scenarios, list) or not all(
        isinstance(s, dict) and "label" in s for s in scenarios
    ):
        raise ValueError("expected a list of scenarios, each with a 'label'")
    if sum(bool(s.get("baseline")) for s in scenarios) != 1:
        raise ValueError("expected exactly one scenario with 'baseline': true")
    for s in scenarios:
        s["label"] = str(s["label"])
    return scenarios


def _settings(scenarios: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]] | None:
    """Each scenario's label as ``{key: value}`` (``scenarios.json``'s ``settings``); None when
    some scenario has none (written by an older version) or they differ in no key."""
    out = {}
    for s in scenarios:
        own = s.get("settings")
        if not isinstance(own, dict) or not own:
            return None
        out[str(s["label"])] = {str(k): str(v) for k, v in own.items()}
    return out


def short_label(label: str, scenarios: Sequence[Mapping[str, Any]]) -> str:
    """A scenario's ``label`` cut to the ``key=value`` parts it sets otherwise than the
    baseline (``process.roles.clerk.calendar=long``), for a title the whole label would run
    past; the whole label when ``scenarios.json`` records no settings (an older version) or the
    parts would not name the scenario."""
    settings = _settings(scenarios)
    base = next((str(s["label"]) for s in scenarios if s.get("baseline")), None)
    if settings is None or base is None:
        return label
    return " ".join(_changed_parts(label, base, settings)) or label


def read_comparison(run_dir: Path) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The comparison table and the scenarios of a comparison directory; a ``ConfigError``
    naming the file that is missing or damaged."""
    out = []
    for name, reader in ((COMPARISON_CSV, _read_table), (SCENARIOS_JSON, _read_scenarios)):
        path = run_dir / name
        if not path.is_file():
            raise ConfigError(f"run={run_dir}: no {name}; 'python -m sim compare' writes it")
        try:
            out.append(reader(path))
        except (OSError, ValueError) as exc:  # pandas' and json's parse errors included
            raise ConfigError(f"run={run_dir}: cannot read {path}: {exc}") from exc
    return out[0], out[1]


def _run_record(run_dir: Path) -> dict[str, Any] | None:
    """The comparison's ``run.json`` (``python -m sim compare`` writes it), None where it is
    missing or cannot be read (the page says nothing of it but the command to rebuild it)."""
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _percentiles_text(scenarios: Sequence[Mapping[str, Any]]) -> str:
    """How the comparison's percentiles were measured, from the baseline's ``percentiles`` in
    ``scenarios.json`` (a comparison from before it: averaged, as every KPI was)."""
    base = next((s for s in scenarios if s.get("baseline")), {})
    if base.get("percentiles") == "pooled":
        return "percentiles of every replication's cases pooled, as in kpis.json"
    return "percentiles each replication's, averaged"


def build_comparison_report(run_dir: str | Path, *, out: str | Path | None = None) -> Path:
    """Write ``report.html`` for a comparison directory (``comparison.csv`` and
    ``scenarios.json``; or to ``out``): the scenarios, the headline KPIs' changes against the
    baseline as a figure and a table, utilisation per role, waiting per step and, for a model of
    two or more segments, each segment's KPIs."""
    run_dir = Path(run_dir)
    comparison, scenarios = read_comparison(run_dir)
    order = [s["label"] for s in scenarios]
    base = next(s["label"] for s in scenarios if s.get("baseline"))
    kpis = [k for k in dict.fromkeys(comparison["kpi"]) if _informative(comparison, k)]
    head = [k for k in kpis if ":" not in k]
    util = [k for k in kpis if k.startswith("utilisation:")]
    waits = [k for k in kpis if k.startswith("waiting_mean:")]
    by_segment = [k for k in kpis if split_segment_key(k) is not None]
    # a step one run has and the other has not (removed, merged) changed too: n/a, shown
    changed = comparison["significant"].eq(True) | comparison["verdict"].eq("n/a")
    moved = set(comparison.loc[changed, "kpi"])
    waits_moved = [k for k in waits if k in moved]
    how = _esc(_how_text(comparison, base))
    notes = "".join(
        f'<p class="missing"><b>{_esc(n)}</b></p>' for n in comparison_notes(comparison, scenarios)
    )
    # the tests on this page: its rows (waiting of steps that changed in no scenario is left
    # off) with an interval of some width; a row equal in every replication (no change, a
    # headcount set) or without an interval (n/a, no CI) cannot be a false positive
    shown = comparison[
        (comparison["scenario"] != base)
        & comparison["kpi"].isin([*head, *util, *waits_moved, *by_segment])
    ]
    n_tests = int((shown["ci_high"].astype(float) > shown["ci_low"].astype(float)).sum())
    parts = [
        "<p>Each scenario against the baseline "
        f"<b>{_esc(base)}</b>: its value (mean over replications; "
        + _percentiles_text(scenarios)
        + ") and, below it, its change "
        "with the 95 % confidence interval; green = better, red = worse, grey = within noise "
        f"(the interval includes 0) or no change (equal in every replication), blue = changed "
        "(neither good nor bad in itself), hollow blue = window edge (a throughput change the "
        "cases that arrived in the window do not show: the same cases were won, and cases in "
        "progress at the window's start or end fell inside it in one run and outside it in the "
        "other), n/a = missing in the baseline or the scenario. "
        f"{how}</p>",
        notes,
        (
            f'<p class="muted">With {_count(n_tests, "comparison")} on this page, about one in '
            "twenty that are really zero will still look significant: trust the large and the "
            "consistent ones, and confirm a close call with more replications.</p>"
            if n_tests
            else ""
        ),
        _scenario_rows(scenarios),
    ]
    settings = _settings(scenarios)
    fig = plot_scenario_differences(comparison, baseline=base, kpis=head, settings=settings)
    cut = settings is not None and any(  # some figure label is shorter than its scenario's
        0 < len(_changed_parts(label, base, settings)) < len(settings[label]) for label in order
    )
    caption = (
        "Each scenario is named by what it sets otherwise than the baseline; its whole label "
        "is in the table above."
        if cut
        else ""
    )
    with missing_glyphs() as missing:  # scenario labels are the user's
        parts.append(_img(fig, alt="scenario differences against the baseline", caption=caption))
    parts.append(_kpi_table(comparison, head, order))
    sections = [Section("summary", "Headline KPIs", "\n".join(parts))]
    if util:
        sections.append(
            Section("roles", "Utilisation per role", _kpi_table(comparison, util, order))
        )
    if waits:
        body = (
            _kpi_table(comparison, waits_moved, order)
            if waits_moved
            else '<p class="muted">No step\'s waiting changed significantly in any scenario.</p>'
        )
        if waits_moved and len(waits_moved) < len(waits):
            body += (
                f'<p class="muted">{len(waits) - len(waits_moved)} more steps whose waiting '
                f"changed in no scenario are in <code>{COMPARISON_CSV}</code>.</p>"
            )
        sections.append(Section("steps", "Waiting per step (where it changed)", body))
    if by_segment:
        sections.append(
            Section(
                "segments",
                "By segment",
                '<p class="muted">The KPIs of each case segment\'s own cases: a scenario better '
                "overall can be worse for one segment.</p>"
                + _kpi_table(comparison, by_segment, order),
            )
        )
    models = model_changes_section(comparison, scenarios)
    if models is not None:
        sections.append(models)
    heading = f"Scenario comparison: {_count(len(order) - 1, 'scenario')} against {base}"
    program = run_program(_run_record(run_dir))
    page = html_page(
        heading,
        f"Directory <code>{_esc(run_dir)}</code>; page built {{stamp}} by <code>sim.report</code> "
        f"from <code>{COMPARISON_CSV}</code> and <code>{SCENARIOS_JSON}</code> (no simulation "
        f"was run). Rebuild it: <code>{_esc(report_command(program, run_dir))}</code>"
        + missing_glyphs_note(missing, program=program),
        sections,
    )
    target = Path(out) if out is not None else run_dir / "report.html"
    write_text_whole(target, page)
    return target
