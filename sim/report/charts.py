"""Charts of result tables: cycle times, step times, utilisation, funnel, Pareto front, arrivals,
fitted distributions. Every function takes tables (a ``kpis.json`` report, a DataFrame, arrays)
and returns a ``Figure``; ``path=`` also saves it. None of them runs a simulation.

The ``report`` arguments are the mapping ``sim.kpis.kpi_report`` returns (and ``kpis.json``
holds): ``steps``, ``roles``, ``funnel``, ``outcomes``, ``headline`` and ``bottleneck``, each
value a confidence interval ``{mean, ci_low, ci_high, half_width, n}``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import textwrap
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.layout_engine import LayoutEngine

from sim.calibrate.fitting import FixedFitter
from sim.calibrate.staff import (
    evidence_times,
    slots_per_hour,
    true_runs,
    weekly_activity,
    working_time,
    works_on_the_clock_verdict,
)
from sim.kpis.summary import SATURATED
from sim.kpis.units import unit_text
from sim.model.calendar import HOURS_PER_WEEK, observed_span, slot_exposure
from sim.model.columns import PEOPLE_SEPARATOR
from sim.model.distributions import SCIPY_CONTINUOUS, _scipy_param_names
from sim.model.views import TARGET_UTILISATION
from sim.report._mpl import (
    ACCENT,
    BASELINE,
    DROP,
    GRID,
    INK,
    MUTED,
    SCENARIO,
    SUCCESS,
    new_figure,
    save_figure,
    with_fallback_fonts,
)
from sim.report.layout import finite_number, outcome_label, pretty

UNSEEN = "#e0e0e0"  # arrival heatmap: an hour of the week the log never covered

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from sim.model import Distribution

SERIES_COLORS = (BASELINE, SCENARIO, ACCENT, "#8e24aa", "#00897b", "#6d4c41")
WAIT_COLOR = "#ef6c00"
PROC_COLOR = "#78909c"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _style(ax: Axes, *, grid_axis: str = "both") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=8)
    if grid_axis:
        ax.grid(axis=grid_axis, color=GRID, lw=0.6, zorder=0)
    ax.set_axisbelow(True)


LABEL_MAX = 56  # characters of a step name on an axis; longer ones are shortened in the middle


def axis_label(name: str, limit: int = LABEL_MAX) -> str:
    """``pretty(name)`` for an axis, at most ``limit`` characters: a longer name keeps its start
    and its end (a repetition's ``#3 (last)``, a timer's ``(after ...)``) around an ellipsis.
    The full names are in ``kpis.json`` and the report's tables."""
    return _ellipsized(pretty(name), limit)


def _ellipsized(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` (2 or more) characters: its start and its end (a third of
    them) around an ellipsis."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    return text[:head].rstrip() + "…" + text[head - limit + 1 :].lstrip()


def _fit_left(fig: Figure, pad: float = 0.1) -> None:
    """Widen the left margin until every axes' tick labels start ``pad`` inches inside the
    figure (long step names were cut off at its left edge)."""
    renderer = fig.canvas.get_renderer()
    x0 = min(ax.get_tightbbox(renderer).x0 for ax in fig.axes)
    need = pad * fig.dpi - x0
    if need > 0:
        left = fig.subplotpars.left + need / (fig.get_figwidth() * fig.dpi)
        fig.subplots_adjust(left=min(left, 0.6))


def _fit_gap(fig: Figure, left_ax: Axes, right_ax: Axes, pad: float = 0.2) -> None:
    """Widen the space between two side-by-side axes until the right one's y tick labels
    clear everything drawn in the left one by ``pad`` inches."""
    renderer = fig.canvas.get_renderer()
    for _ in range(6):
        labels = [t for t in right_ax.get_yticklabels() if t.get_text()]
        if not labels:
            return
        x0 = min(t.get_window_extent(renderer).x0 for t in labels)
        short = pad * fig.dpi - (x0 - left_ax.get_tightbbox(renderer).x1)
        if short <= 0 or fig.subplotpars.wspace >= 2.0:
            return
        mean_width = np.mean([a.get_window_extent(renderer).width for a in (left_ax, right_ax)])
        fig.subplots_adjust(wspace=min(fig.subplotpars.wspace + 1.2 * short / mean_width, 2.0))


class _FitLabels(LayoutEngine):
    """Lays a figure out when it is drawn, at the resolution it is drawn at (text widths do not
    scale exactly with dpi): ``margins`` (``subplots_adjust`` keywords), then a left margin wide
    enough for the tick labels (long step names), and with ``gap`` (indices of two side-by-side
    axes) a space between them wide enough for the right one's labels. With ``title`` (the
    title ``_title`` drew, and its wordings fullest first) the title is the one
    ``fitted_title`` picks, the top margin lowered for each line it wraps onto."""

    _adjust_compatible = True
    _colorbar_gridspec = False

    def __init__(
        self,
        *,
        margins: Mapping[str, float],
        gap: tuple[int, int] | None = None,
        title: tuple[Text, Sequence[str]] | None = None,
    ) -> None:
        super().__init__()
        self._params = {"margins": dict(margins), "gap": gap, "title": title}

    def set(self, *, margins: Mapping[str, float] | None = None) -> None:
        """Replace the margins laid out before the labels are fitted."""
        if margins is not None:
            self._params["margins"] = dict(margins)

    def execute(self, fig: Figure) -> None:
        """Apply the margins, then widen them until the labels fit."""
        margins = dict(self._params["margins"])
        if self._params["title"] is not None:
            heading, options = self._params["title"]
            heading.set_text(fitted_title(fig, options))
            margins["top"] -= TITLE_LINE * heading.get_text().count("\n") / fig.get_figheight()
        fig.subplots_adjust(**margins)
        _fit_left(fig)
        if self._params["gap"] is not None:
            i, j = self._params["gap"]
            _fit_gap(fig, fig.axes[i], fig.axes[j])


TITLE_FONT = {"fontsize": 11, "fontweight": "bold"}
TITLE_X = 0.02  # the title's left edge, a share of the figure's width
TITLE_ROOM = 1 - 2 * TITLE_X  # its longest line's share: as much margin right as left
TITLE_LINE = 0.2  # inches each further line of a wrapped title takes


def _title(fig: Figure, text: str) -> Text:
    """The figure's title at its top left, 0.12 inch from the top however tall the figure."""
    y = 1 - 0.12 / fig.get_figheight()
    return fig.suptitle(text, color=INK, x=TITLE_X, y=y, ha="left", va="top", **TITLE_FONT)


def _title_width(fig: Figure, text: str, font: Mapping[str, Any] = TITLE_FONT) -> float:
    """The width ``_title`` draws ``text`` at (its longest line), a share of the figure's; in
    ``font``, the width of a panel's title (``panel_title``)."""
    probe = fig.text(0, 0, text, **font)
    width = probe.get_window_extent(fig.canvas.get_renderer()).width
    probe.remove()
    return width / fig.bbox.width


def _title_word(
    fig: Figure, word: str, *, font: Mapping[str, Any] = TITLE_FONT, room: float = TITLE_ROOM
) -> str:
    """``word`` as wide as a title's line at most (``room``, a share of the figure's width): a
    wider one (a long step name without spaces) keeps its start and its end around an
    ellipsis."""
    limit = len(word)
    while limit > 2:
        excess = _title_width(fig, _ellipsized(word, limit), font) / room
        if excess <= 1:
            break
        # widths are about proportional to lengths: shorten by the excess, a character at least
        limit = max(min(limit - 1, int(limit / excess)), 2)
    return _ellipsized(word, limit)


def _title_lines(
    fig: Figure, text: str, *, font: Mapping[str, Any] = TITLE_FONT, room: float = TITLE_ROOM
) -> list[str]:
    """``text`` broken into the fewest lines that each fit across ``fig`` as ``_title`` draws
    them (or in ``font``, within ``room``, a share of the figure's width), a word longer than
    that alone on its line, shortened in its middle to fit."""
    lines: list[str] = []
    for word in (_title_word(fig, w, font=font, room=room) for w in text.split()):
        if lines and _title_width(fig, f"{lines[-1]} {word}", font) <= room:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


PANEL_TITLE_FONT = {"fontsize": 9, "fontweight": "bold"}
PANEL_TITLE_LINES = 2  # lines a panel's title takes at most; a longer name is shortened
PANEL_TITLE_ROOM = 0.97  # of its axes' width: text widths do not scale exactly with the dpi
PANEL_TITLE_LINE = 0.15  # inches each further line of a panel's title takes


def panel_title(ax: Axes, name: str, *, lines: int = PANEL_TITLE_LINES) -> Text:
    """``pretty(name)`` as the bold title at the top left of ``ax`` (a small multiple of one
    activity), on at most ``lines`` lines each as wide as the axes: a longer name keeps its
    start and its end (``(check 01)``) around an ellipsis, a word wider than a line is
    shortened as the step chart's title does (``_title_word``). Set it once the axes have their
    place (``subplots_adjust``): long activity names ran over the next panel's title and off
    the figure (QA rt27_calib F5)."""
    fig = ax.figure
    room = PANEL_TITLE_ROOM * ax.get_position().width
    text = pretty(name)

    def wrap(limit: int) -> list[str]:
        return _title_lines(fig, _ellipsized(text, limit), font=PANEL_TITLE_FONT, room=room)

    limit = len(text)
    wrapped = wrap(limit)
    while len(wrapped) > lines and limit > 2:
        # widths are about proportional to lengths: as long as ``lines`` full lines, less a
        # tenth for the ends of lines a word does not fill; a character shorter at least
        share = lines * room / _title_width(fig, _ellipsized(text, limit), PANEL_TITLE_FONT)
        limit = max(min(limit - 1, int(0.9 * share * limit)), 2)
        wrapped = wrap(limit)
    return ax.set_title("\n".join(wrapped), loc="left", color=INK, **PANEL_TITLE_FONT)


def _panel_title_room(fig: Figure, axes: Sequence[Axes]) -> None:
    """Lower the top of the axes so that the titles of ``axes`` (the top row's) wrapped onto
    more lines than one stay clear of what is above them (the figure's title)."""
    extra = max((ax.get_title(loc="left").count("\n") for ax in axes), default=0)
    if extra:
        top = fig.subplotpars.top - extra * PANEL_TITLE_LINE / fig.get_figheight()
        fig.subplots_adjust(top=top)


def fitted_title(fig: Figure, options: Sequence[str]) -> str:
    """The first of ``options`` (fullest first) that fits on one line across ``fig`` as
    ``_title`` draws it, else the first that fits on two, else the last on as many as it
    needs: a title is never cut off at the figure's right edge (QA hydra25 F4)."""
    for text in options:
        if _title_width(fig, text) <= TITLE_ROOM:
            return text
    wrapped = [_title_lines(fig, text) for text in options]
    return "\n".join(next((w for w in wrapped if len(w) <= 2), wrapped[-1]))


def _finish(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        save_figure(fig, path)
    return fig


def _ci(d: Mapping[str, Any] | None) -> tuple[float, float, float]:
    """(mean, low, high) of a CI mapping; NaN when missing."""
    if not d:
        return (math.nan, math.nan, math.nan)

    def f(k: str) -> float:
        v = d.get(k)
        return math.nan if v is None else float(v)

    return f("mean"), f("ci_low"), f("ci_high")


def _err(mean: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Error-bar lengths; NaN (no bar, no caps) where there is no interval (one replication),
    which a zero-length bar with caps would draw as a very tight one."""
    lo = np.where(np.isfinite(low), mean - low, np.nan)
    hi = np.where(np.isfinite(high), high - mean, np.nan)
    return np.vstack([np.maximum(lo, 0), np.maximum(hi, 0)])


CI_TEXT = "95 % CI"
NO_CI_TEXT = "1 replication: no CI"
NOTHING_MEASURED_CI_TEXT = "no replication measured: no CI"


def measured_count(report: Mapping[str, Any]) -> Any:
    """How many replications a KPI report's (``kpis.json``) values are of: its
    ``measured_replications`` where some measured nothing (``scenario.max_cases`` reached in
    their warm-up), else all its ``replications``."""
    return report.get("measured_replications", report.get("replications"))


def ci_text(*reports: Mapping[str, Any] | None) -> str:
    """What a chart's error bars are: ``95 % CI``, or ``1 replication: no CI`` when every
    report given has the values of one replication at most (``measured_count``: of 3 run, 1
    measured is no interval either), ``no replication measured: no CI`` when none has any."""
    measured = [measured_count(r) for r in reports if r]
    if not measured or not all(isinstance(m, int | float) and m <= 1 for m in measured):
        return CI_TEXT
    return NO_CI_TEXT if any(m == 1 for m in measured) else NOTHING_MEASURED_CI_TEXT


NO_FINISHED_CASE = "no case finished in the measured window"
NO_CASE_ARRIVED = "no case arrived in the measured window"
NO_WORKING_HOURS = "no working hours in the measured window"
NO_DATA_GID = "no-data-note"  # the note written on a panel that has nothing to draw


def _no_data(ax: Axes, text: str, *, width: int | None = None) -> None:
    """``text`` in the middle of an empty panel, so that it does not read as a row of zeros;
    with ``width``, broken into lines of at most that many characters."""
    ax.text(
        0.5,
        0.5,
        text if width is None else "\n".join(textwrap.wrap(text, width)),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=9,
        color=MUTED,
        gid=NO_DATA_GID,
    )
    ax.grid(False)  # it measures nothing here, and would cross the text


def no_case_arrived(report: Mapping[str, Any]) -> bool:
    """Whether no case arrived in ``report``'s measured window (``cases_arrived`` is 0): its
    funnel shares are then shares of nothing."""
    arrived = ((report.get("all") or {}).get("cases_arrived") or {}).get("mean")
    return arrived is not None and float(arrived) == 0.0


def _value_label(ax: Axes, x: float, y: float, text: str, *, fontsize: float = 7.5) -> None:
    """A bar's value, 4 points right of ``x`` (the bar's end or its error bar's cap): an offset
    in data units put it on the cap of a narrow panel."""
    ax.annotate(
        text,
        (x, y),
        xytext=(4, 0),
        textcoords="offset points",
        va="center",
        fontsize=fontsize,
        color=INK,
    )


# ---------------------------------------------------------------------------- tables
def step_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """Per-step waiting and processing means with CIs (hours), waiting share and reach."""
    rows = []
    for s in report.get("steps", ()):
        w, wl, wh = _ci(s.get("waiting_mean"))
        p, pl, ph = _ci(s.get("processing_mean"))
        rows.append(
            {
                "step": s["step"],
                "waiting_mean": w,
                "waiting_low": wl,
                "waiting_high": wh,
                "processing_mean": p,
                "processing_low": pl,
                "processing_high": ph,
                "waiting_share": _ci(s.get("waiting_share"))[0],
                "reached": _ci(s.get("reached"))[0],
            }
        )
    return pd.DataFrame(rows)


def waiting_share_kpi(report: Mapping[str, Any]) -> dict[str, float]:
    """``{step: waiting share of cycle time}`` from a KPI report (the map's default colouring)."""
    out = {}
    for s in report.get("steps", ()):
        v = _ci(s.get("waiting_share"))[0]
        if math.isfinite(v):
            out[s["step"]] = v
    return out


def bottleneck_step(report: Mapping[str, Any]) -> str | None:
    """The step a KPI report (``kpis.json``) names as its bottleneck (where cases queue longest
    for staff on shift); None when it names none (nobody queues for 1 % of the cycle time, or
    no step is done by staff)."""
    b = report.get("bottleneck") or {}
    return None if b.get("negligible") else b.get("step")


def bottleneck_tied_with(report: Mapping[str, Any]) -> list[str]:
    """The steps a KPI report (``kpis.json``) finds statistically tied with its bottleneck
    (``bottleneck.tied_with``: another seed may name one of them); [] without a bottleneck."""
    b = report.get("bottleneck") or {}
    return [] if b.get("negligible") or not b.get("step") else list(b.get("tied_with") or [])


def event_ready_times(
    events: pd.DataFrame, parse: Callable[[pd.Series], pd.Series] = pd.to_datetime
) -> pd.Series:
    """Each event's start, or its enabled time where that is earlier: when its case was there
    for it (the rule of both ``cycle_times_from_log`` and ``arrival_times_from_log``)."""
    start = parse(events["start_time"])
    if "enabled_time" in events.columns:
        enabled = parse(events["enabled_time"])
        start = enabled.where(enabled.notna() & (enabled < start), start)
    return start


def finished_events(events: pd.DataFrame) -> pd.Series:
    """Which events belong to finished cases: not those still open (no ``outcome``, or flagged
    ``case_open``) when the log has those columns."""
    finished = pd.Series(True, index=events.index)
    if "outcome" in events.columns:
        finished &= events["outcome"].notna()
    if "case_open" in events.columns:
        finished &= ~events["case_open"].astype(bool)
    return finished


def cycle_times_from_log(events: pd.DataFrame, *, finished_only: bool = True) -> np.ndarray:
    """Cycle time (hours) of each case of a standard event log (first enabled/start to last end).

    With ``finished_only``, cases still open (``finished_events``) are left out.
    """
    ev = events[finished_events(events)] if finished_only else events
    if ev.empty:
        return np.array([], dtype=float)
    end = pd.to_datetime(ev["end_time"])
    frame = pd.DataFrame({"case": ev["case_id"].to_numpy(), "s": event_ready_times(ev), "e": end})
    g = frame.groupby("case", sort=False)
    ct = (g["e"].max() - g["s"].min()).dt.total_seconds() / 3600.0
    return ct.to_numpy(dtype=float)


def arrival_times_from_log(events: pd.DataFrame) -> pd.Series:
    """The arrival timestamp of each case of a standard event log (its first enabled/start)."""
    frame = pd.DataFrame({"case": events["case_id"].to_numpy(), "t": event_ready_times(events)})
    return frame.groupby("case", sort=False)["t"].min().reset_index(drop=True)


# ----------------------------------------------------------------------- cycle times
def _past(v: np.ndarray, hi: float) -> np.ndarray:
    """Which values of ``v`` lie beyond an axis ending at ``hi`` (not a rounding error past it)."""
    return v > hi * (1 + 1e-9)


def _beyond(v: np.ndarray, hi: float) -> str:
    """A second legend line "12 cases (1.0 %) beyond the axis, not drawn" when any value of
    ``v`` is (else "")."""
    k = int(np.count_nonzero(_past(v, hi)))
    if k == 0:
        return ""
    pct = 100 * k / v.size
    share = f"{pct:.1f} %" if pct >= 0.1 else "< 0.1 %"
    return f"\n{k:,} case{'s' if k > 1 else ''} ({share}) beyond the axis, not drawn"


def _series_stats(
    v: np.ndarray, rep: np.ndarray | None, *, pooled: bool = True
) -> tuple[dict[str, float], int]:
    """The mean, median and p90 a cycle-time series prints, and over how many replications:
    with two or more replications the KPIs' own: ``kpis.json``'s (``sim.kpis.cycle_time_kpis``:
    the mean of each replication's mean, the percentiles of every case pooled), or with
    ``pooled=False`` ``backtest.json``'s (``sim.kpis.averaged_cycle_time_kpis``: each
    replication's, averaged); else the sample's."""
    from sim.kpis import averaged_cycle_time_kpis, cycle_time_kpis
    from sim.kpis.measures import cycle_time_summary

    if rep is None or np.unique(rep).size < 2:
        return cycle_time_summary(v), 1
    table = pd.DataFrame({"replication": rep, "cycle_time_h": v})
    kpis = cycle_time_kpis if pooled else averaged_cycle_time_kpis
    return kpis(table), int(np.unique(rep).size)


def _mean_text(stats: Mapping[str, float], n_rep: int, unit: str) -> str:
    """ "mean 3.5 h", or with replications "mean of 10 replications' means 3.5 h"."""
    mean = stats["cycle_time_mean"]
    if n_rep < 2:
        return f"mean {mean:.4g} {unit}"
    return f"mean of {n_rep} replications' means {mean:.4g} {unit}"


def _median_key(n_series: int) -> str:
    """What the dashed lines of the cycle-time histogram are, for its x label: whose median,
    when there are several series."""
    if n_series == 0:
        return ""
    if n_series == 1:
        return "; dashed: median"
    return "; dashed: each series' median, in its colour"


def quantile_text(q: float, x: float) -> str:
    """The label of a marked percentile on the cycle-time figure: ``p90 559`` or ``p50 72.8``."""
    return f"p{round(q * 100)} {x:,.0f}" if abs(x) >= 100 else f"p{round(q * 100)} {x:.3g}"


KPI_NOTE_GID = "kpi-quantiles-note"
#: what the percentiles of a series with replications are, under the cumulative plot
KPI_QUANTILES_NOTE = (
    "p50, p90, mean: each replication's own, averaged over the {n} replications, as in {where} "
    "(the curves pool every case)"
)
#: the same note where the percentiles pool the replications' cases, as ``kpis.json``'s do
POOLED_QUANTILES_NOTE = (
    "p50, p90: of every case of the {n} replications pooled; mean: of the replications' means; "
    "as in {where}"
)


@with_fallback_fonts
def plot_cycle_times(
    samples: Mapping[str, Sequence[float] | np.ndarray],
    *,
    unit: str = "h",
    title: str = "Cycle time",
    clip_quantile: float = 0.99,
    replications: Mapping[str, Sequence[int] | np.ndarray] | None = None,
    empty: str = NO_FINISHED_CASE,
    kpis_in: str = "the KPI table",
    pooled_kpis: bool = True,
    path: str | Path | None = None,
) -> Figure:
    """Distributions of cycle time, one series per name (baseline vs scenario, simulated vs
    historical): density histograms with medians marked, and the cumulative share of cases
    finished by each time with the 50th and 90th percentiles marked. The axes end at the
    ``clip_quantile`` of the series (the median of theirs); the histogram leaves the cases
    beyond it out (its density stays that of every case) and its legend counts them.

    ``replications`` (per name, each value's replication) makes that series' mean, median and
    p90 the KPIs' of ``kpis_in``: with ``pooled_kpis`` those of ``kpis.json`` and the KPI table
    (``sim.kpis.cycle_time_kpis``: the percentiles of every case pooled, the mean of the
    replications' means), without it those of ``backtest.json`` (each replication's value,
    averaged); a note under the plot says which, and where they are.

    A series without values is named in the legend with ``empty`` (why there are none); with
    none at all, both panels say ``empty`` instead of showing blank axes."""
    reps = {k: np.asarray(v) for k, v in (replications or {}).items()}
    series = {k: np.asarray(v, dtype=float) for k, v in samples.items()}
    reps = {k: r[np.isfinite(series[k])] for k, r in reps.items() if k in series}
    series = {k: v[np.isfinite(v)] for k, v in series.items()}
    fig = new_figure(11, 4.2)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"wspace": 0.22})
    # the axis ends at the median of the series' own upper quantiles, so that one series with a
    # far tail (a naive baseline replaying a few overnight cases) does not squash the others;
    # the cases beyond it are counted in the legend and left out of the bars (piled up in the
    # last bin they looked like a mode), whose density stays one of every case
    tops = [float(np.quantile(v, clip_quantile)) for v in series.values() if v.size]
    hi = float(np.median(tops)) if tops else 1.0
    hi = hi if hi > 0 else 1.0
    bins = np.linspace(0, hi, 40)
    top = 0.0
    medians: list[tuple[float, Any]] = []
    kpi_reps = 0  # replications of the series whose numbers are the KPIs'
    legend_lines = 0
    empties: list[tuple[str, Any]] = []  # series without values: named in the legend
    for k, (name, v) in enumerate(series.items()):
        c = SERIES_COLORS[k % len(SERIES_COLORS)]
        if v.size == 0:
            empties.append((name, c))
            continue
        stats, n_rep = _series_stats(v, reps.get(name), pooled=pooled_kpis)
        kpi_reps = max(kpi_reps, n_rep if n_rep > 1 else 0)
        drawn = np.clip(v[~_past(v, hi)], 0, hi)
        beyond = _beyond(v, hi)
        legend_lines += 1 + beyond.count("\n")
        weight = np.full(drawn.size, 1.0 / (v.size * (bins[1] - bins[0])))  # density of all
        ax1.hist(drawn, bins=bins, weights=weight, histtype="stepfilled", alpha=0.18, color=c)
        dens, _, _ = ax1.hist(
            drawn,
            bins=bins,
            weights=weight,
            histtype="step",
            lw=1.5,
            color=c,
            label=f"{name} (n={v.size:,}, {_mean_text(stats, n_rep, unit)}){beyond}",
        )
        top = max(top, float(np.max(dens)))
        medians.append((stats["cycle_time_median"], c))
        xs = np.sort(v)
        ys = np.arange(1, xs.size + 1) / xs.size
        ax2.step(xs, ys, where="post", color=c, lw=1.6, label=name)
        for q, mk, key in ((0.5, "o", "cycle_time_median"), (0.9, "s", "cycle_time_p90")):
            xq = stats[key]
            ax2.plot([xq], [q], marker=mk, color=c, ms=5, zorder=5)
            right = hi > 0 and xq > 0.8 * hi  # near the right edge: label to the left
            ax2.annotate(
                quantile_text(q, xq),
                (xq, q),
                xytext=(-5 if right else 5, 4 - 11 * k),  # one line per series: no overlap
                textcoords="offset points",
                ha="right" if right else "left",
                fontsize=7,
                color=c,
                bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.8},
            )
    ax1.set_xlim(0, hi)
    if medians:  # else the panels say so, once
        for name, c in empties:
            ax1.plot([], [], color=c, lw=1.5, label=f"{name}: {empty}")
            legend_lines += 1
    headroom = 1.15 + 0.1 * legend_lines
    if top > 0:  # headroom for the legend
        ax1.set_ylim(0, top * headroom)
    for med, c in medians:  # up to the tallest bar: the legend sits above it
        ax1.axvline(med, ymax=1 / headroom if top > 0 else 1, color=c, lw=1.0, ls="--")
    ax1.set_xlabel(f"cycle time ({unit}){_median_key(len(medians))}", fontsize=8.5)
    ax1.set_ylabel("density", fontsize=8.5)
    if ax1.get_legend_handles_labels()[0]:
        ax1.legend(fontsize=7.5, frameon=False, loc="upper right")
    ax2.set_xlim(0, hi)
    ax2.set_ylim(0, 1.02)
    ax2.set_xlabel(f"cycle time ({unit})", fontsize=8.5)
    ax2.set_ylabel("share of cases finished", fontsize=8.5)
    from matplotlib.ticker import PercentFormatter

    ax2.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if ax2.get_legend_handles_labels()[0]:
        ax2.legend(fontsize=7.5, frameon=False, loc="lower right")
    for ax in (ax1, ax2):
        _style(ax)
    if not medians:  # nothing drawn: say why rather than show blank axes
        ax1.set_ylim(0, 1)
        for ax in (ax1, ax2):
            _no_data(ax, empty)
    fig.suptitle(title, fontsize=11, fontweight="bold", color=INK, x=0.06, ha="left")
    bottom = 0.13
    if kpi_reps:
        fig.text(
            0.98,
            0.1 / fig.get_figheight(),
            (POOLED_QUANTILES_NOTE if pooled_kpis else KPI_QUANTILES_NOTE).format(
                n=kpi_reps, where=kpis_in
            ),
            fontsize=7.5,
            color=MUTED,
            ha="right",
            va="bottom",
            gid=KPI_NOTE_GID,
        )
        bottom += 0.2 / fig.get_figheight()
    fig.subplots_adjust(left=0.06, right=0.98, bottom=bottom, top=0.88)
    return _finish(fig, path)


# ------------------------------------------------------------------ long step lists
#: bars of the step-time chart: 30 rows (0.36 in each, a figure ~12 in tall) still read as one
#: picture, and the console's step table (``format_report``) lists as many
STEP_ROWS_MAX = 30
#: rows of the funnel: 30 rows of 0.4 in (~13 in); BPIC's 113 made it 46 in tall
FUNNEL_ROWS_MAX = 30
HIDDEN_GID = "hidden-steps-note"  # the note under a chart that leaves steps out


def most_relevant(
    names: Sequence[str],
    score: Mapping[str, float],
    limit: int,
    *,
    keep: Sequence[str] = (),
) -> list[str]:
    """The ``limit`` of ``names`` with the highest ``score`` (missing or NaN: lowest), the names
    in ``keep`` among them whatever their score, in the order of ``names``. ``keep`` is in order
    of priority: where more than ``limit`` of them are among ``names``, its first ``limit`` are
    kept, wherever they stand in ``names`` (cut in the model's order, a bottleneck late in it
    fell off the chart whose title named it, QA rt27_calib F3)."""
    present = set(names)
    kept = list(dict.fromkeys(n for n in keep if n in present))[:limit]

    def rank(n: str) -> float:
        v = score.get(n)
        return v if v is not None and math.isfinite(v) else -math.inf

    rest = sorted((n for n in names if n not in kept), key=rank, reverse=True)
    chosen = set(kept) | set(rest[: max(limit - len(kept), 0)])
    return [n for n in names if n in chosen]


def hidden_steps_text(
    shown: int,
    total: int,
    ranked_by: str,
    rest_in: str,
    *,
    first: Sequence[tuple[str, int]] = (),
    rest: str = "",
) -> str:
    """The note under a chart that draws ``shown`` of ``total`` steps: which, and where the
    others are. ``first``: the steps drawn whatever their rank, each a phrase and how many
    steps it names (``("the bottleneck", 1)``), said before the others, those with the most
    ``ranked_by``; ``rest``: what the steps left out are besides ("each tied with it too")."""
    ranked = shown - sum(k for _, k in first)
    parts = [phrase for phrase, _ in first]
    if ranked > 0:
        parts.append(
            f"the {ranked} other{'s' if ranked > 1 else ''} with the most {ranked_by}"
            if parts
            else f"those with the most {ranked_by}"
        )
    which = parts[-1] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    left = total - shown
    aside = f" ({rest})" if rest else ""
    where = f"The other one{aside} is" if left == 1 else f"The other {left}{aside} are"
    return f"{shown} of {total} steps shown: {which}. {where} in {rest_in}."


def step_chart_note(
    names: Sequence[str],
    shown: Sequence[str],
    score: Mapping[str, float],
    bottleneck: str | None,
    tied: Sequence[str],
    rest_in: str,
) -> str:
    """The step chart's note when it draws ``shown`` of the steps ``names``: those with the most
    time per case (``score``), unless the ``bottleneck`` and the steps ``tied`` with it (drawn
    whatever their time, the tied ones where cases queue longest first) took the place of
    others, which it then names first; and how many of the steps left out are tied too."""
    drawn = set(shown)
    first: list[tuple[str, int]] = []
    if bottleneck and drawn != set(most_relevant(names, score, len(shown))):
        first = [("the bottleneck", 1)] if bottleneck in drawn else []
        tied_in = [t for t in tied if t in drawn]
        if len(tied_in) == len(tied) > 0:
            first.append(
                (
                    f"the {'step' if len(tied) == 1 else f'{len(tied)} steps'} tied with it",
                    len(tied),
                )
            )
        elif tied_in:
            which = (
                f"{len(tied_in)} of the {len(tied)} steps tied with it (where cases queue longest)"
            )
            first.append((which, len(tied_in)))
    out = len([t for t in tied if t not in drawn])
    left = len(names) - len(shown)
    rest = ""
    if out == left:
        rest = "tied with the bottleneck too" if left == 1 else "each tied with the bottleneck too"
    elif out:
        rest = f"{out} of them tied with the bottleneck"
    ranked_by = "time per case (waiting + processing)"
    return hidden_steps_text(len(shown), len(names), ranked_by, rest_in, first=first, rest=rest)


def _hidden_note(fig: Figure, text: str, *, y: float = 0.08) -> None:
    """``text`` at the figure's bottom left, ``y`` inches up (it has to be seen: ink, not grey)."""
    fig.text(
        0.02,
        y / fig.get_figheight(),
        text,
        fontsize=8,
        color=INK,
        ha="left",
        va="bottom",
        gid=HIDDEN_GID,
    )


# ------------------------------------------------------------------------ step times
#: a step-time panel without values: the KPIs measure the visits that ended
NO_FINISHED_STEP = "no visit to a step finished in the measured window"
NO_VISIT_GID = "no-visit-note"  # the note on a step's row that no measured case got through
NO_VISIT_WIDTH = 64  # characters per line of that note
WAIT_SPAN_MIN = 0.02  # the waiting axis spans at least this share of the processing axis


def no_visit_text(step: Mapping[str, Any] | None) -> str:
    """What the empty row of a step (``kpis.json`` step row) in the step chart means: no
    measured case got through it (its waiting and processing count finished visits only), with
    the share of the measured cases still waiting there when the run stopped
    (``waiting_at_end``, kpis.json ``unfinished``) where there are any, or that none reached
    it. An empty row beside the step the title names as the bottleneck read as the step where
    nobody waits (QA retest19 #2)."""
    step = step or {}
    left = _ci(step.get("waiting_at_end"))[0]
    if math.isfinite(left) and left > 0:
        return (
            f"no measured case got through: {_pct_text(left)} of the cases were still "
            "waiting here when the run stopped (unfinished)"
        )
    reached = _ci(step.get("reached"))[0]
    if math.isfinite(reached) and reached > 0:
        return "no measured case got through"
    return "no measured case reached it"


def _no_visit_notes(
    ax: Axes, y: np.ndarray, steps: Sequence[str], texts: Mapping[str, str], marked: set[str]
) -> None:
    """``texts[step]`` on the empty rows (at ``y``) of the waiting panel ``ax``, in ink on the
    rows ``marked`` (the bottleneck and the steps tied with it), grey on the others."""
    from matplotlib.transforms import blended_transform_factory

    at = blended_transform_factory(ax.transAxes, ax.transData)
    for row, s in zip(y, steps, strict=True):
        if s in texts:
            ax.text(
                0.01,
                row,
                "\n".join(textwrap.wrap(texts[s], NO_VISIT_WIDTH)),
                transform=at,
                ha="left",
                va="center",
                fontsize=7.5,
                color=INK if s in marked else MUTED,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
                gid=NO_VISIT_GID,
            )


def duration_unit(top: float, unit: str) -> tuple[float, str]:
    """The factor and unit to draw durations given in ``unit`` on an axis up to ``top`` with:
    minutes when ``unit`` is hours and ``top`` is under 0.1 h, seconds when under a minute,
    else ``unit`` itself (an axis of 0 to 0.0045 h read as nothing, QA plots18 #9)."""
    if unit == "h" and math.isfinite(top) and top > 0:
        if top < 1 / 60:
            return 3600.0, "s"
        if top < 0.1:
            return 60.0, "min"
    return 1.0, unit


def _top(frames: Sequence[pd.DataFrame], prefix: str) -> float:
    """The largest mean or upper bound of ``prefix`` (``waiting``, ``processing``) in
    ``frames`` (``step_frame``'s), NaN when there is none."""
    cols = [f[f"{prefix}_{c}"].to_numpy(dtype=float) for f in frames for c in ("mean", "high")]
    values = np.concatenate(cols) if cols else np.array([])
    return float(np.nanmax(values)) if np.isfinite(values).any() else math.nan


def _scaled(df: pd.DataFrame, prefix: str, factor: float) -> pd.DataFrame:
    """``df`` with its ``prefix`` columns (mean, low, high) multiplied by ``factor``."""
    cols = [f"{prefix}_{c}" for c in ("mean", "low", "high")]
    return df.assign(**{c: df[c] * factor for c in cols})


@with_fallback_fonts
def plot_step_times(
    report: Mapping[str, Any],
    *,
    compare: Mapping[str, Any] | None = None,
    names: tuple[str, str] = ("baseline", "scenario"),
    unit: str = "h",
    title: str | None = None,
    max_steps: int | None = STEP_ROWS_MAX,
    rest_in: str = "kpis.json",
    path: str | Path | None = None,
) -> Figure:
    """Mean waiting and processing per step with 95 % confidence intervals, steps in the order
    of the main path. With ``compare`` (a second report), waiting of both side by side.

    A model with more than ``max_steps`` steps (a calibrated one: a step per repetition and
    timer) shows the ``max_steps`` where cases spend the most time (``sim.kpis.time_per_case``,
    the console's ranking) and the bottleneck, with a note naming ``rest_in`` for the others;
    ``None`` draws every step."""
    from sim.kpis import time_per_case

    df = step_frame(report)
    bottleneck = bottleneck_step(report)
    total = len(df)
    note = None
    if max_steps is not None and total > max_steps:
        score = {s["step"]: time_per_case(s) for s in report.get("steps", ())}
        # the bottleneck first, then the steps tied with it, where cases queue longest first
        keep = [bottleneck, *bottleneck_tied_with(report)] if bottleneck else []
        names = list(df["step"])
        shown = most_relevant(names, score, max_steps, keep=keep)
        note = step_chart_note(
            names, shown, score, bottleneck, bottleneck_tied_with(report), rest_in
        )
        df = df[df["step"].isin(shown)].reset_index(drop=True)
    other = None
    if compare is not None:
        other = step_frame(compare).set_index("step").reindex(df["step"])
    # a wait of seconds beside hours of processing is no full bar (QA plots18 #9): the waiting
    # axis spans a share of the processing one at least, each in a unit that reads
    top_p = _top([df], "processing")
    top_w = _top([df, *([] if other is None else [other])], "waiting")
    span_w = WAIT_SPAN_MIN * top_p if math.isfinite(top_p) else 0.0
    fw, unit_w = duration_unit(max(top_w, span_w) if math.isfinite(top_w) else top_w, unit)
    fp, unit_p = duration_unit(top_p, unit)
    df = _scaled(_scaled(df, "waiting", fw), "processing", fp)
    if other is not None:
        other = _scaled(other, "waiting", fw)
    n = max(len(df), 1)
    extra = 0.3 if note else 0.0
    fig = new_figure(10.5, 1.4 + extra + 0.36 * n * (1.4 if compare else 1.0))
    ax_w, ax_p = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.6, 1]})
    y = np.arange(len(df))[::-1].astype(float)
    h = 0.38 if compare else 0.6
    if compare is None:
        ax_w.barh(
            y,
            df["waiting_mean"],
            h,
            color=WAIT_COLOR,
            alpha=0.85,
            xerr=_err(
                df["waiting_mean"].to_numpy(),
                df["waiting_low"].to_numpy(),
                df["waiting_high"].to_numpy(),
            ),
            error_kw={"lw": 0.9, "capsize": 2, "ecolor": INK},
            label="waiting",
        )
    else:
        for k, (frame, nm) in enumerate(((df.set_index("step"), names[0]), (other, names[1]))):
            ax_w.barh(
                y + (h / 2 if k == 0 else -h / 2),
                frame["waiting_mean"],
                h,
                color=SERIES_COLORS[k],
                alpha=0.85,
                label=nm,
                xerr=_err(
                    frame["waiting_mean"].to_numpy(),
                    frame["waiting_low"].to_numpy(),
                    frame["waiting_high"].to_numpy(),
                ),
                error_kw={"lw": 0.9, "capsize": 2, "ecolor": INK},
            )
        ax_w.legend(fontsize=8, frameon=False, loc="lower right")
    ax_p.barh(
        y,
        df["processing_mean"],
        0.6,
        color=PROC_COLOR,
        xerr=_err(
            df["processing_mean"].to_numpy(),
            df["processing_low"].to_numpy(),
            df["processing_high"].to_numpy(),
        ),
        error_kw={"lw": 0.9, "capsize": 2, "ecolor": INK},
    )
    ax_w.set_yticks(y)
    ax_w.set_ylim(-0.7, len(df) - 0.3)  # no empty rows above and below a long list
    ax_w.set_yticklabels([axis_label(s) for s in df["step"]], fontsize=8)
    ci = ci_text(report, compare)
    ax_w.set_xlabel(f"mean waiting before the step ({unit_w}), {ci}", fontsize=8.5)
    timers = any(s.get("timer_share") for s in report.get("steps", ()))  # calibrated delay: steps
    ax_p.set_xlabel(
        f"mean processing{' or timer' if timers else ''} ({unit_p}), {ci}",
        fontsize=8.5,
    )
    for ax in (ax_w, ax_p):
        _style(ax, grid_axis="x")
        ax.set_xlim(left=0)
    if span_w > 0:
        ax_w.set_xlim(right=max(ax_w.get_xlim()[1], span_w * fw))
    waits = [df["waiting_mean"]] + ([other["waiting_mean"]] if other is not None else [])
    for ax, values in ((ax_w, waits), (ax_p, [df["processing_mean"]])):
        if not any(v.notna().any() for v in values):  # blank axes read as "no waiting"
            _no_data(ax, NO_FINISHED_STEP, width=30)
    every_tied = bottleneck_tied_with(report)
    tied = [t for t in every_tied if t in set(df["step"])]
    if any(v.notna().any() for v in waits):  # else the panel's own note says it
        # a row no measured case got through says why it is empty, and where they wait
        rows = {r["step"]: r for r in report.get("steps", ())}
        empty = pd.concat([v.isna().reset_index(drop=True) for v in waits], axis=1).all(axis=1)
        texts = {
            s: no_visit_text(rows.get(s) if compare is None else None)
            for s, e in zip(df["step"], empty, strict=True)
            if e
        }
        if compare is not None:  # two runs: which one's cases still wait is not one number
            texts = dict.fromkeys(texts, "no measured case got through in either run")
        _no_visit_notes(ax_w, y, list(df["step"]), texts, {bottleneck, *tied})
    for lab, s in zip(ax_w.get_yticklabels(), df["step"], strict=False):
        if s == bottleneck or s in tied:
            lab.set_fontweight("bold")
            lab.set_color(DROP)
    options = [title] if title else step_chart_titles(bottleneck, tied, len(every_tied) - len(tied))
    # room for the lines the title takes here; the layout picks it again when the figure is
    # drawn, at the resolution it is drawn at (text widths do not scale exactly with dpi)
    heading = fitted_title(fig, options)
    fig.set_figheight(fig.get_figheight() + TITLE_LINE * heading.count("\n"))
    heading_text = _title(fig, heading)
    if note:
        _hidden_note(fig, note)
    margins = {
        "left": 0.2,
        "right": 0.98,
        "bottom": (0.6 + extra) / fig.get_figheight(),
        "top": 1 - 0.45 / fig.get_figheight(),
        "wspace": 0.06,
    }
    fig.set_layout_engine(_FitLabels(margins=margins, title=(heading_text, options)))
    return _finish(fig, path)


def step_chart_titles(bottleneck: str | None, tied: Sequence[str], not_drawn: int = 0) -> list[str]:
    """The step chart's title, fullest first (``fitted_title`` takes the first that fits):
    every step ``tied`` with the bottleneck (those drawn) named, then two, one, none of them
    with the others counted; each keeps "in red", the key to the red labels. ``not_drawn``
    more steps tied with it are counted too, and the title says how many of all are drawn."""
    head = "Waiting and processing per step"
    if not bottleneck:
        return [head]
    names = [pretty(t) for t in tied]
    total = len(names) + not_drawn
    drawn = f" ({len(names) or 'none'} of them drawn)" if not_drawn else ""
    out = []
    # "A, B and 1 more" is hardly shorter than naming the third: the others count two at least
    shorter = (k for k in (2, 1) if k < min(len(names), total - 1))
    for k in sorted({len(names), *shorter, 0}, reverse=True):
        rest = total - k
        if not rest:
            who = " and ".join([", ".join(names[:-1]), names[-1]] if k > 1 else names)
        elif k:
            who = f"{', '.join(names[:k])} and {rest} more{drawn}"
        else:
            who = f"{rest} other step{'s' if rest > 1 else ''}{drawn}"
        tie = f", statistically tied with {who}" if who else ""
        out.append(f"{head} (bottleneck: {pretty(bottleneck)}{tie}, in red)")
    return out


# ----------------------------------------------------------------------- utilisation
AMBER = "#f9a825"


@with_fallback_fonts
def plot_utilisation(
    report: Mapping[str, Any],
    *,
    compare: Mapping[str, Any] | None = None,
    names: tuple[str, str] = ("baseline", "scenario"),
    warn_at: float = TARGET_UTILISATION,
    saturated_at: float = SATURATED,
    title: str = "Utilisation per role",
    path: str | Path | None = None,
) -> Figure:
    """Share of scheduled time each role is busy, with 95 % CIs; a line marks ``warn_at``, the
    target utilisation (bars above it amber: queues grow steeply; from ``saturated_at`` red:
    saturated), the thresholds of the run's notes and warnings (``above_target_roles``,
    ``saturated_roles``). Roles are labelled with their headcount."""
    roles = list(report.get("roles", ()))
    others = {r["role"]: r for r in (compare or {}).get("roles", ())}
    n = max(len(roles), 1)
    fig = new_figure(8.5, 1.3 + 0.36 * n * (1.4 if compare else 1.0))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(roles))[::-1].astype(float)
    h = 0.38 if compare else 0.6
    series = [(roles, names[0])]
    if compare:
        series.append(([others.get(r["role"], {}) for r in roles], names[1]))
    for k, (rows, nm) in enumerate(series):
        vals = np.array([_ci(r.get("utilisation")) for r in rows]).reshape(-1, 3)
        mean, lo, hi = vals[:, 0], vals[:, 1], vals[:, 2]
        if compare:
            colors = [SERIES_COLORS[k]] * len(rows)
        else:
            colors = [
                DROP if m >= saturated_at else (AMBER if m >= warn_at else SCENARIO)
                for m in np.nan_to_num(mean)
            ]
        yy = y + ((h / 2 if k == 0 else -h / 2) if compare else 0)
        ax.barh(
            yy,
            np.nan_to_num(mean),
            h,
            color=colors,
            alpha=0.85,
            label=nm,
            xerr=_err(np.nan_to_num(mean), lo, hi),
            error_kw={"lw": 0.9, "capsize": 2, "ecolor": INK},
        )
        for yv, m, top in zip(yy, mean, hi, strict=False):
            if math.isfinite(m):
                _value_label(ax, max(m, top) if math.isfinite(top) else m, yv, f"{m:.0%}")
            elif not compare and np.isfinite(mean).any():
                # busy over scheduled hours: a role without any reads as a blank row
                ax.annotate(
                    NO_WORKING_HOURS,
                    (0, yv),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7.5,
                    color=MUTED,
                )
    ax.axvline(warn_at, color=DROP, ls="--", lw=1)
    ax.text(
        warn_at,
        1.0,
        f" {warn_at:.0%} target",
        color=DROP,
        fontsize=7.5,
        va="bottom",
        transform=ax.get_xaxis_transform(),
    )
    ax.set_yticks(y)
    ax.set_yticklabels([role_label(r["role"], r.get("headcount", "?")) for r in roles], fontsize=8)
    ax.set_xlim(0, 1.08)
    from matplotlib.ticker import PercentFormatter

    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(
        f"busy share of scheduled time, {ci_text(report, compare)} (headcount in brackets)",
        fontsize=8.5,
    )
    if compare:
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    else:  # the colour rule
        from matplotlib.patches import Patch

        rule = [
            (SCENARIO, f"under {warn_at:.0%}"),
            (AMBER, f"{warn_at:.0%} to {saturated_at:.0%}: queues grow steeply"),
            (DROP, f"{saturated_at:.0%} or more: saturated"),
        ]
        ax.legend(
            handles=[Patch(color=c, alpha=0.85, label=lb) for c, lb in rule],
            fontsize=7.5,
            frameon=False,
            ncol=3,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            handlelength=1.2,
            columnspacing=1.2,
            borderaxespad=1.5,
        )
    _style(ax, grid_axis="x")
    utils = [(r.get("utilisation") or {}).get("mean") for r in roles]
    utils += [((others.get(r["role"]) or {}).get("utilisation") or {}).get("mean") for r in roles]
    if not any(finite_number(u) for u in utils):  # blank axes (QA plots18 #8)
        _no_data(ax, "no role had working hours in the measured window", width=30)
    fig.suptitle(title, fontsize=11, fontweight="bold", color=INK, x=0.02, ha="left")
    margins = {
        "left": 0.26,
        "right": 0.96,
        "bottom": 0.55 / fig.get_figheight() + 0.05,
        "top": 1 - 0.5 / fig.get_figheight(),
    }
    fig.set_layout_engine(_FitLabels(margins=margins))  # a long role name starts inside
    return _finish(fig, path)


def role_label(role: str, headcount: Any) -> str:
    """A role's label on the utilisation chart: its name, shortened in the middle as the step
    names are (``axis_label``), then its headcount in brackets, which is always kept whole."""
    count = f" ({headcount})"
    return axis_label(role, LABEL_MAX - len(count)) + count


# ---------------------------------------------------------------------------- funnel
LOST_SHOWN = 0.0005  # a step losing more than this share of finished cases says so in red


@with_fallback_fonts
def plot_funnel(
    report: Mapping[str, Any],
    *,
    success_outcomes: Sequence[str] | None = None,
    title: str = "Funnel: share of cases reaching each step",
    max_steps: int | None = FUNNEL_ROWS_MAX,
    rest_in: str = "kpis.json",
    path: str | Path | None = None,
) -> Figure:
    """The share of cases reaching each step (in the model's order, so alternative branches
    sit one under the other: a narrower row is not a loss), the share of finished cases lost at
    each step where the model drops cases (its ``dropoff_at``, in red), and the outcome shares
    with their 95 % CIs (green: ``success_outcomes``, e.g. the model's successful ends; without
    it, names like lost/abandoned/rejected are red).

    A model with more than ``max_steps`` steps shows the ``max_steps`` most cases reach, and
    every step where cases are lost, with a note naming ``rest_in`` for the others; ``None``
    draws every step."""
    stages = [f for f in report.get("funnel", ()) if f.get("reached") is not None]
    outcomes = report.get("outcomes") or {}
    lost_at = {
        s["step"]: float(s["dropoff_at"]["mean"])
        for s in report.get("steps", ())
        if (s.get("dropoff_at") or {}).get("mean") is not None
    }
    total = len(stages)
    hidden = ""
    if max_steps is not None and total > max_steps:
        names = [f["stage"] for f in stages]
        # the steps losing the largest share first, should there be more than rows
        lost = sorted(
            (k for k in names if lost_at.get(k, 0.0) > LOST_SHOWN), key=lambda k: -lost_at[k]
        )
        reach = {f["stage"]: float(f["reached"]) for f in stages}
        shown = most_relevant(names, reach, max_steps, keep=lost)
        first = []
        if set(shown) != set(most_relevant(names, reach, len(shown))):  # kept, not ranked
            k = len(set(lost) & set(shown))
            which = f"the {k} steps" if k > 1 else "the step"
            first = [(f"{which} where cases are lost (in red)", k)]
        hidden = "\n" + hidden_steps_text(
            len(shown), total, "cases reaching them", rest_in, first=first
        )
        stages = [f for f in stages if f["stage"] in set(shown)]
    n = max(len(stages), 1)
    extra = 0.15 if hidden else 0.0
    fig = new_figure(11, 1.3 + extra + 0.4 * n)
    ax, ax_o = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.3, 1]})
    y = np.arange(len(stages))[::-1].astype(float)
    reached = np.array([float(f["reached"]) for f in stages])
    arrived = not no_case_arrived(report)  # else every share is 0 of nothing (QA plots18 #8)
    ax.barh(y, reached, 0.7, left=(1 - reached) / 2, color=SCENARIO, alpha=0.8)
    for yv, r, f in zip(y, reached, stages, strict=False):
        if not arrived:
            break
        ax.text(
            0.5,
            yv,
            f"{r:.0%}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if r > 0.12 else INK,
            fontweight="bold",
        )
        lost = lost_at.get(f["stage"], 0.0)
        if lost > LOST_SHOWN:
            ax.text(
                1.02,
                yv,
                f"{lost:.1%} lost here",
                ha="left",
                va="center",
                fontsize=7,
                color=DROP,
            )
    ax.set_yticks(y)
    ax.set_ylim(-0.7, len(stages) - 0.3)
    ax.set_yticklabels([axis_label(f["stage"]) for f in stages], fontsize=8)
    ax.set_xlim(0, 1.25)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors=INK)
    if not arrived:
        _no_data(ax, NO_CASE_ARRIVED)
    fig.text(  # under both panels, not an x label: it would be wider than the funnel
        0.02,
        0.08 / fig.get_figheight(),
        "Width: share of all cases reaching the step. Steps are in the model's order, so "
        "alternative branches sit one under the other: a narrower row is not a loss.\n"
        "Red: share of finished cases lost at the step (dropped, or ended unsuccessfully there). "
        "Outcomes: green successful, red unsuccessful." + hidden,
        fontsize=8,
        color=INK,
        ha="left",
        va="bottom",
        gid=HIDDEN_GID if hidden else None,
    )
    # outcomes
    names = list(outcomes)
    vals = np.array([_ci(outcomes[k]) for k in names]).reshape(-1, 3)
    # on the funnel's row scale, from the top: three outcomes beside 50 steps stay bar-sized
    rows = max(len(stages), len(names), 1)
    yo = (rows - 1 - np.arange(len(names))).astype(float)
    colors = [SUCCESS if _is_success(k, success_outcomes) else DROP for k in names]
    ax_o.barh(
        yo,
        np.nan_to_num(vals[:, 0]),
        0.6,
        color=colors,
        alpha=0.8,
        xerr=_err(np.nan_to_num(vals[:, 0]), vals[:, 1], vals[:, 2]),
        error_kw={"lw": 0.9, "capsize": 2, "ecolor": INK},
    )
    for yv, m, top in zip(yo, vals[:, 0], vals[:, 2], strict=False):
        if math.isfinite(m):
            _value_label(ax_o, max(m, top) if math.isfinite(top) else m, yv, f"{m:.0%}")
    ax_o.set_yticks(yo)
    ax_o.set_yticklabels(funnel_outcome_labels(names, report, success_outcomes), fontsize=8)
    ax_o.set_ylim(-0.7, rows - 0.3)  # as the funnel, row for row
    ax_o.set_xlim(0, 1.15)
    from matplotlib.ticker import PercentFormatter

    ax_o.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_o.set_title(
        f"outcomes of finished cases ({ci_text(report)})", fontsize=8.5, color=INK, loc="right"
    )
    _style(ax_o, grid_axis="x")
    if not names:  # the outcomes are shares of the finished cases
        _no_data(ax_o, NO_FINISHED_CASE, width=24)  # a narrow panel
    _title(fig, title)
    margins = {
        "left": 0.17,
        "right": 0.97,
        "bottom": (0.85 + extra) / fig.get_figheight(),
        "top": 1 - 0.5 / fig.get_figheight(),
        "wspace": 0.3,
    }
    fig.set_layout_engine(_FitLabels(margins=margins, gap=(0, 1)))
    return _finish(fig, path)


def funnel_outcome_labels(
    outcomes: Sequence[str], report: Mapping[str, Any], success: Sequence[str] | None = None
) -> list[str]:
    """The funnel's labels of ``outcomes`` (keys of ``report``'s): an outcome named after a step
    of ``report`` (a calibrated model ends its cases after their last activity) as that step's
    row reads, else as the map writes its end (``outcome_label``: ``End`` for a generated id).
    Labels that would read alike say whether the outcome is successful (``success``, as the
    bars' colours), then its own name: two unnamed ends read "End" twice, and a calibrated end
    read "End" beside its step's "Activity_9zz8yy7 30 % lost here" (QA rt27_calib F7)."""
    steps = {s["step"] for s in report.get("steps", ())}
    base = [axis_label(k) if k in steps else axis_label(outcome_label(k)) for k in outcomes]
    kinds = ["successful" if _is_success(k, success) else "unsuccessful" for k in outcomes]
    alike = Counter(base)
    labels = [f"{b} ({kind})" if alike[b] > 1 else b for b, kind in zip(base, kinds, strict=True)]
    alike = Counter(labels)
    return [
        f"{b} ({kind}: {axis_label(k, LABEL_MAX // 2)})" if alike[lab] > 1 else lab
        for b, kind, k, lab in zip(base, kinds, outcomes, labels, strict=True)
    ]


def _is_success(outcome: str, success: Sequence[str] | None) -> bool:
    if success is not None:
        return outcome in success
    low = outcome.lower()
    return not any(w in low for w in ("lost", "abandon", "drop", "reject", "cancel", "declin"))


# ---------------------------------------------------------------------------- pareto
def pareto_mask(values: np.ndarray, minimize: Sequence[bool]) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n x k)."""
    v = np.asarray(values, dtype=float).copy()
    for j, mn in enumerate(minimize):
        if not mn:
            v[:, j] = -v[:, j]
    n = v.shape[0]
    keep = np.ones(n, dtype=bool)
    ok = np.all(np.isfinite(v), axis=1)
    keep &= ok
    for i in range(n):
        if not keep[i]:
            continue
        dominated = np.all(v <= v[i], axis=1) & np.any(v < v[i], axis=1) & ok
        if dominated.any():
            keep[i] = False
    return keep


def _point(trials: pd.DataFrame, p: Any, x: str, y: str) -> tuple[float, float] | None:
    if p is None:
        return None
    if isinstance(p, Mapping):
        if x not in p or y not in p:  # a mapping without this panel's objectives: not drawn
            return None
        return float(p[x]), float(p[y])
    row = trials.loc[p]
    return float(row[x]), float(row[y])


@dataclass(frozen=True)
class Recommended:
    """A recommended redesign on a Pareto figure: ``point`` an index label of the trials or a
    mapping with the objective values, ``rank`` its rank in the recommendations, ``trial``
    whether it is a trial of the search (a redesign pruned after the ablation is not: it is
    drawn hollow, and the front, which joins trials only, is not drawn through it)."""

    point: Any
    rank: int = 1
    trial: bool = True


@dataclass(frozen=True)
class ParetoObjective:
    """One objective of a Pareto figure (``plot_pareto``'s ``objectives``): ``kpi`` a column of
    the trials and a key of the baseline's and the recommended points' mappings, ``minimize``
    whether less is better, ``label`` and ``unit`` its axis title (``%``: a fraction shown as
    a percentage, on an axis that stays within 0 to 100 %)."""

    kpi: str
    minimize: bool = True
    label: str | None = None
    unit: str = ""


RECOMMENDED_LEGEND = "recommended"
NOT_A_TRIAL_LEGEND = (
    "recommended, not itself a trial (a trial's redesign\nwith changes dropped; "
    "the front joins trials only)"
)
INFEASIBLE_LABEL = "infeasible (breaks a constraint)"
BEYOND_LABEL = "infeasible, beyond the axis: {n}"
BEYOND_GID = "infeasible-beyond"
# several panels: one legend entry, each panel's count over it (three "beyond the axis: N"
# entries named no panel, QA plots18 #7)
BEYOND_PANELS_LABEL = "infeasible, beyond the axes (count over each panel)"
BEYOND_PANEL_TITLE = "{n} infeasible trial{s} beyond the axes (triangles)"
PARETO_PAD = 0.06  # each axis's margin, as a share of what it shows
PARETO_REACH = 3.0  # infeasible trials within this many times the anchors' range are shown
PARETO_PANELS_MAX = 3  # the first this many objectives that vary are paired, a panel a pair
PARETO_NOTE_GID = "pareto-note"  # the note naming the objectives the figure does not draw
SHARE_BOUNDS = (0.0, 1.0)  # a ``%`` objective is a share: its axis stays within 0 to 100 %
#: the baseline star's legend entry and label, by ``_baseline_state``
BASELINE_LEGEND = {
    "": "baseline",
    "infeasible": "baseline (breaks a constraint)",
    "search": (
        "baseline, borderline: breaks a constraint in the\n"
        "search's replications, meets it in the confirmation's"
    ),
    "confirmation": (
        "baseline, borderline: breaks a constraint in the\n"
        "confirmation's replications, meets it in the search's"
    ),
}
BASELINE_TEXT = {
    "": "baseline",
    "infeasible": "baseline (breaks a constraint)",
    "search": "baseline (borderline)",
    "confirmation": "baseline (borderline)",
}


def pareto_range(
    anchors: np.ndarray,
    others: np.ndarray,
    *,
    bounds: tuple[float, float] | None = None,
) -> tuple[float, float] | None:
    """One axis's limits for a Pareto chart: the range of ``anchors`` (feasible trials,
    baseline, recommended), widened to take in the ``others`` (infeasible trials) lying within
    ``PARETO_REACH`` times that range beyond it (so the anchors keep at least a seventh of the
    axis), plus a margin. Farther ones are left outside (an infeasible, saturated trial at
    540 h squeezed every feasible point of 0.6-0.7 h onto one line).
    Without anchors, every value counts; None when there is nothing finite. ``bounds``: the
    margin does not cross them where the values keep within them (a share never shows -6 %).
    """
    a = np.asarray(anchors, dtype=float)
    o = np.asarray(others, dtype=float)
    a, o = a[np.isfinite(a)], o[np.isfinite(o)]
    if not a.size:
        a, o = o, o[:0]
    if not a.size:
        return None
    lo, hi = float(a.min()), float(a.max())
    span = hi - lo or (0.1 * abs(lo) or 1.0)
    reach = PARETO_REACH * span
    near = o[(o >= lo - reach) & (o <= hi + reach)]
    if near.size:
        lo, hi = min(lo, float(near.min())), max(hi, float(near.max()))
    pad = PARETO_PAD * (hi - lo or span)
    low, high = lo - pad, hi + pad
    if bounds is not None:
        low = max(low, bounds[0]) if lo >= bounds[0] else low
        high = min(high, bounds[1]) if hi <= bounds[1] else high
    return low, high


def _outside(v: np.ndarray, lim: tuple[float, float]) -> np.ndarray:
    return (v < lim[0]) | (v > lim[1])


def axis_title(label: str, unit: str, *, note: str = "") -> str:
    """``Mean cycle time (h; lower is better)``; no unit when the name says it (``People on
    staff``)."""
    unit = unit_text(unit)  # "cost units", as every table says, not "money" (QA cost17 #7)
    said = unit.lower() in label.lower().replace("(", " ").split()
    inside = "; ".join(t for t in (unit if unit and not said else "", note) if t)
    return f"{label} ({inside})" if inside else label


def _pct_text(share: float) -> str:
    """0.0123 -> '1.2 %', 0.0004 -> '0.04 %'."""
    return f"{100 * share:.2g} %" if share < 0.01 else f"{100 * share:.1f} %"


def _values_of(trials: pd.DataFrame, p: Any, kpis: Sequence[str]) -> dict[str, float]:
    """A point's objective values: ``p`` an index label of ``trials`` or a mapping (the
    objectives it lacks left out); empty for None."""
    if p is None:
        return {}
    if isinstance(p, Mapping):
        return {k: float(p[k]) for k in kpis if p.get(k) is not None}
    row = trials.loc[p]
    return {k: float(row[k]) for k in kpis}


def _steady_value(values: np.ndarray) -> float | None:
    """The one value of ``values`` when every finite one is the same (NaN when none is
    finite), None when they differ."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return math.nan
    lo, hi = float(v.min()), float(v.max())
    return lo if hi - lo <= 1e-9 * max(abs(lo), abs(hi)) else None


def _steady_text(objective: ParetoObjective, value: float) -> str:
    """``0 %``, ``3.4 h``: an objective's one value, as its axis would print it."""
    if not math.isfinite(value):
        return "no value"
    if objective.unit == "%":
        return _pct_text(value)
    return f"{value:.3g} {objective.unit}".strip()


def _pair_objectives(
    objectives: Sequence[ParetoObjective],
    steady: Mapping[str, float | None],
    *,
    with_baseline: bool,
) -> tuple[list[tuple[ParetoObjective, ParetoObjective]], list[str]]:
    """Which objectives a Pareto figure pairs, a panel a pair, and the notes on the others.

    Only objectives that vary are drawn (``steady``: an objective's one value, or None when it
    varies): the first two in one panel, three in one panel per pair; further ones are named
    as not drawn. Fewer than two vary: the first two objectives, those that vary first. A drop-
    off rate of 0 in every trial drew each trial on one line and left the cost, the only
    trade-off, out."""
    vary = [o for o in objectives if steady[o.kpi] is None]
    if len(vary) >= 2:
        drawn = vary[:PARETO_PANELS_MAX]
        pairs = list(itertools.combinations(drawn, 2))
    else:
        drawn = (vary + [o for o in objectives if o not in vary])[:2]
        pairs = [(drawn[0], drawn[1])]
    where = "in every trial and the baseline" if with_baseline else "in every trial"
    notes = []
    for o in objectives:
        name = o.label or o.kpi
        value = steady[o.kpi]
        if value is not None:
            tail = "no trade-off on it" if o in drawn else "not drawn"
            notes.append(f"{name}: {_steady_text(o, value)} {where}, {tail}.")
        elif o not in drawn:
            notes.append(
                f"{name}: varies too, not drawn (the panels pair the first {PARETO_PANELS_MAX} "
                "objectives that vary)."
            )
    return pairs, notes


def _baseline_state(
    baseline: Any,
    values: Mapping[str, float],
    data: pd.DataFrame,
    bad: pd.DataFrame,
    infeasible: bool,
) -> str:
    """Whether today's process meets the constraints, as the star says it (a key of
    ``BASELINE_LEGEND``): ``infeasible`` is the caller's verdict (the report's: on the
    confirmation's replications). A trial of the search with the baseline's very values (the
    search tried today's process: same replications, same numbers) may say otherwise; then
    it is borderline, ``search`` (broken in the search's replications only) or
    ``confirmation`` (in the confirmation's only). A baseline that is itself a trial (an index
    label) has no second verdict."""
    verdict = "infeasible" if infeasible else ""
    if not isinstance(baseline, Mapping) or not values:
        return verdict
    kpis, point = list(values), np.array(list(values.values()), dtype=float)

    def tried(frame: pd.DataFrame) -> bool:
        if frame.empty:
            return False
        same = np.isclose(frame[kpis].to_numpy(dtype=float), point, rtol=1e-9, atol=0.0)
        return bool(same.all(axis=1).any())

    if infeasible and tried(data):
        return "confirmation"
    if not infeasible and tried(bad):
        return "search"
    return verdict


def _objective_frames(
    trials: pd.DataFrame, infeasible: pd.DataFrame | None, kpis: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The objective columns ``kpis`` of the feasible ``trials`` and of the ``infeasible`` ones
    (empty without), as floats."""
    data = trials[list(kpis)].astype(float)
    if infeasible is None:
        return data, pd.DataFrame({k: [] for k in kpis}, dtype=float)
    return data, infeasible[list(kpis)].astype(float)


def pareto_axes(
    trials: pd.DataFrame,
    objectives: Sequence[ParetoObjective],
    *,
    baseline: Any = None,
    recommended: Any = None,
    infeasible: pd.DataFrame | None = None,
) -> tuple[list[tuple[ParetoObjective, ParetoObjective]], list[str]]:
    """The pairs of objectives ``plot_pareto`` draws, a panel a pair (``fig.axes[i]`` is
    pair ``i``), and its notes on the objectives it does not draw, for the same arguments.

    An objective with one value in every trial (feasible or not), the baseline and the
    recommended points is not an axis; see ``_pair_objectives``."""
    kpis = [o.kpi for o in objectives]
    data, bad = _objective_frames(trials, infeasible, kpis)
    base = _values_of(trials, baseline, kpis)
    points = [_values_of(trials, rec.point, kpis) for rec in _as_recommended(recommended)]
    steady = {
        k: _steady_value(
            np.r_[data[k], bad[k], base.get(k, math.nan), [v.get(k, math.nan) for v in points]]
        )
        for k in kpis
    }
    return _pair_objectives(objectives, steady, with_baseline=bool(base))


@with_fallback_fonts
def plot_pareto(
    trials: pd.DataFrame,
    *,
    x: str | None = None,
    y: str | None = None,
    minimize: tuple[bool, bool] = (True, True),
    baseline: Any = None,
    recommended: Any = None,
    infeasible: pd.DataFrame | None = None,
    baseline_infeasible: bool = False,
    x_label: str | None = None,
    y_label: str | None = None,
    x_unit: str = "",
    y_unit: str = "",
    objectives: Sequence[ParetoObjective] | None = None,
    title: str = "Trade-off between the objectives (Pareto front)",
    path: str | Path | None = None,
) -> Figure:
    """Every trial as a point, the Pareto front as a line, baseline and recommended marked.

    The objectives are ``x`` and ``y`` (with ``minimize``, ``x_label``/``y_label`` and
    ``x_unit``/``y_unit``) or ``objectives``, every objective of the search: then only those
    that vary across the trials, the baseline and the recommended points are drawn, the first
    two in one panel, three in one panel per pair (see ``pareto_axes``), and a note under the
    figure names the others ("Drop-off rate: 0 % in every trial and the baseline, not drawn").

    Axis titles carry their unit (e.g. ``h``; ``%`` objectives are fractions shown as
    percentages, their axis within 0 to 100 %). An axis that spans under 5 % of the baseline's
    value says so under its title, so that noise-sized differences do not read as large ones.

    ``baseline`` / ``recommended`` are either an index label of ``trials`` or a mapping with
    the objective values; ``recommended`` may also be a sequence of ``Recommended``, every
    recommended redesign, each a diamond labelled with its rank (hollow, and said so in the
    legend, for one that is not itself a trial). ``minimize`` says, per objective, whether
    less is better.
    ``infeasible`` holds trials that broke a constraint: crosses, never part of the front.
    ``baseline_infeasible``: today's process breaks a constraint itself (the report judges it
    on the confirmation's replications); its star is crossed out like them and labelled so.
    When a trial has the baseline's very values (the search tried today's process) and its
    verdict differs, the star is crossed out and labelled borderline, the legend saying in
    whose replications it breaks the constraint (``_baseline_state``).

    The axes show ``trials``, the baseline and the recommended point (see ``pareto_range``);
    an infeasible trial far beyond them is drawn as a triangle on the border, pointing its way,
    and the legend counts them ("infeasible, beyond the axis: 2"; with several panels, each
    panel's count is over it). Without feasible trials the axes take in every infeasible one.
    """
    if objectives is None:
        if x is None or y is None:
            raise ValueError("plot_pareto: give x and y, or objectives")
        objectives = (
            ParetoObjective(x, minimize[0], x_label, x_unit),
            ParetoObjective(y, minimize[1], y_label, y_unit),
        )
    kpis = [o.kpi for o in objectives]
    data, bad = _objective_frames(trials, infeasible, kpis)
    base = _values_of(trials, baseline, kpis)
    recs = _as_recommended(recommended)
    pairs, notes = pareto_axes(
        trials, objectives, baseline=baseline, recommended=recs, infeasible=infeasible
    )
    state = _baseline_state(baseline, base, data, bad, baseline_infeasible)
    if len(pairs) == 1:
        fig = _pareto_single(trials, data, bad, pairs[0], baseline, recs, state, title, notes)
    else:
        fig = _pareto_panels(trials, data, bad, pairs, baseline, recs, state, title, notes)
    return _finish(fig, path)


PARETO_NOTE_IN = 0.2  # inches a line of the note under a one-panel Pareto figure takes


def _pareto_single(
    trials: pd.DataFrame,
    data: pd.DataFrame,
    bad: pd.DataFrame,
    pair: tuple[ParetoObjective, ParetoObjective],
    baseline: Any,
    recs: Sequence[Recommended],
    state: str,
    title: str,
    notes: Sequence[str],
) -> Figure:
    """The one-panel Pareto figure, its legend inside the axes, ``notes`` under them."""
    extra = PARETO_NOTE_IN * len(notes) + (0.1 if notes else 0.0)
    fig = new_figure(7.5, 5.2 + extra)
    height = fig.get_figheight()
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(
        left=0.13, right=0.97, bottom=(0.572 + extra) / height, top=1 - 0.468 / height
    )
    marks = _pareto_panel(ax, trials, data, bad, pair, baseline, recs, state)
    ax.set_title(title, fontsize=11, fontweight="bold", color=INK, loc="left")
    # the final layout first: the labels are placed apart in points on it
    _pareto_fit(fig, [ax])
    ranks_only = _pareto_labels(ax, marks)
    shown = _recommended_legend(_legend_entries([ax]), recs, ranks_only=ranks_only)
    if shown:
        ax.legend(*zip(*shown, strict=True), fontsize=8, frameon=False)
    for i, note in enumerate(reversed(notes)):
        fig.text(
            0.02,
            (0.08 + PARETO_NOTE_IN * i) / height,
            note,
            fontsize=8,
            color=INK,
            ha="left",
            va="bottom",
            gid=PARETO_NOTE_GID,
        )
    return fig


def _pareto_panels(
    trials: pd.DataFrame,
    data: pd.DataFrame,
    bad: pd.DataFrame,
    pairs: Sequence[tuple[ParetoObjective, ParetoObjective]],
    baseline: Any,
    recs: Sequence[Recommended],
    state: str,
    title: str,
    notes: Sequence[str],
) -> Figure:
    """The Pareto figure of three objectives that vary: a panel a pair in a 2 x 2 grid, the
    fourth cell holding the legend and ``notes``."""
    fig = new_figure(11.0, 9.0)
    grid = fig.add_gridspec(2, 2)  # laid out by the figure's margins (``_pareto_fit``)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.07, top=0.93, wspace=0.25, hspace=0.32)
    axes = [fig.add_subplot(grid[i // 2, i % 2]) for i in range(len(pairs))]
    marks = [
        _pareto_panel(ax, trials, data, bad, pair, baseline, recs, state)
        for ax, pair in zip(axes, pairs, strict=True)
    ]
    for ax in axes:
        if n := beyond_count(ax):
            text = BEYOND_PANEL_TITLE.format(n=n, s="s" if n > 1 else "")
            ax.set_title(text, fontsize=8, color=MUTED, loc="right")
    _title(fig, title)
    # the final layout first: the labels are placed apart in points on it
    _pareto_fit(fig, axes)
    ranks_only = False
    for ax, m in zip(axes, marks, strict=True):
        ranks_only |= _pareto_labels(ax, m)
    side = fig.add_subplot(grid[1, 1])
    side.axis("off")
    entries = _legend_entries(axes, beyond=BEYOND_PANELS_LABEL)
    shown = _recommended_legend(entries, recs, ranks_only=ranks_only)
    if shown:
        side.legend(*zip(*shown, strict=True), fontsize=8, frameon=False, loc="upper left")
    if notes:
        side.text(
            0.0,
            0.0,
            "\n".join(textwrap.fill(n, 60) for n in notes),
            fontsize=8,
            color=INK,
            ha="left",
            va="bottom",
            transform=side.transAxes,
            gid=PARETO_NOTE_GID,
        )
    return fig


def _pareto_fit(fig: Figure, axes: Sequence[Axes], pad: float = 0.1) -> None:
    """Widen the figure's margins and the space between the panels ``axes`` until each one's
    tick labels and titles lie ``pad`` inches inside the figure and clear of its neighbours'
    (a two-line y-axis title was cut off at the figure's left edge)."""
    renderer = fig.canvas.get_renderer()
    room = pad * fig.dpi
    width, height = fig.bbox.width, fig.bbox.height
    for _ in range(6):
        sp = fig.subplotpars
        inner = {ax: ax.get_window_extent(renderer) for ax in axes}
        # the axes' own titles and tick labels: the labels inside are placed after
        outer = {ax: ax.get_tightbbox(renderer, bbox_extra_artists=[]) for ax in axes}
        change: dict[str, float] = {}
        if (short := room - min(b.x0 for b in outer.values())) > 0:
            change["left"] = sp.left + short / width
        if (short := max(b.x1 for b in outer.values()) - (width - room)) > 0:
            change["right"] = sp.right - short / width
        if (short := room - min(b.y0 for b in outer.values())) > 0:
            change["bottom"] = sp.bottom + short / height
        if (short := max(b.y1 for b in outer.values()) - (height - room)) > 0:
            change["top"] = sp.top - short / height
        for a, b in itertools.permutations(axes, 2):
            sa, sb = a.get_subplotspec(), b.get_subplotspec()
            if sa.rowspan == sb.rowspan and sb.colspan.start == sa.colspan.stop:  # b right of a
                if (short := room - (outer[b].x0 - outer[a].x1)) > 0:
                    wspace = sp.wspace + 1.2 * short / inner[a].width
                    change["wspace"] = max(change.get("wspace", 0.0), wspace)
            if sa.colspan == sb.colspan and sb.rowspan.start == sa.rowspan.stop:  # b under a
                if (short := room - (outer[a].y0 - outer[b].y1)) > 0:
                    hspace = sp.hspace + 1.2 * short / inner[a].height
                    change["hspace"] = max(change.get("hspace", 0.0), hspace)
        if not change:
            return
        fig.subplots_adjust(**change)


def beyond_count(ax: Axes) -> int:
    """How many infeasible trials ``ax`` draws as triangles on its border (beyond its axes)."""
    return sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() == BEYOND_GID)


def _legend_entries(axes: Sequence[Axes], *, beyond: str | None = None) -> list[tuple[Any, str]]:
    """The legend entries of ``axes``, each label once, without entries that drew nothing
    (e.g. "trial" when the only feasible trial is the front). ``beyond``: the one label of
    the triangles beyond the axes of every panel (each panel's own counts its triangles)."""
    out: dict[str, Any] = {}
    for ax in axes:
        for h, lb in zip(*ax.get_legend_handles_labels(), strict=True):
            if beyond is not None and getattr(h, "get_gid", lambda: None)() == BEYOND_GID:
                lb = beyond
            if lb not in out and (not hasattr(h, "get_offsets") or len(h.get_offsets())):
                out[lb] = h
    if any(t.get_gid() == ARROW_GID for ax in axes for t in ax.texts):
        out[ARROW_LEGEND] = _arrow_handle()
    return [(h, lb) for lb, h in out.items()]


def _arrow_handle() -> Any:
    """A legend handle for the arrow from the baseline to recommended #1 (a legend takes no
    annotation): a dashed line like it, drawn in no axes (``ax.lines`` holds the front only)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color=ARROW_STYLE["color"], lw=ARROW_STYLE["lw"], ls="--")


@dataclass(frozen=True)
class _PanelMarks:
    """What ``_pareto_labels`` labels in a panel once the figure is laid out: the recommended
    redesigns with their points (best rank first), the baseline's point and its label."""

    points: list[tuple[Recommended, tuple[float, float]]]
    baseline: tuple[float, float] | None
    baseline_label: Any


def _pareto_panel(
    ax: Axes,
    trials: pd.DataFrame,
    data: pd.DataFrame,
    bad: pd.DataFrame,
    pair: tuple[ParetoObjective, ParetoObjective],
    baseline: Any,
    recs: Sequence[Recommended],
    state: str,
) -> _PanelMarks:
    """One pair of objectives: the trials, their front, the infeasible ones, the baseline and
    the recommended redesigns, with axis titles (no legend, no title). The recommended
    diamonds' labels are left to ``_pareto_labels``, once the figure is laid out."""
    xo, yo = pair
    x, y = xo.kpi, yo.kpi
    mask = pareto_mask(data[[x, y]].to_numpy(), (xo.minimize, yo.minimize))
    b = _point(trials, baseline, x, y)
    points = _recommended_points(trials, list(recs), x, y)
    marked = [p for p in (b, *(p for _, p in points)) if p is not None]
    xb = SHARE_BOUNDS if xo.unit == "%" else None
    yb = SHARE_BOUNDS if yo.unit == "%" else None
    if data.empty:  # no trial met the constraints: the axes show where the search went
        xlim = pareto_range(np.r_[bad[x], [p[0] for p in marked]], np.array([]), bounds=xb)
        ylim = pareto_range(np.r_[bad[y], [p[1] for p in marked]], np.array([]), bounds=yb)
    else:
        xlim = pareto_range(np.r_[data[x], [p[0] for p in marked]], bad[x].to_numpy(), bounds=xb)
        ylim = pareto_range(np.r_[data[y], [p[1] for p in marked]], bad[y].to_numpy(), bounds=yb)
    # clip_on=False: a point on a share's axis at 0 % sits on the border, not half cut off
    ax.scatter(
        data[x][~mask],
        data[y][~mask],
        s=14,
        color="#b0bec5",
        label="trial",
        zorder=2,
        clip_on=False,
    )
    front = data[mask].sort_values(x)
    ax.scatter(
        front[x], front[y], s=26, color=SCENARIO, label="Pareto front", zorder=3, clip_on=False
    )
    if len(front) > 1:
        ax.step(
            front[x],
            front[y],
            where="post" if yo.minimize == xo.minimize else "pre",
            color=SCENARIO,
            lw=1.2,
            zorder=2,
        )
    if xlim is not None and ylim is not None:
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        _draw_infeasible(ax, bad[x].to_numpy(), bad[y].to_numpy(), xlim, ylim)
    base_label = _draw_baseline(ax, b, state) if b is not None else None
    for rec, r in points:
        _draw_recommended(ax, rec, r, b)
    for axis, o, k in ((ax.xaxis, xo, 0), (ax.yaxis, yo, 1)):
        text = axis_title(
            o.label or o.kpi, o.unit, note=f"{'lower' if o.minimize else 'higher'} is better"
        )
        lo, hi = ax.get_xlim() if k == 0 else ax.get_ylim()
        if b is not None and b[k] and (span := (hi - lo) / abs(b[k])) < 0.05:
            text += f"\naxis spans {_pct_text(span)} of the baseline's value"
        axis.set_label_text(text, fontsize=9)
        if o.unit == "%":
            from matplotlib.ticker import PercentFormatter

            axis.set_major_formatter(PercentFormatter(1.0, decimals=None, symbol=" %"))
    _style(ax)
    return _PanelMarks(points, b, base_label)


def _draw_baseline(ax: Axes, b: tuple[float, float], state: str) -> Any:
    """Today's process: a star, crossed out when it breaks a constraint (or is borderline,
    ``state``), and its label (returned; placed by ``_place_labels``)."""
    ax.scatter(
        [b[0]],
        [b[1]],
        marker="*",
        s=STAR_SIZE,
        color=BASELINE,
        edgecolor="white",
        zorder=5,
        label=BASELINE_LEGEND[state],
        clip_on=False,
    )
    if state:
        ax.scatter([b[0]], [b[1]], marker="x", s=50, linewidths=1.6, color=DROP, zorder=6)
    return ax.annotate(
        BASELINE_TEXT[state],
        b,
        xytext=(0, 0),
        textcoords="offset points",
        fontsize=8,
        color=BASELINE,
    )


def _recommended_points(
    trials: pd.DataFrame, recommended: Any, x: str, y: str
) -> list[tuple[Recommended, tuple[float, float]]]:
    """``plot_pareto``'s ``recommended`` (one point or a sequence of ``Recommended``) as
    ``(Recommended, (x, y))`` pairs, best rank first."""
    return [
        (rec, p)
        for rec in _as_recommended(recommended)
        if (p := _point(trials, rec.point, x, y)) is not None
    ]


def _as_recommended(recommended: Any) -> list[Recommended]:
    """``plot_pareto``'s ``recommended`` (None, one point or a sequence of ``Recommended``) as
    a list of ``Recommended``, best rank first."""
    if recommended is None:
        return []
    if isinstance(recommended, Sequence) and not isinstance(recommended, str):
        return sorted(recommended, key=lambda rec: rec.rank)
    return [Recommended(recommended)]


def _recommended_label(rec: Recommended) -> str:
    """The label of a recommended diamond's points: ``recommended`` for rank 1 (as before
    there were several), ``recommended #2`` for the others."""
    return "recommended" if rec.rank == 1 else f"recommended #{rec.rank}"


COINCIDE_PT = 6.0  # recommended diamonds closer than this hide each other
DIAMOND_SIZE = 90.0  # a recommended diamond's marker size (points squared)
STAR_SIZE = 220.0  # the baseline star's


def _recommended_texts(
    ax: Axes, recs: Sequence[tuple[Recommended, tuple[float, float]]]
) -> list[str | None]:
    """The label of each recommended diamond (``recs`` best rank first): ``recommended #1``,
    ``recommended #2`` (alone too: the legend's ``ARROW_LEGEND`` names #1, QA rt_optim F3); a
    diamond on the spot of a better-ranked one (within ``COINCIDE_PT``) is named in that one's
    label (``recommended #1, #2``) and gets none."""
    if len(recs) < 2:
        return [f"recommended #{rec.rank}" for rec, _ in recs]
    owner = _owners(ax, [r for _, r in recs])
    texts: list[str | None] = []
    for i in range(len(recs)):
        ranks = ", ".join(f"#{rec.rank}" for (rec, _), o in zip(recs, owner, strict=True) if o == i)
        texts.append(f"recommended {ranks}" if owner[i] == i else None)
    return texts


def _owners(ax: Axes, points: Sequence[tuple[float, float]]) -> list[int]:
    """For each of ``points`` (data coordinates, best rank first) the index of the one whose
    label names it: its own, or the first better-ranked one within ``COINCIDE_PT``."""
    where = ax.transData.transform(points) * 72 / ax.figure.dpi
    owner = list(range(len(points)))
    for i in range(len(points)):
        for j in range(i):
            if owner[j] == j and np.hypot(*(where[i] - where[j])) < COINCIDE_PT:
                owner[i] = j
                break
    return owner


#: the dashed arrow from the baseline to recommended #1: its look, its gid, its legend entry
ARROW_STYLE = {"arrowstyle": "->", "color": ACCENT, "lw": 1.2, "ls": "--"}
ARROW_GID = "pareto-arrow"
ARROW_LEGEND = "from the baseline to recommended #1"
#: points of the arrow that must show outside the star and the diamond (a dash and its head)
#: for it to be drawn and explained in the legend; a shorter one is hidden under them
ARROW_SEEN_PT = 10.0


def _draw_recommended(
    ax: Axes, rec: Recommended, r: tuple[float, float], b: tuple[float, float] | None
) -> None:
    """One recommended redesign: a diamond (hollow when it is not a trial; a better rank drawn
    over a worse one) and from the baseline an arrow to the first (labelled by
    ``_pareto_labels``; in the legend ``ARROW_LEGEND``)."""
    ax.scatter(
        [r[0]],
        [r[1]],
        marker="D",
        s=DIAMOND_SIZE,
        color=ACCENT if rec.trial else "white",
        edgecolor="white" if rec.trial else ACCENT,
        linewidths=0.8 if rec.trial else 1.8,
        zorder=6 + 1 / (1 + rec.rank),
        label=_recommended_label(rec),
    )
    if b is not None and rec.rank == 1:
        ax.annotate(
            "",
            r,
            xytext=b,
            arrowprops=dict(ARROW_STYLE),
            gid=ARROW_GID,  # left out once laid out when too short to see (``_pareto_labels``)
        )


def _pareto_labels(ax: Axes, marks: _PanelMarks) -> bool:
    """Label a laid-out panel's recommended diamonds (``_recommended_texts``) and place them
    and the baseline's label (``_place_labels``). The arrow to #1 is left out where too little
    of it would show (``_arrow_seen``), so that the legend does not explain it (QA rt_optim F3:
    the star and the diamond 10 px apart, the legend named an arrow no one could see). Returns
    whether the labels are ranks only."""
    points = [r for _, r in marks.points]
    labels = [
        ax.annotate(
            t,
            r,
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=8,
            color=ACCENT,
            fontweight="bold",
        )
        for r, t in zip(points, _recommended_texts(ax, marks.points), strict=True)
        if t is not None
    ]
    arrow = None
    if marks.baseline is not None and marks.points and marks.points[0][0].rank == 1:
        arrow = (marks.baseline, points[0])
        if not _arrow_seen(ax, *arrow):
            for t in [t for t in ax.texts if t.get_gid() == ARROW_GID]:
                t.remove()
            arrow = None
    return _place_labels(ax, labels, points, marks.baseline, marks.baseline_label, arrow=arrow)


def _arrow_seen(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> bool:
    """Whether the arrow from the star at ``start`` to the diamond at ``end`` (data
    coordinates, on ``ax`` laid out) shows ``ARROW_SEEN_PT`` points at least beyond the two
    markers, which are drawn over it."""
    ends = ax.transData.transform([start, end]) * 72 / ax.figure.dpi
    length = float(np.hypot(*(ends[1] - ends[0])))
    return length - STAR_HALF - DIAMOND_HALF >= ARROW_SEEN_PT


#: where a label may sit, best first: its offset from its point (points), ha, va; written for
#: the right of the point, mirrored by ``_spots`` (a diamond is 6.7 points from centre to tip)
_BESIDE = ((8, 0, "left", "center"), (5, 5, "left", "bottom"), (5, -5, "left", "top"))
_ABOVE_BELOW = ((0, 8, "center", "bottom"), (0, -8, "center", "top"))
#: a full label may also hang above or below its diamond from just left of it (near a border)
_FULL_SPOTS = (*_BESIDE, (-3, 8, "left", "bottom"), (-3, -8, "left", "top"), *_ABOVE_BELOW)
_BASELINE_SPOTS = (
    (8, 5, "left", "bottom"),
    (8, -5, "left", "top"),
    (10, 0, "left", "center"),
    (0, 9, "center", "bottom"),
    (0, -9, "center", "top"),
)


def _spots(
    table: Sequence[tuple[float, float, str, str]], right: bool
) -> list[tuple[float, float, str, str]]:
    """``table``'s spots on the side with room first (``right``: the point is in the right
    half of the axes, its label goes left), then mirrored, then the centred ones."""
    flip = {"left": "right", "right": "left", "center": "center"}
    side = [s for s in table if s[0]]
    near = [(-dx, dy, flip[ha], va) for dx, dy, ha, va in side] if right else list(side)
    far = list(side) if right else [(-dx, dy, flip[ha], va) for dx, dy, ha, va in side]
    return near + far + [s for s in table if not s[0]]


def _rank_spots(n: int) -> list[tuple[float, float, str, str]]:
    """Where a rank-only label (``#3``) may sit: just above or below its diamond, beside it,
    then farther above or below (a cluster of ``n`` diamonds)."""
    stacked = [
        s
        for k in range(1, n + 1)
        for s in ((0, 8 + 10 * k, "center", "bottom"), (0, -8 - 10 * k, "center", "top"))
    ]
    return [*_ABOVE_BELOW, *_spots(_BESIDE[:1], False), *stacked]


class _Scene:
    """What a panel's labels must keep clear of, in pixels: the markers (diamonds and the star,
    each ``(centre, half width)``), the labels placed so far and the axes' frame; and what they
    had better not cover: the dots and lines."""

    def __init__(
        self,
        ax: Axes,
        markers: list[tuple[np.ndarray, float]],
        arrow: tuple[tuple[float, float], tuple[float, float]] | None,
    ) -> None:
        self.renderer = ax.figure.canvas.get_renderer()
        self.frame = ax.get_window_extent(self.renderer)
        self.markers = markers
        self.placed: list[Any] = []
        dots = [
            c.get_offset_transform().transform(np.asarray(c.get_offsets(), dtype=float))
            for c in ax.collections
            if len(c.get_offsets())
        ]
        self.dots = np.concatenate(dots) if dots else np.empty((0, 2))
        self.lines = [_line_pixels(ax, line) for line in ax.lines]
        if arrow is not None:
            self.lines.append(_segment_pixels(ax.transData.transform(arrow)))

    def cost(self, box: Any, own: np.ndarray, kin: Sequence[np.ndarray]) -> tuple[int, int]:
        """(rules broken, dots and lines covered) by a label's ``box`` beside the marker at
        ``own`` (``kin``: the markers its label names, its own included). It must overlap no
        other marker and no label placed, lie within the axes and be nearer ``own`` than any
        other marker (a label moved down onto the next diamond read as that one's); one as
        near, from the label's point nearest ``own``."""
        padded = box.padded(1.0)
        broken = sum(padded.overlaps(p) for p in self.placed)
        broken += not (
            self.frame.x0 <= box.x0 <= box.x1 <= self.frame.x1
            and self.frame.y0 <= box.y0 <= box.y1 <= self.frame.y1
        )
        gap = _box_gap(box, own)
        foot = np.clip(own, (box.x0, box.y0), (box.x1, box.y1))  # its point nearest ``own``
        for centre, half in self.markers:
            if any(np.allclose(centre, k) for k in kin):
                continue
            other = _box_gap(box, centre)
            # as near as ``own`` (a label stacked above a row of diamonds): judged from its foot
            tie = other <= gap + 0.5 and np.hypot(*(foot - centre)) <= np.hypot(*(foot - own))
            broken += _covers(box, centre, half) + (other < gap - 0.5 or tie)
        covered = int(_inside(box.padded(DOT_PAD), self.dots).sum())
        covered += sum(bool(_inside(padded, pts).any()) for pts in self.lines)
        return broken, covered


def _box_gap(box: Any, p: np.ndarray) -> float:
    """Distance in pixels from a bounding box to a point (0 within it)."""
    dx = max(box.x0 - p[0], 0.0, p[0] - box.x1)
    dy = max(box.y0 - p[1], 0.0, p[1] - box.y1)
    return float(np.hypot(dx, dy))


def _covers(box: Any, centre: np.ndarray, half: float) -> bool:
    """Whether a bounding box overlaps the square of ``half`` pixels about ``centre``."""
    return bool(
        box.x0 < centre[0] + half
        and centre[0] - half < box.x1
        and box.y0 < centre[1] + half
        and centre[1] - half < box.y1
    )


def _inside(box: Any, pts: np.ndarray) -> np.ndarray:
    """Which of the pixel points ``pts`` (n x 2) lie within a bounding box."""
    return (
        (pts[:, 0] >= box.x0)
        & (pts[:, 0] <= box.x1)
        & (pts[:, 1] >= box.y0)
        & (pts[:, 1] <= box.y1)
    )


def _segment_pixels(ends: np.ndarray, step: float = 2.0) -> np.ndarray:
    """Points every ``step`` pixels along the segment between the two pixel points ``ends``."""
    n = max(2, int(np.hypot(*(ends[1] - ends[0])) / step) + 1)
    return ends[0] + np.linspace(0.0, 1.0, n)[:, None] * (ends[1] - ends[0])


def _line_pixels(ax: Axes, line: Any) -> np.ndarray:
    """Points every 2 pixels along a line of ``ax`` as drawn (a step line's steps too)."""
    from matplotlib.cbook import STEP_LOOKUP_MAP

    xs, ys = STEP_LOOKUP_MAP[line.get_drawstyle()](line.get_xdata(), line.get_ydata())
    pts = ax.transData.transform(np.column_stack([xs, ys]).astype(float))
    pieces = [_segment_pixels(pts[i : i + 2]) for i in range(len(pts) - 1)]
    return np.concatenate(pieces) if pieces else pts


DOT_PAD = 3.0  # pixels: a dot whose centre is this near a label is under it
RANK_LEGEND = "recommended (#: its rank)"  # the legend's entry when the labels are ranks only
DIAMOND_HALF = 0.71 * math.sqrt(DIAMOND_SIZE)  # points from a diamond's centre to its tips
STAR_HALF = 0.5 * math.sqrt(STAR_SIZE)  # to the star's


def _place_labels(
    ax: Axes,
    labels: Sequence[Any],
    points: Sequence[tuple[float, float]],
    baseline: tuple[float, float] | None,
    baseline_label: Any,
    *,
    arrow: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> bool:
    """Place the recommended diamonds' ``labels`` (one for each of ``points``, best rank
    first, but those on a better one's spot: ``_owners``), then the baseline's label, each at
    the first spot around its own marker (``_spots``) that breaks no rule of ``_Scene.cost``,
    covering as few dots and lines (the front, the ``arrow`` from the baseline) as can be.
    Where a full label has no such spot (a cluster of diamonds) every label is cut to its
    ranks (``#3``, coinciding ones joined: ``#4, #5``) and set above, below or beside its
    diamond (``_rank_spots``). Returns whether the labels were cut to ranks."""
    scale = ax.figure.dpi / 72
    where = [ax.transData.transform(p) for p in points]
    star = ax.transData.transform(baseline) if baseline is not None else None
    markers = [(p, DIAMOND_HALF * scale) for p in where]
    if star is not None:
        markers.append((star, STAR_HALF * scale))
    scene = _Scene(ax, markers, arrow)
    middle = (scene.frame.x0 + scene.frame.x1) / 2
    owner = _owners(ax, points) if points else []
    named = [i for i, o in enumerate(owner) if o == i]  # the diamonds ``labels`` are for
    kin = {i: [where[j] for j, o in enumerate(owner) if o == i] for i in named}
    fits = [
        _best_spot(scene, label, _spots(_FULL_SPOTS, where[i][0] > middle), where[i], kin[i])
        for label, i in zip(labels, named, strict=True)
    ]
    if not all(fits):
        scene.placed = []
        for label, i in zip(labels, named, strict=True):
            label.set_text(label.get_text().removeprefix("recommended "))
            _best_spot(scene, label, _rank_spots(len(labels)), where[i], kin[i])
    # last: the star has room around it more often than a diamond among others
    if baseline_label is not None and star is not None:
        _best_spot(scene, baseline_label, _spots(_BASELINE_SPOTS, star[0] > middle), star, [star])
    return not all(fits)


def _best_spot(
    scene: _Scene,
    label: Any,
    spots: Sequence[tuple[float, float, str, str]],
    own: np.ndarray,
    kin: Sequence[np.ndarray],
) -> bool:
    """Set ``label`` at the best of ``spots`` (fewest rules broken, then fewest dots and
    lines covered, then first) and add it to ``scene``. Returns whether it breaks no rule."""
    best: tuple[tuple[int, int, int], tuple[float, float, str, str]] | None = None
    for k, spot in enumerate(spots):
        _set_spot(label, spot)
        broken, covered = scene.cost(label.get_window_extent(scene.renderer), own, kin)
        if best is None or (broken, covered, k) < best[0]:
            best = ((broken, covered, k), spot)
        if not broken and not covered:
            break
    if best is None:
        return True
    _set_spot(label, best[1])
    scene.placed.append(label.get_window_extent(scene.renderer))
    return best[0][0] == 0


def _set_spot(label: Any, spot: tuple[float, float, str, str]) -> None:
    """Move an annotation to ``spot``: its offset (points) from its point, ha and va."""
    dx, dy, ha, va = spot
    label.xyann = (dx, dy)
    label.set_horizontalalignment(ha)
    label.set_verticalalignment(va)


def _recommended_legend(
    shown: list[tuple[Any, str]], recs: Sequence[Recommended], *, ranks_only: bool = False
) -> list:
    """The legend's entries with the recommended diamonds as one entry per kind: a trial of
    the search, or not itself a trial (its status in the figure, not only in the caption).
    ``ranks_only``: the diamonds are labelled ``#2`` (``_place_labels``), the entry says so."""
    kinds = {_recommended_label(rec): rec.trial for rec in recs}
    pruned = not all(kinds.values())
    out, said = [], set()
    for handle, label in shown:
        if label == "Pareto front" and pruned:
            out.append((handle, "Pareto front (of the trials)"))
        elif label not in kinds:
            out.append((handle, label))
        elif kinds[label] not in said:
            said.add(kinds[label])
            trial = RANK_LEGEND if ranks_only else RECOMMENDED_LEGEND
            out.append((handle, trial if kinds[label] else NOT_A_TRIAL_LEGEND))
    return out


def _draw_infeasible(
    ax: Axes,
    xs: np.ndarray,
    ys: np.ndarray,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
) -> None:
    """Infeasible trials: crosses within the axes; beyond them, triangles on the border
    pointing the way they lie (one legend entry with their count)."""
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    out_x, out_y = _outside(xs, xlim), _outside(ys, ylim)
    inside = ~(out_x | out_y)
    if inside.any():
        ax.scatter(
            xs[inside],
            ys[inside],
            marker="x",
            s=24,
            linewidths=1.1,
            color=MUTED,
            label=INFEASIBLE_LABEL,
            zorder=2,
        )
    beyond = ~inside
    if not beyond.any():
        return
    cx, cy = np.clip(xs, *xlim), np.clip(ys, *ylim)
    # the way it lies: beyond x first (the axis of the extreme ones), else beyond y
    way = np.where(out_x, np.where(xs > xlim[1], ">", "<"), np.where(ys > ylim[1], "^", "v"))
    label = BEYOND_LABEL.format(n=int(beyond.sum()))
    for marker in (">", "<", "^", "v"):
        pick = beyond & (way == marker)
        if not pick.any():
            continue
        ax.scatter(
            cx[pick],
            cy[pick],
            marker=marker,
            s=42,
            color=MUTED,
            edgecolor="white",
            linewidths=0.6,
            clip_on=False,
            zorder=4,
            label=label,
            gid=BEYOND_GID,
        )
        label = "_" + label  # one legend entry for all of them


# -------------------------------------------------------------------------- arrivals
def arrival_matrix(times: Sequence[Any] | pd.Series) -> tuple[np.ndarray, float]:
    """Mean arrivals per hour of the week: a 7 x 24 matrix (Monday first) of arrivals in each
    hour-slot divided by how long that slot was observed (``sim.model.calendar.slot_exposure``
    over ``observed_span``: the calibration's rule, so a weekday seen twice in a 1.6-week log
    does not look busier than one seen once), NaN for slots observed less than half an hour;
    and the weeks observed."""
    t = pd.to_datetime(pd.Series(times)).dropna()
    mat = np.full((7, 24), np.nan)
    if t.empty:
        return mat, 0.0
    monday = (t.min().normalize() - pd.Timedelta(days=int(t.min().day_of_week))).tz_localize(None)
    hours = ((t.dt.tz_localize(None) - monday) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
    counts = np.bincount(np.floor(hours).astype(np.int64) % 168, minlength=168).astype(float)
    lo, hi = observed_span(hours)
    expo = slot_exposure(lo, hi, 168)
    seen = expo >= 0.5
    rate = np.where(seen, counts / np.where(seen, expo, 1.0), np.nan)
    if counts[~seen].sum() > 0:  # arrivals in a barely observed slot: shown, not lost
        rate[~seen & (counts > 0)] = counts[~seen & (counts > 0)]
    return rate.reshape(7, 24), (hi - lo) / HOURS_PER_WEEK


def _span_text(weeks: float) -> str:
    """An observed span in the unit that reads best: hours, days or weeks."""
    hours = weeks * HOURS_PER_WEEK
    if hours < 48:
        return f"{hours:.1f} hours"
    if weeks < 2:
        return f"{hours / 24:.1f} days"
    return f"{weeks:.1f} weeks"


@with_fallback_fonts
def plot_arrivals(
    times: Sequence[Any] | pd.Series,
    *,
    replications: int = 1,
    title: str = "Arrivals by hour and weekday",
    path: str | Path | None = None,
) -> Figure:
    """A heatmap of mean arrivals per hour of each weekday, with the hourly and daily totals.

    ``replications``: the number of simulated replications pooled in ``times`` (the counts are
    divided by it, so the picture shows one week of one replication).
    """
    mat, weeks = arrival_matrix(times)
    mat = mat / max(int(replications), 1)
    unseen = bool(np.isnan(mat).any())
    n_cases = pd.to_datetime(pd.Series(times)).notna().sum() / max(int(replications), 1)
    # per week where a week was seen; a shorter log is its count (a rate would extrapolate)
    volume = f"{np.nansum(mat):.3g} cases per week" if weeks >= 1 else f"{n_cases:,.0f} cases"
    fig = new_figure(11, 4.6)
    gs = fig.add_gridspec(
        2, 3, width_ratios=[6, 1, 0.12], height_ratios=[1, 3.2], hspace=0.08, wspace=0.04
    )
    ax = fig.add_subplot(gs[1, 0])
    ax_top = fig.add_subplot(gs[0, 0], sharex=ax)
    ax_right = fig.add_subplot(gs[1, 1], sharey=ax)
    cax = fig.add_subplot(gs[1, 2])
    # hours of the week the log never covered: unknown, not zero
    cmap = matplotlib.colormaps["Blues"].with_extremes(bad=UNSEEN)
    im = ax.imshow(mat, aspect="auto", cmap=cmap, origin="upper", extent=(-0.5, 23.5, 6.5, -0.5))
    ax.set_yticks(range(7))
    ax.set_yticklabels(WEEKDAYS, fontsize=8)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xticklabels([f"{h:02d}:00" for h in range(0, 24, 2)], fontsize=7.5)
    ax.set_xlabel("hour of day (start of the hour)", fontsize=8.5)
    vmax = np.nanmax(mat) if np.nanmax(mat, initial=0) > 0 else 1
    for d in range(7):
        for h in range(24):
            v = mat[d, h]
            if np.isfinite(v) and v >= 0.05 * vmax and v > 0:
                ax.text(
                    h,
                    d,
                    f"{v:,.0f}" if v >= 100 else f"{v:.2g}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if v > 0.6 * vmax else INK,
                )
    ax_top.bar(range(24), np.nansum(mat, axis=0), color=SCENARIO, alpha=0.8, width=0.85)
    ax_top.tick_params(labelbottom=False, labelsize=7)
    ax_top.set_ylabel("per week", fontsize=7.5)
    ax_right.barh(range(7), np.nansum(mat, axis=1), color=SCENARIO, alpha=0.8, height=0.8)
    ax_right.tick_params(labelleft=False, labelsize=7)
    ax_right.set_xlabel("per week", fontsize=7.5)
    for a in (ax_top, ax_right):
        _style(a, grid_axis="")
    if not n_cases:  # no negative scales around nothing (QA plots18 #8)
        ax_top.set_ylim(0, 1)
        ax_right.set_xlim(0, 1)
        im.set_clim(0, 1)
        _no_data(ax, NO_CASE_ARRIVED)
    cb = fig.colorbar(im, cax=cax)
    cb.set_label("mean arrivals in that hour, per week", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    fig.suptitle(
        f"{title} (0 cases)"
        if not n_cases  # not "over 0.0 hours": the span is the arrivals'
        else f"{title} ({volume}, over {_span_text(weeks)}"
        + ("; grey: hours not observed)" if unseen else ")"),
        fontsize=11,
        fontweight="bold",
        color=INK,
        x=0.02,
        ha="left",
    )
    fig.subplots_adjust(left=0.06, right=0.93, bottom=0.11, top=0.9)
    return _finish(fig, path)


# ------------------------------------------------------------------ fitted vs empirical
def model_quantiles(dist: Distribution, q: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Quantiles of a model distribution at probabilities ``q`` (exact where scipy has a
    ``ppf``, else from 20,000 seeded draws)."""
    q = np.asarray(q, dtype=float)
    frozen = dist.scipy
    if frozen is not None:
        p0 = dist.p_zero
        inner = np.clip((q - p0) / (1 - p0), 0, 1)
        with np.errstate(all="ignore"):
            x = np.asarray(frozen.ppf(inner), dtype=float) * dist.multiplier
        x = np.where(q < p0, 0.0, x)
        return np.maximum(
            np.nan_to_num(x, nan=0.0, posinf=np.nanmax(x[np.isfinite(x)], initial=0)), 0.0
        )
    draws = dist.sample(np.random.default_rng(seed), 20_000)
    return np.quantile(draws, q)


def _model_density(dist: Distribution, xs: np.ndarray, bins: np.ndarray) -> np.ndarray:
    frozen = dist.scipy
    if frozen is not None:
        m = dist.multiplier or 1.0
        with np.errstate(all="ignore"):
            dens = np.asarray(frozen.pdf(xs / m), dtype=float) / m * (1 - dist.p_zero)
        # a Weibull or gamma with shape < 1 has an infinite density at 0: not drawn (NaN)
        return np.where(np.isfinite(dens), dens, np.nan)
    draws = dist.sample(np.random.default_rng(0), 20_000)
    hist, edges = np.histogram(draws, bins=bins, density=True)
    centers = (edges[:-1] + edges[1:]) / 2
    return np.interp(xs, centers, hist)


def waits_from_log(events: pd.DataFrame) -> pd.DataFrame:
    """Per event of a standard event log: ``activity``, ``waiting`` (start minus the end of the
    case's previous event, or 0 for its first) and ``processing`` (end minus start), in hours.
    The back-test's rule (``sim.calibrate.backtest.backtest_events``) for the history, the
    simulated and the baseline logs alike."""
    from sim.calibrate.backtest import backtest_events

    log = events.assign(
        start_time=pd.to_datetime(events["start_time"], format="ISO8601"),
        end_time=pd.to_datetime(events["end_time"], format="ISO8601"),
    )
    ev = backtest_events(log, log["start_time"].min())
    return pd.DataFrame(
        {
            "activity": ev["activity"].to_numpy(),
            "waiting": (ev["start"] - ev["enabled"]).to_numpy(),
            "processing": (ev["end"] - ev["start"]).to_numpy(),
        }
    )


#: under ``plot_step_waits`` when a series has several replications: which mean the legend gives
STEP_WAITS_MEAN_NOTE = (
    "Means in the legends: each replication's mean, averaged (as in backtest.json); "
    "the curves pool the replications' visits."
)


WAIT_FLOOR = 1e-3  # on the log axis, a wait of 0 (and under this) is drawn here, the left edge


def _replications_mean(frames: Sequence[pd.DataFrame], activity: str) -> float:
    """The mean wait before ``activity``: each log's (replication's) mean over its visits,
    averaged over the logs that have any (``backtest.json``'s ``waiting_mean:<activity>``)."""
    means = []
    for w in frames:
        v = w.loc[w["activity"] == activity, "waiting"].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size:
            means.append(float(v.mean()))
    return float(np.mean(means)) if means else math.nan


@with_fallback_fonts
def plot_step_waits(
    logs: Mapping[str, pd.DataFrame | Sequence[pd.DataFrame]],
    *,
    top: int = 6,
    unit: str = "h",
    title: str = "Waiting before each activity: simulated vs history",
    path: str | Path | None = None,
) -> Figure:
    """Small multiples, one per activity (the ``top`` most frequent in the first log): the
    cumulative share of visits that waited at most x, per log (history first), x on a log scale
    so that minutes and weeks both show; the legend gives each log's mean. A name may map to
    several logs (replications): each is measured on its own, since their case ids repeat; the
    curve pools their visits, the mean in the legend is each replication's mean averaged (the
    back-test's ``waiting_mean:<activity>`` in ``backtest.json``), and a note says so."""
    per_log = {
        name: [waits_from_log(d) for d in ([df] if isinstance(df, pd.DataFrame) else df)]
        for name, df in logs.items()
    }
    waits = {name: pd.concat(frames) for name, frames in per_log.items()}
    replicated = max((len(frames) for frames in per_log.values()), default=0) > 1
    first = next(iter(waits.values()))
    # an activity that never waits in the history (a case's first, or one that always starts
    # as the one before it ends) would be an empty panel: named instead, every one of them,
    # and counted with the others (the loan log's 17 activities read "6 of 16", QA backtest17 #4)
    waited = set(first.loc[first["waiting"] > 0, "activity"])
    counts = first["activity"].value_counts()
    candidates = [a for a in counts.index if a in waited]
    acts = candidates[:top]
    never = [a for a in counts.index if a not in waited]
    left_out = len(candidates) - len(acts)
    cols = min(3, max(len(acts), 1))
    rows = max(math.ceil(len(acts) / cols), 1)
    # a second line of notes under the figure gets room of its own below the axes' labels
    below = 0.22 * max(int(bool(never)) + int(bool(left_out)) + int(replicated) - 1, 0)
    fig = new_figure(3.7 * cols, 0.6 + 2.6 * rows + below)
    axes = fig.subplots(rows, cols, squeeze=False, gridspec_kw={"hspace": 0.6, "wspace": 0.25})
    for ax in axes.ravel()[len(acts) :]:
        ax.set_axis_off()
    for act, ax in zip(acts, axes.ravel(), strict=False):
        floored = False
        for k, (name, w) in enumerate(waits.items()):
            v = np.sort(w.loc[w["activity"] == act, "waiting"].to_numpy(dtype=float))
            v = v[np.isfinite(v)]
            if v.size == 0:
                continue
            ys = np.arange(1, v.size + 1) / v.size
            floored |= bool(v[0] <= WAIT_FLOOR)
            ax.step(
                np.maximum(v, WAIT_FLOOR),  # a wait of 0 sits at the left edge (3.6 s)
                ys,
                where="post",
                color=SERIES_COLORS[k % len(SERIES_COLORS)],
                lw=1.5,
                label=f"{name}: mean {_replications_mean(per_log[name], act):.4g} {unit}",
            )
        ax.set_xscale("log")
        _readable_log_ticks(ax)
        ax.set_ylim(0, 1.02)
        # the jump at the left edge is the visits that did not wait (QA plots18 #12)
        at = f"; 0 drawn at {WAIT_FLOOR:g}" if floored else ""
        ax.set_xlabel(f"waiting ({unit}, log scale{at})", fontsize=8)
        ax.set_ylabel("share of visits", fontsize=8)
        ax.legend(fontsize=6.5, frameon=False, loc="best")
        _style(ax)
    fig.suptitle(title, fontsize=11, fontweight="bold", color=INK, x=0.02, ha="left")
    if never:
        shown = ", ".join(pretty(a) for a in never[:4]) + (
            f" and {len(never) - 4} more" if len(never) > 4 else ""
        )
        one = len(never) == 1
        fig.text(
            0.02,
            0.15 / fig.get_figheight(),
            f"Not drawn: {shown} (never {'waits' if one else 'wait'} in the history: "
            f"{'it' if one else 'each'} opens its case, or starts as soon as the activity "
            "before it ends)",
            fontsize=7.5,
            color=MUTED,
        )
    if left_out:
        _hidden_note(
            fig,
            f"{len(acts)} of {len(counts)} activities shown: those with the most visits in "
            f"the {next(iter(logs))} log"
            + (
                f", of the {len(candidates)} that wait ({len(never)} never "
                f"{'does' if len(never) == 1 else 'do'}, named below)"
                if never
                else ""
            )
            + (
                "; the other one is in the same logs."
                if left_out == 1
                else f"; the other {left_out} are in the same logs."
            ),
            y=0.15 + (0.2 if never else 0.0),
        )
    if replicated:
        fig.text(
            0.02,
            (0.15 + 0.2 * (int(bool(never)) + int(bool(left_out)))) / fig.get_figheight(),
            STEP_WAITS_MEAN_NOTE,
            fontsize=7.5,
            color=MUTED,
        )
    fig.subplots_adjust(
        left=0.07,
        right=0.98,
        bottom=(0.75 + below) / fig.get_figheight(),
        top=1 - 0.7 / fig.get_figheight(),
    )
    for act, ax in zip(acts, axes.ravel(), strict=False):  # as wide as its panel, once placed
        panel_title(ax, act)
    _panel_title_room(fig, axes[0])
    return _finish(fig, path)


def fit_rows(
    fits: Mapping[str, tuple[Sequence[float] | np.ndarray, Distribution]],
    groups: Mapping[str, str],
    max_rows: int,
) -> list[tuple[str, tuple[Sequence[float] | np.ndarray, Distribution]]]:
    """The rows ``plot_fits`` draws: whole groups (``groups``: row -> step), most observed
    first, each group's rows most observed first, at most ``max_rows`` (at least one group)."""
    by_group: dict[str, list[str]] = {}
    for name in fits:
        by_group.setdefault(groups.get(name, name), []).append(name)

    def size(name: str) -> int:
        return len(fits[name][0])

    order = sorted(by_group.values(), key=lambda names: -sum(map(size, names)))
    rows: list[str] = []
    for names in order:
        if rows and len(rows) + len(names) > max_rows:
            break
        rows.extend(sorted(names, key=lambda n: -size(n)))
    return [(n, fits[n]) for n in rows]


def _readable_log_ticks(ax: Axes) -> None:
    """Plain tick labels on a log axis (0.1, 1, 10; with 2 and 5 between when it spans under
    three decades) and no labelled minor ticks, which matplotlib otherwise writes as
    overlapping ``3x10^0 4x10^0 ...`` on a short axis."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = ax.get_xlim()
    decades = math.log10(max(hi, 1e-12)) - math.log10(max(lo, 1e-12))
    subs = (1.0, 2.0, 5.0) if decades < 3 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs, numticks=12))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


class FitPair(tuple):
    """``(observed values, fitted distribution)`` of ``fits_from_instances``; ``pace`` names the
    segment whose pace the values are in (each divided by its case's segment's scale, as
    calibration fitted them; "" for a model with no segment at scale 1), None where they are
    as logged. ``plot_fits`` says so."""

    pace: str | None

    def __new__(cls, values: np.ndarray, dist: Distribution, pace: str | None = None) -> FitPair:
        pair = super().__new__(cls, (values, dist))
        pair.pace = pace
        return pair


def _segment_scales(
    instances: pd.DataFrame, model: Any, segment: str
) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Per instance, its case's segment's ``duration_scale`` and timer scale, and the reference
    segment (of those at scale 1, the largest share: calibration's, whose pace the fits are in;
    "" where none is at 1); None without a ``segment`` column or with every scale 1."""
    segs = getattr(getattr(model, "arrivals", None), "segments", ())
    if segment not in instances.columns or not any(
        s.duration_scale != 1.0 or s.timers_scale != 1.0 for s in segs
    ):
        return None
    names = instances[segment].astype(str)
    work = names.map({s.name: s.duration_scale for s in segs}).fillna(1.0)
    timers = names.map({s.name: s.timers_scale for s in segs}).fillna(1.0)
    at_one = [s for s in segs if s.duration_scale == 1.0 and s.timers_scale == 1.0]
    reference = max(at_one, key=lambda s: s.share).name if at_one else ""
    return work.to_numpy(dtype=float), timers.to_numpy(dtype=float), reference


def fits_from_instances(
    instances: pd.DataFrame,
    model: Any,
    *,
    activity: str = "activity",
    value: str = "processing",
    resource: str = "resource",
    segment: str = "segment",
) -> dict[str, tuple[np.ndarray, Distribution]]:
    """Pair each calibrated step's observed durations with its fitted distribution.

    ``instances`` has one row per activity instance with the duration that was fitted (e.g.
    ``Calibration.waiting``: working-time ``processing`` in hours); ``model`` is the
    calibrated model. Where the model's segments have their own pace and ``instances`` the
    case's ``segment``, each duration is divided by its segment's ``duration_scale`` (a step
    without roles, a timer in the model: ``timer_scale``), as calibration did before fitting
    the reference segment's distribution; the pairs are ``FitPair`` naming that segment.

    A step with ``alternatives`` (other roles whose people may take it, each at its own pace)
    has one pair per role, as calibration fitted them: its own duration against the instances
    of everyone but the alternatives' roles (``own_fit_name``), and each alternative's against
    the instances of its role's ``members`` (``alternative_fit_name``), measured in that role's
    calendar's working hours from the ``start`` and ``end`` columns. Without resources or
    members to tell the roles apart, the step's one pair holds all its instances.
    """
    out: dict[str, tuple[np.ndarray, Distribution]] = {}
    role_of = {str(m): rn for rn, r in model.roles.items() for m in r.members}
    scales = _segment_scales(instances, model, segment)
    pace = scales[2] if scales is not None else None
    if scales is not None:
        instances = instances.assign(__work_scale=scales[0], __timer_scale=scales[1])
    for a, g in instances.groupby(activity, sort=False):
        if a not in model.steps:
            continue
        step = model.steps[a]
        scale = np.ones(len(g))
        if scales is not None:  # the engine scales a staffed step's duration, else a timer's
            scale = g["__work_scale" if step.roles else "__timer_scale"].to_numpy(dtype=float)
        v = g[value].to_numpy(dtype=float) / scale
        if not step.alternatives or not role_of or resource not in g.columns:
            out[str(a)] = FitPair(v, step.duration, pace)
            continue
        who = np.array([role_of.get(r) for r in _resource_names(g[resource])], dtype=object)
        others = [alt.role for alt in step.alternatives]
        mine = ~np.isin(who, others)
        out[own_fit_name(str(a), step.roles[0])] = FitPair(v[mine], step.duration, pace)
        for alt in step.alternatives:
            sel = who == alt.role
            if {"start", "end"} <= set(g.columns):  # as calibration measured them
                w = (
                    working_time(
                        model.calendar_of(alt.role),
                        g["start"].to_numpy(dtype=float)[sel],
                        g["end"].to_numpy(dtype=float)[sel],
                    )
                    / scale[sel]
                )
            else:
                w = v[sel]
            out[alternative_fit_name(str(a), alt.role)] = FitPair(w, alt.duration, pace)
    return out


def own_fit_name(step: str, role: str) -> str:
    """The name of a step's own fit (against its own role's instances) in
    ``fits_from_instances`` when the step has alternatives."""
    return f"{pretty(step)}, by {pretty(role).lower()} (own role)"


def alternative_fit_name(step: str, role: str) -> str:
    """The name of the fit of ``step``'s alternative ``role`` (against that role's instances)
    in ``fits_from_instances``."""
    return f"{pretty(step)}, by {pretty(role).lower()} (alternative)"


def fit_groups(fits: Mapping[str, Any], model: Any) -> dict[str, str]:
    """The step each of ``fits_from_instances``'s pairs belongs to (a step with alternatives
    has several), for ``plot_fits(groups=...)`` to keep them together."""
    out = {}
    for name, step in model.steps.items():
        names = [name]
        if step.alternatives:
            names.append(own_fit_name(name, step.roles[0]))
            names.extend(alternative_fit_name(name, a.role) for a in step.alternatives)
        out.update({n: name for n in names if n in fits})
    return out


def _resource_names(values: pd.Series) -> list[str]:
    """Resource identifiers as the model's ``members`` write them: ``"11201"``, also where a
    CSV reader made the column numbers (``11201.0`` once it holds a blank)."""
    if pd.api.types.is_numeric_dtype(values):
        return [
            str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)
            for x in values.to_numpy()
        ]
    return [str(x) for x in values.to_numpy()]


def _people(resource: str) -> set[str]:
    """The people a resource names: ``'se1;ae3'`` (a step done by several people at once) is
    both."""
    return {x.strip() for x in resource.split(PEOPLE_SEPARATOR)}


def plot_fit(
    samples: Sequence[float] | np.ndarray,
    dist: Distribution,
    *,
    name: str = "",
    unit: str = "h",
    path: str | Path | None = None,
) -> Figure:
    """One step's observed durations against the fitted distribution: histogram with the
    fitted density, and a Q-Q plot (points on the diagonal mean a good fit)."""
    return plot_fits({name or "duration": (samples, dist)}, unit=unit, path=path)


@with_fallback_fonts
def plot_fits(
    fits: Mapping[str, tuple[Sequence[float] | np.ndarray, Distribution]],
    *,
    unit: str = "h",
    max_rows: int = 16,
    title: str = "Fitted vs observed durations",
    rest_in: str | None = None,
    observed: str = "observed",
    groups: Mapping[str, str] | None = None,
    path: str | Path | None = None,
) -> Figure:
    """One row per calibrated step (the ``max_rows`` with most observations): the histogram of
    observed values with the fitted density, and the Q-Q plot of observed against fitted. With
    more steps than rows a note says how many are left out (and ``rest_in``, where they are).
    ``observed`` names the values in the legend and on the Q-Q axis ("estimated" where they
    rest on start times estimated from completions).

    ``groups`` maps a row's name to the step it belongs to (``fit_groups``: a step with
    alternatives has a row per role): a step's rows stay together, the steps ordered by all
    their observations, and a step whose rows no longer fit is left out whole. Where the pairs
    are ``FitPair`` in a segment's pace, a line under the title says so."""
    items = fit_rows(fits, groups or {}, max_rows)
    note = (
        hidden_steps_text(len(items), len(fits), "observations", rest_in or "the model")
        if len(items) < len(fits)
        else None
    )
    lines: list[str] = []  # under the title
    paces = {p for _name, pair in items if (p := getattr(pair, "pace", None)) is not None}
    if paces:
        pace = paces.pop()
        lines.append(
            (
                f"durations in the reference segment's pace ({pretty(pace)})"
                if pace
                else "durations at scale 1"
            )
            + ": each case's divided by its segment's duration_scale (timers: timer_scale), "
            "as the fitted distributions are"
        )
    if any(getattr(d, "multiplier", 1.0) != 1.0 for _name, (_v, d) in items):
        lines.append(
            "x k: the family chosen by likelihood, scaled by k to the sample mean (the mean sets "
            "the load); P(0): share of instances that took no time"
        )
    extra = 0.3 if note else 0.0
    n = max(len(items), 1)
    fig = new_figure(10, 0.7 + extra + 0.17 * max(len(lines) - 1, 0) + 2.3 * n)
    axes = fig.subplots(n, 2, squeeze=False, gridspec_kw={"hspace": 0.65, "wspace": 0.22})
    tops: list[float] = []  # per histogram drawn, the highest bar or density it shows
    for (_name, (values, dist)), (ax_h, ax_q) in zip(items, axes, strict=False):
        hours = np.asarray(values, dtype=float)
        hours = hours[np.isfinite(hours)]
        if hours.size == 0:
            ax_h.text(0.5, 0.5, "no observations", ha="center", transform=ax_h.transAxes)
            continue
        # a step of a tenth of a second is drawn in seconds, not as 0.0000277 h (QA rt27_calib
        # F6); one value to calibration's tolerance is judged on the values as fitted
        one = _one_value(hours) is not None
        factor, shown = duration_unit(float(np.quantile(hours, 0.99)) or float(hours.max()), unit)
        v, fitted = hours * factor, dist.scaled(factor) if factor != 1.0 else dist
        hi = float(np.quantile(v, 0.99)) or float(v.max()) or 1.0
        lo = float(np.quantile(v, 0.005))
        lo = 0.0 if lo < 0.3 * hi else lo - 0.05 * (hi - lo)
        one = one or hi - lo <= 1e-9 * max(1.0, abs(hi))
        if one:  # all values equal: a bar in the middle of the axis, on the value
            half = 0.1 * abs(hi) or 1e-3
            lo, hi = max(0.0, hi - half), hi + half
        bins = np.linspace(lo, hi, 36 if one else 35)
        # values beyond the axis are left out, not piled into the last bin (which then looked
        # like a bump in the tail), and the density stays that of all values
        inside = v[(v >= lo) & (v <= hi)]
        beyond = 1.0 - inside.size / v.size
        heights, _, _ = ax_h.hist(
            inside,
            bins=bins,
            weights=np.full(inside.size, 1.0 / (v.size * (bins[1] - bins[0]))),
            color="#b0bec5",
            alpha=0.9,
            label=f"{observed} (n={v.size:,}"
            + (f", {100 * beyond:.1f} % beyond the axis)" if beyond > 0 else ")"),
        )
        xs = np.linspace(lo, hi, 300)
        top = float(np.max(heights, initial=0.0))
        label = f"fitted: {fit_text(dist, unit, factor, shown)}"
        if dist.name == "fixed":
            ax_h.axvline(
                fitted.params["value"] * fitted.multiplier, color=SCENARIO, lw=1.8, label=label
            )
        else:
            dens = _model_density(fitted, xs, bins)
            ax_h.plot(xs, dens, color=SCENARIO, lw=1.8, label=label)
            # a density that shoots up at 0 would flatten the histogram: cut at its 98th percentile
            finite = dens[np.isfinite(dens)]
            top = max(top, float(np.quantile(finite, 0.98)) if finite.size else 0)
        tops.append(top)
        ax_h.set_xlim(lo, hi)
        ax_h.set_xlabel(f"duration ({shown})", fontsize=8)
        ax_h.set_ylabel(f"density (per {shown})", fontsize=8)
        ax_h.legend(fontsize=7, frameon=False, loc="upper right")
        _draw_qq(ax_q, hours, dist, unit=unit, observed=observed, factor=factor, shown=shown)
        for a in (ax_h, ax_q):
            _style(a)
            _plain_ticks(a)
    fig.suptitle(title, fontsize=11, fontweight="bold", color=INK, x=0.02, ha="left")
    for i, line in enumerate(lines):
        fig.text(0.02, 1 - (0.8 + 0.17 * i) / fig.get_figheight(), line, fontsize=7.5, color=MUTED)
    if note:
        _hidden_note(fig, note)
    fig.subplots_adjust(
        left=0.08,
        right=0.98,
        bottom=(0.5 + extra) / fig.get_figheight(),
        top=1 - (1.2 + 0.17 * max(len(lines) - 1, 0)) / fig.get_figheight(),
    )
    for (name, _pair), (ax_h, ax_q) in zip(items, axes, strict=False):  # once placed
        panel_title(ax_h, name)
        if ax_h.get_legend() is not None:  # drawn
            _uncrowded_xticks(ax_h)
            _uncrowded_xticks(ax_q)
    _panel_title_room(fig, axes[0][:1])
    drawn = [row[0] for row in axes if row[0].get_legend() is not None]
    for ax_h, top in zip(drawn, tops, strict=True):
        _legend_within(ax_h)
        _room_for_legend(ax_h, top)
    return _finish(fig, path)


def fit_text(dist: Distribution, unit: str, factor: float = 1.0, shown: str = "") -> str:
    """A fitted distribution (its parameters in ``unit``) for a legend: ``dist.describe()``, or
    where the values are drawn in ``shown`` (``factor`` times ``unit``: seconds for a step of a
    tenth of a second), with its parameters in that unit (``_in_unit``): a fixed value or an
    empirical mean as the Q-Q note says it (``fixed 0.1 s``, not ``fixed 2.77778e-05``),
    another family's parameters followed by the unit (``expon(loc=0.003665, scale=0.1038) in
    s``: 'expon(loc=1.018e-06, scale=2.884e-05) ... in h: mean 0.104 s' ran out of its panel,
    QA rt28_calib F3)."""
    if factor == 1.0:
        return dist.describe()
    drawn = _in_unit(dist, factor)
    if dist.name == "fixed":
        text = f"fixed {drawn.params['value']:.4g} {shown}"
    elif dist.name == "empirical":
        text = f"empirical (n={len(dist.values)}, mean={np.mean(drawn.values):.3g} {shown})"
    else:
        bare = dataclasses.replace(drawn, p_zero=0.0, multiplier=1.0)
        text = f"{bare.describe()} in {shown}"
    if dist.p_zero:
        text += f" with P(0)={dist.p_zero:.2g}"
    if dist.multiplier != 1.0:
        text += f" x{dist.multiplier:.3g}"
    return text


def _in_unit(dist: Distribution, factor: float) -> Distribution:
    """``dist`` with its parameters in a unit ``factor`` times its own (its draws times
    ``factor``, its multiplier kept): a scipy family's ``loc`` and ``scale`` (not its shapes),
    an alias's moments and bounds, a fixed value and empirical values times ``factor``, a
    ``rate`` divided by it; a sum's parts each so."""
    shapes = set(_scipy_param_names(dist.name)[:-2]) if dist.name in SCIPY_CONTINUOUS else set()
    params = {
        k: v if k in shapes else v / factor if k == "rate" else v * factor
        for k, v in dist.params.items()
    }
    return dataclasses.replace(
        dist,
        params=params,
        values=tuple(v * factor for v in dist.values),
        parts=tuple(_in_unit(p, factor) for p in dist.parts),
    )


def _legend_within(ax: Axes) -> None:
    """Wrap the texts of ``ax``'s legend onto more lines, as few as it takes for the legend to
    be no wider than ``ax`` (a long fitted distribution's ran over the y axis' labels)."""
    renderer = ax.figure.canvas.get_renderer()
    legend = ax.get_legend()
    room = ax.get_window_extent(renderer).width
    texts = legend.get_texts()
    whole = [t.get_text() for t in texts]
    chars = max(len(w) for w in whole)
    while legend.get_window_extent(renderer).width > room and chars > 20:
        chars -= 4
        for t, w in zip(texts, whole, strict=True):
            t.set_text(textwrap.fill(w, chars, break_long_words=False))


def _draw_qq(
    ax: Axes,
    v: np.ndarray,
    dist: Distribution,
    *,
    unit: str,
    observed: str,
    factor: float = 1.0,
    shown: str | None = None,
) -> None:
    """The Q-Q plot of the observed values ``v`` against ``dist`` (both in ``unit``) on ``ax``,
    drawn in ``shown`` (``factor`` times ``unit``; ``unit`` itself without). Where every
    observed value and every fitted quantile are each one value (a fixed fit of equal
    durations), one point and a note saying so: their float noise (up to
    ``FixedFitter.atol``) is not drawn as a spread."""
    q = (np.arange(1, min(v.size, 200) + 1) - 0.5) / min(v.size, 200)
    emp = np.quantile(v, q)
    mod = model_quantiles(dist, q)
    seen, fitted = _one_value(v), _one_value(mod)
    if seen is not None and fitted is not None:
        emp, mod = np.array([seen]), np.array([fitted])
        kind = "fixed" if dist.name == "fixed" else "every quantile"
        ax.text(
            0.03,
            0.95,
            f"all {v.size:,} {observed} values equal {_duration_text(seen, unit)}; "
            f"fitted: {kind} {_duration_text(fitted, unit)}",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=7.5,
            color=MUTED,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
        )
    emp, mod = emp * factor, mod * factor
    shown = shown or unit
    bottom, top = _qq_range(emp, mod)
    pad = 0.03 * (top - bottom)
    ax.plot([bottom, top], [bottom, top], color=MUTED, lw=1, ls="--")
    ax.scatter(mod, emp, s=9, color=SCENARIO, zorder=3)
    ax.set_xlim(bottom - pad, top + pad)
    ax.set_ylim(bottom - pad, top + pad)
    ax.set_xlabel(f"fitted quantile ({shown})", fontsize=8)
    ax.set_ylabel(f"{observed} quantile ({shown})", fontsize=8)
    ax.set_title("Q-Q plot", fontsize=8.5, color=MUTED, loc="left")


def _qq_range(emp: np.ndarray, mod: np.ndarray) -> tuple[float, float]:
    """The Q-Q axes' limits (the same on both): from 0 where the quantiles start near it; a
    range nil beside its values widened to 10 % of them on either side (0 to 0.001 at 0)."""
    top = float(max(np.max(emp), np.max(mod)))
    bottom = float(min(np.min(emp), np.min(mod)))
    if _one_value(np.array([bottom, top])) is not None:
        half = 0.1 * abs(top) or 1e-3
        bottom, top = bottom - half, top + half
    return (0.0 if bottom < 0.3 * top else bottom), top


def _one_value(values: np.ndarray) -> float | None:
    """The median of ``values`` where they are all one value to calibration's tolerance
    (``FixedFitter.is_constant``, which fits them as ``fixed``), else None."""
    if not FixedFitter.is_constant(values):
        return None
    return float(np.median(values))


def _duration_text(x: float, unit: str) -> str:
    """``x`` (in ``unit``) with the unit ``duration_unit`` picks: 0.000277778 h -> ``1 s``."""
    factor, shown = duration_unit(abs(x), unit)
    return f"{x * factor:.4g} {shown}"


def _plain_ticks(ax: Axes) -> None:
    """Tick labels written out in full on both linear axes: matplotlib's offset
    (``1e-15+2.777e-4``) and scientific notation read as a spread where values barely differ."""
    ax.ticklabel_format(axis="both", style="plain", useOffset=False)


TICK_GAP_PT = 6.0  # points between two x tick labels at least


def _uncrowded_xticks(ax: Axes) -> None:
    """Fewer x ticks on ``ax`` where its labels, written out in full (``_plain_ticks``), would
    run into each other: ``0.0999900`` beside ``0.0999925`` s read as one string (QA rt27_calib
    F6). Call it once the axes have their size and limits; ticks that fit are left alone."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    renderer = ax.figure.canvas.get_renderer()
    width = ax.get_window_extent(renderer).width
    size = ax.xaxis.get_major_ticks()[0].label1.get_fontsize()
    gap = TICK_GAP_PT * ax.figure.dpi / 72
    lo, hi = sorted(ax.get_xlim())

    def fits() -> bool:
        ticks = [t for t in ax.xaxis.get_major_locator()() if lo <= t <= hi]
        labels = ax.xaxis.get_major_formatter().format_ticks(ticks)
        widths = [
            renderer.get_text_width_height_descent(t, FontProperties(size=size), ismath=False)[0]
            for t in labels
        ]
        return len(ticks) < 2 or len(ticks) * (max(widths) + gap) <= width

    for bins in range(8, 1, -1):
        if fits():
            return
        ax.xaxis.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]))


def _room_for_legend(ax: Axes, top: float) -> None:
    """Raise ``ax``'s y axis so that what it shows up to ``top`` stays below its legend (in its
    upper right corner), which covered the bars of a histogram peaking on the right."""
    if top <= 0:
        return
    renderer = ax.figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    free = (legend.y0 - box.y0) / box.height - 0.04  # the axes' share below the legend
    ax.set_ylim(0, top / min(max(free, 0.4), 1 / 1.1))


# -------------------------------------------------------------------------- calendars
CALENDAR_ROLES_MAX = 8  # roles drawn in the calendar figure (the busiest); the rest are named
CALENDAR_TITLE_CHARS = 150  # characters of a line of a calendar panel's title (11-inch figure)
CALENDAR_TITLE_LINES = 3  # lines of a simulated calendar's title; roles beyond are counted


def _calendar_slot(cal: Any) -> int:
    """The coarsest slot (minutes: 60, 30, 20 or 15) on which every change of ``cal`` falls, or
    15."""
    for minutes in (60, 30, 20, 15):
        step = minutes / 60.0
        if all(abs(b / step - round(b / step)) < 1e-9 for b in cal.breaks):
            return minutes
    return 15


def calendar_activity(
    instances: pd.DataFrame, members: Sequence[str], slot_minutes: int
) -> np.ndarray:
    """The evidence calibration reads a role's calendar from (``sim.calibrate.staff``): for each
    day (7 rows, Monday first) and slot of ``slot_minutes``, the share of the weeks the log
    covers in which somebody of ``members`` started or ended an activity (an end only on the day
    its activity started). ``instances``: the calibration's ``instances.csv.gz`` (hours since a
    Monday 00:00)."""
    per_hour = slots_per_hour(slot_minutes)
    covered = (float(instances["start"].min()), float(instances["end"].max()))
    wanted = set(members)
    mine = instances[[bool(_people(n) & wanted) for n in _resource_names(instances["resource"])]]
    if mine.empty:
        return np.zeros((7, 24 * per_hour))
    seen, exposure = weekly_activity(evidence_times(mine), covered, per_hour)
    return (seen / exposure).reshape(7, 24 * per_hour)


def calendar_roles_title(head: str, roles: Sequence[str]) -> str:
    """``head: role (2), role (3), ...`` wrapped in lines of ``CALENDAR_TITLE_CHARS``: as many
    ``roles`` as fit in ``CALENDAR_TITLE_LINES`` lines, the others counted ("+4 more roles"),
    never cut off at the figure's edge (QA plots18 #5: four of eight roles went missing)."""
    for k in range(len(roles), 0, -1):
        rest = len(roles) - k
        more = f", +{rest} more role{'s' if rest > 1 else ''}" if rest else ""
        lines = textwrap.wrap(f"{head}: {', '.join(roles[:k])}{more}", CALENDAR_TITLE_CHARS)
        if len(lines) <= CALENDAR_TITLE_LINES or k == 1:
            return "\n".join(lines)
    return head


def plot_calendars(
    instances: pd.DataFrame | None,
    model: Any,
    *,
    max_roles: int = CALENDAR_ROLES_MAX,
    path: str | Path | None = None,
) -> Figure | None:
    """Each staffed role's working calendar as calibration found it (boxes) over the evidence it
    read it from (shade: the share of weeks in which the role's people started or ended work in
    that slot), so an analyst sees a lunch break, a late shift or an hour opened by a few events.
    ``None`` when no role has members in ``instances``. The busiest ``max_roles`` are drawn.

    Without ``instances`` (a simulated run): one panel per calendar of the roles with people,
    naming its roles and their headcounts, as filled boxes; ``None`` when they all work 24/7."""
    if instances is None:
        staffed = [(n, r) for n, r in model.roles.items() if r.headcount > 0]
        by_calendar: dict[str, list[tuple[str, Any]]] = {}
        for name, role in staffed:
            by_calendar.setdefault(role.calendar, []).append((name, role))
        if set(by_calendar) <= {"24/7"}:
            return None
        panels = []
        for cal_name, members in sorted(by_calendar.items(), key=lambda kv: -len(kv[1])):
            cal = model.calendar_of(members[0][0])
            head = f"{cal_name}, {round(cal.weekly_total, 2):g} working hours a week"
            who = [f"{n} ({r.headcount})" for n, r in members]
            panels.append((calendar_roles_title(head, who), cal, None))
        return _draw_calendars(panels, max_roles, path, "Working calendars (boxes: working hours)")
    names = {x for n in set(_resource_names(instances["resource"])) for x in _people(n)}
    roles = [
        (name, role)
        for name, role in model.roles.items()
        if role.members and names & set(map(str, role.members))
    ]
    if not roles:
        return None
    roles.sort(key=lambda nr: -int((nr[1].provenance or {}).get("n_events", 0)))
    panels = []
    minutes = set()
    for name, role in roles[:max_roles]:
        cal_prov = (role.provenance or {}).get("calendar") or {}
        slot_minutes = int(cal_prov.get("slot_minutes", 60))
        minutes.add(slot_minutes)
        cal = model.calendar_of(name)
        clock = works_on_the_clock_verdict(cal_prov)
        unknown = "unknown and kept open" in str(cal_prov.get("rule", ""))
        people = f"{role.headcount} {'person' if role.headcount == 1 else 'people'}"
        title = (
            f"{name}: {people}, {round(cal.weekly_total, 2):g} working hours a week"
            + (" (24/7: its work runs on through the hours it is not seen in)" if clock else "")
            + (" (hours of the day the log does not cover are kept open)" if unknown else "")
        )
        share = calendar_activity(instances, list(map(str, role.members)), slot_minutes)
        panels.append((title, cal, share))
    slot_text = " / ".join(f"{m}-minute" for m in sorted(minutes))
    hidden = [name for name, _ in roles[max_roles:]]
    return _draw_calendars(
        panels,
        max_roles,
        path,
        "Working calendars found (boxes) and when each role's people started or ended work "
        f"(shade: share of weeks; {slot_text} slots)",
        hidden=hidden,
    )


@with_fallback_fonts
def _draw_calendars(
    panels: list[tuple[str, Any, np.ndarray | None]],
    max_panels: int,
    path: str | Path | None,
    title: str,
    *,
    hidden: Sequence[str] = (),
) -> Figure:
    """``plot_calendars``' figure: a panel per ``(title, calendar, share)``, the calendar's open
    stretches boxed over ``share`` (7 days x slots; ``None``: filled boxes, no shading)."""
    from matplotlib.patches import Rectangle

    panels = [
        ("\n".join(textwrap.wrap(text, CALENDAR_TITLE_CHARS)), cal, share)
        for text, cal, share in panels[:max_panels]
    ]
    # room for a title of several lines over every panel: the gaps grow, the panels do not
    lines = max(text.count("\n") + 1 for text, _, _ in panels)
    extra = 0.15 * (lines - 1)
    fig = new_figure(11, 1.0 + (1.55 + extra) * len(panels) + extra)
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    # square-root shading: a sparse role's shares of 0.05-0.1 stay visible next to white
    norm = matplotlib.colors.PowerNorm(gamma=0.5, vmin=0.0, vmax=1.0)
    im = None
    for ax, (text, cal, share) in zip(axes, panels, strict=True):
        if share is not None:
            per_hour = share.shape[1] // 24
            im = ax.imshow(
                share,
                aspect="auto",
                cmap=matplotlib.colormaps["Blues"],
                norm=norm,
                origin="upper",
                extent=(0.0, 24.0, 6.5, -0.5),
                interpolation="nearest",
            )
        else:
            per_hour = 60 // _calendar_slot(cal)
            ax.set_xlim(0.0, 24.0)
            ax.set_ylim(6.5, -0.5)
        open_ = np.array([cal.rate_at((k + 0.5) / per_hour) > 0 for k in range(168 * per_hour)])
        # one box per open stretch of a day (one for a calendar open all week)
        boxes = (
            [(0.0, -0.4, 24.0, 6.8)]
            if open_.all()
            else [
                (a / per_hour, d - 0.4, (b - a) / per_hour, 0.8)
                for d in range(7)
                for a, b in true_runs(open_[d * 24 * per_hour : (d + 1) * 24 * per_hour])
            ]
        )
        for x, y, w, h in boxes:
            ax.add_patch(
                Rectangle(
                    (x, y),
                    w,
                    h,
                    fill=share is None,
                    facecolor=SCENARIO,
                    alpha=0.85 if share is None else 1.0,
                    edgecolor=ACCENT,
                    linewidth=1.4,
                )
            )
        ax.set_yticks(range(7))
        ax.set_yticklabels(WEEKDAYS, fontsize=7)
        ax.set_xticks(range(0, 25, 2))
        ax.set_xticklabels([f"{h:02d}:00" for h in range(0, 25, 2)], fontsize=7)
        ax.tick_params(length=2)
        ax.set_title(text, fontsize=8.5, loc="left", color=INK)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel("time of day", fontsize=8)
    fig.suptitle(title, fontsize=10.5, fontweight="bold", color=INK, x=0.02, ha="left")
    if im is not None:
        cax = fig.add_axes((0.93, 0.15, 0.012, 0.7))
        cb = fig.colorbar(im, cax=cax)
        cb.set_label("share of weeks active (square-root scale)", fontsize=7.5)
        cb.ax.tick_params(labelsize=7)
    bottom = 0.55 / fig.get_figheight()
    if hidden:
        fig.text(
            0.02,
            0.1 / fig.get_figheight(),
            "Not drawn (quieter roles): "
            + ", ".join(hidden[:12])
            + (", ..." if len(hidden) > 12 else ""),
            fontsize=7.5,
            color=MUTED,
        )
        bottom += 0.2 / fig.get_figheight()
    fig.subplots_adjust(
        left=0.06,
        right=0.91,
        top=1 - (0.75 + extra) / fig.get_figheight(),
        bottom=bottom,
        hspace=0.55 + extra,
    )
    return _finish(fig, path)
