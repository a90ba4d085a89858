"""One self-contained ``report.html`` per run directory, built from the result files in it.

``build_report(run_dir)`` reads whatever the run left behind and writes ``report.html`` (and the
figures as PNG under ``figures/``). Images are embedded as base64 PNG, styles are inline, there
is no script: the page opens from a file, offline, in any browser, and reads at laptop width.

Files read (each optional; a section whose files are missing says so, or is left out when the
run's command does not write them: an optimize run has no bottlenecks, a simulation no
recommendations, see ``COMMAND_RESULTS``):

==========================  ==============================================================
``kpis.json``               headline KPIs with CIs, steps, roles, funnel, bottleneck
``replications.csv``        KPIs per replication (used when ``kpis.json`` is missing)
``model.yaml``              the process model (else the ``process`` of ``config.yaml``)
``trace.csv.gz``/``.parquet``  the simulated event log: arrivals (cycle times: see below);
                            only its columns ``TRACE_COLUMNS`` are read, in chunks
``cycle_times.csv.gz``      the cycle times the KPIs measured: the cycle-time distribution
``confirmation.json``       baseline vs recommended with paired CIs (``sim.optimize``)
``pareto.csv``, ``trials.csv``  the confirmed candidates (and today's process) and every trial
``best/1.yaml``             the recommended redesign (its diff map)
``recommendations.md``      the recommended changes in plain words
``backtest.json``           calibration quality (simulated vs held-out history)
``instances.csv(.gz)``      calibrated durations per activity instance (fitted vs observed)
``run.json``, ``config.yaml``  command, seed, package versions, the resolved configuration
==========================  ==============================================================
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
import re
import shlex
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.calibrate.backtest_reading import held_out_extract_note
from sim.kpis.compare import WINDOW_EDGE, better_direction
from sim.kpis.summary import (
    SEGMENT_KPIS,
    SEGMENT_PREFIX,
    offered_beyond_hours,
    roles_to_staff,
    split_segment_key,
)
from sim.kpis.units import (
    MONEY_TEXT,
    change_decimals,
    kpi_unit,
    labelled,
    signed_number,
    unit_text,
    value_decimals,
)
from sim.model.run_records import BASELINE_FILES, TRACE_FILES, run_wrote
from sim.model.scenario import staffing_overrides, with_staffing
from sim.model.views import TARGET_UTILISATION
from sim.model.whole_files import write_text_whole
from sim.report._mpl import FALLBACK_FONTS, missing_glyphs, to_png_bytes
from sim.report.diff_map import NEGLIGIBLE_SHARE
from sim.report.layout import finite_number, pretty, title_name

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.model import ProcessModel

REPORT_NAME = "report.html"
VERDICT_LABELS = {
    "cycle_time_mean_within_10pct": "Mean cycle time within 10 % of the history (point estimate)",
    "cycle_time_mean_within_5pct": "Mean cycle time within 5 % of the history (point estimate)",
    "cycle_time_mean_ci95_within_10pct": "Mean cycle time within 10 % over its whole 95 % CI",
    "cycle_time_wasserstein_below_baseline": "Cycle-time Wasserstein distance below the baseline's",
    "cycle_time_emd_below_baseline": "Cycle-time EMD (Simod) below the naive baseline's",
}
FIGURES_DIR = "report"  # the images as PNG files, when asked for (save_figures)
FIGURE_FILES = "[0-9][0-9]_*.png"  # their names in FIGURES_DIR (numbered in report order)
# the lock of the run writing into the directory (``sim.cli.runlock.LOCK``): it goes when the
# run ends, so the report built during the run does not list it
RUN_LOCK = ".sim-run.lock"
DEFAULT_PROGRAM = "python -m sim"
CONSOLE_SCRIPTS = ("sim", "sim.exe")  # pip's script for pyproject's [project.scripts] sim


def run_program(run: Mapping[str, Any] | None) -> str:
    """The program a run was started with, for the commands its pages tell to run next: the
    installed script (``sim``) when its ``run.json`` (``run``) records that program first in
    ``argv`` (``sim.cli.common`` writes the program as typed there), else ``python -m sim``
    (also for a run without that record)."""
    argv = (run or {}).get("argv")
    first = argv[0] if isinstance(argv, list) and argv else None
    return first if first in CONSOLE_SCRIPTS else DEFAULT_PROGRAM


def report_command(program: str, run_dir: Path | str) -> str:
    """The command that rebuilds the report of ``run_dir`` with ``program`` (``run_program``),
    ready to paste into a shell: ``run=<dir>`` is one word, quoted where the shell would split
    or read it (a space, a quote, ``$``: ``'run=/tmp/with space/r1'``, ``shlex.quote``) and as
    it is otherwise. Plain text: a page escapes it (``_esc``) like any other."""
    return f"{program} report {shlex.quote(f'run={run_dir}')}"


#: KPI -> (name, unit); the units are sim.kpis.units' (one place for every report)
HEADLINE_LABELS = labelled(
    {
        "cycle_time_mean": "Mean cycle time",
        "cycle_time_median": "Median cycle time",
        "cycle_time_p90": "90th percentile cycle time",
        "cycle_time_p95": "95th percentile cycle time",
        "dropoff_rate": "Drop-off rate",
        "abandon_rate": "Abandoned while waiting",
        "throughput_per_week": "Throughput",
        "wip_mean": "Work in progress",
        "cost_per_case": "Cost per case",
        "processing_cost_per_case": "Processing cost per case",
        "value_added_ratio": "Value-added share of cycle time",
        "revenue_per_case": "Revenue per case",
        "margin_per_case": "Margin per case",
        "cases_arrived": "Cases measured",
        "headcount": "People on staff (all roles)",
        "utilisation_max": "Highest utilisation",
        "one_off_cost": "One-off cost",
    }
)

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#263238;
margin:0;background:#f4f6f8;line-height:1.45;font-size:15px}
main{max-width:1180px;margin:0 auto;padding:18px 22px 60px;background:#fff;min-height:100vh}
h1{font-size:1.6em;margin:.3em 0 .1em}h2{font-size:1.25em;margin-top:2em;
border-bottom:2px solid #dde4ec;padding-bottom:.2em}h3{font-size:1.05em;margin-top:1.4em}
.sub{color:#607d8b;margin-top:0}
nav{background:#eef2f6;padding:8px 12px;border-radius:6px;margin:12px 0;font-size:.92em}
nav a{margin-right:14px;color:#1565c0;text-decoration:none;white-space:nowrap}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em;max-width:100%}
th,td{border:1px solid #dde4ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tablewrap{overflow-x:auto;max-width:100%}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eceff1}
figure.wide .scroll{overflow-x:auto;border:1px solid #eceff1;max-width:100%}
figure.wide img{max-width:100%;border:0;display:block}
figure.wide .zoom{display:none}
figure.wide label{font-size:.85em;color:#1565c0;cursor:pointer;text-decoration:underline}
figure.wide .zoom:checked~.scroll img{max-width:none}
figcaption{color:#607d8b;font-size:.88em;margin-top:.3em}
.missing{background:#fff8e1;border-left:4px solid #f9a825;padding:6px 10px;color:#5d4037}
.good{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
.muted{color:#607d8b}.changed{color:#1e88e5;font-weight:600}
pre{background:#f7f9fb;border:1px solid #dde4ec;padding:10px;overflow-x:auto;font-size:.82em;
max-height:420px}
code{background:#f1f3f5;padding:0 3px;border-radius:3px}
details{margin:.6em 0}summary{cursor:pointer;color:#1565c0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:.8em 0}
.card{flex:1 1 200px;border:1px solid #dde4ec;border-radius:6px;padding:8px 12px;background:#fbfcfd}
.card .v{font-size:1.35em;font-weight:600}.card .l{color:#607d8b;font-size:.85em}
"""


# ------------------------------------------------------------------------------ reading
class ReportReadWarning(UserWarning):
    """A result file the report draws from is in the run directory but could not be read (the
    page says so where the figures would be; ``python -m sim report`` prints it as a warning)."""


@dataclass
class RunFiles:
    """What a run directory holds (parsed), and which files were missing."""

    run_dir: Path
    kpis: dict[str, Any] | None = None
    replications: pd.DataFrame | None = None
    model: ProcessModel | None = None
    model_source: str | None = None
    trace: TraceSummary | None = None
    trace_error: str | None = None  # "<file> could not be read (<error>)": a trace is there
    confirmation: dict[str, Any] | None = None
    pareto: pd.DataFrame | None = None
    trials: pd.DataFrame | None = None
    recommended: ProcessModel | None = None
    recommendations: str | None = None
    backtest: dict[str, Any] | None = None
    instances: pd.DataFrame | None = None
    run: dict[str, Any] | None = None
    config_text: str | None = None
    problems: list[str] = field(default_factory=list)


def _first(run_dir: Path, *names: str) -> Path | None:
    """The first of ``names`` (one result's alternative files) in ``run_dir``; where its run's
    records say which of them it wrote (``sim.model.run_records.run_wrote``), only that one: the
    others are someone else's, such as a user's kept there by ``output.overwrite=true`` (QA
    rt_files F1: a trace.parquet beside a csv.gz run, a trace beside a run with
    ``output.trace=false``, were drawn as its own). A file its command never writes (results
    copied in) is read as any other."""
    said = [run_wrote(run_dir, n) for n in names]
    if any(s is not None for s in said):
        names = tuple(n for n, s in zip(names, said, strict=True) if s)
    for n in names:
        p = run_dir / n
        if p.is_file():
            return p
    return None


def _own(run_dir: Path, pattern: str) -> list[Path]:
    """The files ``pattern`` names in ``run_dir`` but those its records say its run did not
    write (``_first``)."""
    found = sorted(run_dir.glob(pattern))
    return [p for p in found if run_wrote(run_dir, p.relative_to(run_dir).as_posix()) is not False]


def own_figures(run_dir: Path) -> list[Path]:
    """The numbered PNGs of ``report/`` in ``run_dir`` but those its run's records say it did
    not write (``_own``): the figures of its report builds."""
    return _own(run_dir, f"{FIGURES_DIR}/{FIGURE_FILES}")


def refuse_replacing_figures(run_dir: Path, *, without: str = "save_figures=False") -> None:
    """``ConfigError``, before anything is written, where ``report/`` of ``run_dir`` holds
    numbered PNGs that its run's records say it did not write (a user's ``report/01_x.png``):
    a build with figures removes every earlier build's, so it would remove them too (QA
    rt27_files F2, as ``output.overwrite=true`` refuses them). ``without``: how to build
    without figures, named in the message."""
    if (run_dir / FIGURES_DIR).is_symlink():  # refused as a link (``_save_embedded``)
        return
    own = set(own_figures(run_dir))
    theirs = [p for p in sorted(run_dir.glob(f"{FIGURES_DIR}/{FIGURE_FILES}")) if p not in own]
    if not theirs:
        return
    from sim.errors import ConfigError

    shown = ", ".join(p.relative_to(run_dir).as_posix() for p in theirs[:6])
    one = len(theirs) == 1
    it, yours = ("it", "a file") if one else ("them", "files")
    raise ConfigError(
        f"{run_dir}: holds {shown}{' ...' if len(theirs) > 6 else ''}, which no run record "
        f"there says this tool wrote ({yours} of yours?); a report build with figures replaces "
        f"every numbered figure in {FIGURES_DIR}/, so it would remove {it}, not keep {it}: move "
        f"{it} out of {run_dir / FIGURES_DIR} first, or build the report without figures "
        f"({without})"
    )


#: The columns of a simulated trace the report draws from (arrivals, cycle times of a run from
#: before ``cycle_times.csv.gz``): the others (activity, resource, role, ...) are never read.
TRACE_COLUMNS = (
    "case_id",
    "start_time",
    "end_time",
    "enabled_time",
    "outcome",
    "case_open",
    "replication",
)
TRACE_REQUIRED = ("case_id", "start_time", "end_time")
#: Events read at a time: a trace is summarised chunk by chunk, never held whole in memory.
TRACE_CHUNK_ROWS = 50_000


@dataclass
class TraceSummary:
    """What the report draws from a simulated event log, one row per case in ``cases`` (index
    ``case_id``): ``arrival`` (its first enabled or start time), ``start`` and ``end`` (its first
    start and last end over its finished events, NaT for a case still open); and the number of
    ``replications`` in the log (1 without a ``replication`` column)."""

    cases: pd.DataFrame
    replications: int

    def cycle_times(self) -> np.ndarray:
        """Cycle time (hours) of each finished case, as ``sim.report.charts.cycle_times_from_log``
        measures it on the whole log."""
        done = self.cases[self.cases["start"].notna()]
        return ((done["end"] - done["start"]).dt.total_seconds() / 3600.0).to_numpy(dtype=float)


def read_trace_summary(path: Path, *, chunk_rows: int = TRACE_CHUNK_ROWS) -> TraceSummary:
    """Summarise the simulated event log ``path`` (``.csv``, ``.csv.gz`` or ``.parquet``) per case,
    reading only its ``TRACE_COLUMNS`` and ``chunk_rows`` events at a time: a long trace costs
    the memory of its cases' times, not of its events (a case's events may span chunks: each
    chunk's per-case times are combined at the end)."""
    names = _trace_column_names(path)
    if missing := [c for c in TRACE_REQUIRED if c not in names]:
        raise ValueError(
            f"{path.name}: no column {', '.join(missing)} (a simulated event log has "
            f"{', '.join(TRACE_REQUIRED)}); its columns: {', '.join(map(str, names))}"
        )
    columns = [c for c in TRACE_COLUMNS if c in names]
    parts: list[pd.DataFrame] = []
    replications: set[Any] = set()
    for chunk in _trace_chunks(path, columns, chunk_rows):
        parts.append(_case_times(chunk))
        if "replication" in chunk:
            replications.update(chunk["replication"].dropna().unique())
    if parts:
        cases = (
            pd.concat(parts)
            .groupby(level=0, sort=False)
            .agg({"arrival": "min", "start": "min", "end": "max"})
        )
    else:  # a header and no events
        cases = pd.DataFrame({"arrival": [], "start": [], "end": []}, dtype="datetime64[ns]")
    return TraceSummary(cases, len(replications) if "replication" in columns else 1)


def _trace_column_names(path: Path) -> list[str]:
    """The column names of a trace file, read from its header (CSV) or schema (parquet)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    return list(pd.read_csv(path, nrows=0).columns)


def _trace_chunks(path: Path, columns: list[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The ``columns`` of a trace file, ``chunk_rows`` events at a time."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, columns=columns):
            yield batch.to_pandas()
        return
    # case ids as text in every chunk: a chunk of numeric-looking ids must group with the rest
    with pd.read_csv(path, usecols=columns, dtype={"case_id": str}, chunksize=chunk_rows) as reader:
        yield from reader


def _case_times(events: pd.DataFrame) -> pd.DataFrame:
    """Per case of ``events`` (a chunk of a trace): its first enabled-or-start time (``arrival``),
    and its first start and last end over its finished events (no ``outcome``, or flagged
    ``case_open``: still open), the rules of ``sim.report.charts``' ``arrival_times_from_log``
    and ``cycle_times_from_log``."""
    from sim.report.charts import event_ready_times, finished_events

    start = event_ready_times(events, parse=lambda v: pd.to_datetime(v, format="ISO8601"))
    finished = finished_events(events)
    frame = pd.DataFrame(
        {
            "case_id": events["case_id"].to_numpy(),
            "arrival": start,
            "start": start.where(finished),
            "end": pd.to_datetime(events["end_time"], format="ISO8601").where(finished),
        }
    )
    return frame.groupby("case_id", sort=False).agg(
        arrival=("arrival", "min"), start=("start", "min"), end=("end", "max")
    )


def read_run(run_dir: str | Path) -> RunFiles:
    """Parse every result file of ``run_dir`` that exists (unreadable files are reported)."""
    run_dir = Path(run_dir)
    rf = RunFiles(run_dir)

    def attempt(label: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:  # a damaged file must not stop the rest of the report
            rf.problems.append(f"{label}: could not be read ({type(exc).__name__}: {exc})")
            return None

    if p := _first(run_dir, "kpis.json"):
        rf.kpis = attempt(p.name, lambda: json.loads(p.read_text(encoding="utf-8")))
    if p := _first(run_dir, "replications.csv"):
        rf.replications = attempt(p.name, lambda: pd.read_csv(p))
    if p := _first(run_dir, "run.json"):
        rf.run = attempt(p.name, lambda: json.loads(p.read_text(encoding="utf-8")))
    if p := _first(run_dir, "config.yaml"):
        rf.config_text = attempt(p.name, lambda: p.read_text(encoding="utf-8"))
    rf.model, rf.model_source = _read_model(run_dir, rf)
    if p := _first(run_dir, "trace.parquet", "trace.csv.gz", "trace.csv"):
        try:
            rf.trace = read_trace_summary(p)
        except Exception as exc:  # damaged, or a MemoryError: bottlenecks and console say so
            rf.trace_error = f"{p.name} could not be read ({type(exc).__name__}: {exc})"
            rf.problems.append(f"{p.name}: could not be read ({type(exc).__name__}: {exc})")
    if p := _first(run_dir, "confirmation.json"):
        rf.confirmation = attempt(p.name, lambda: json.loads(p.read_text(encoding="utf-8")))
    if p := _first(run_dir, "pareto.csv"):
        rf.pareto = attempt(p.name, lambda: pd.read_csv(p))
    if p := _first(run_dir, "trials.csv"):
        rf.trials = attempt(p.name, lambda: pd.read_csv(p))
    if p := _first(run_dir, "best/1.yaml"):
        from sim.model import load

        rf.recommended = attempt("best/1.yaml", lambda: load(p))
    if p := _first(run_dir, "recommendations.md"):
        rf.recommendations = attempt(p.name, lambda: p.read_text(encoding="utf-8"))
    if p := _first(run_dir, "backtest.json"):
        rf.backtest = attempt(p.name, lambda: json.loads(p.read_text(encoding="utf-8")))
    if p := _first(run_dir, "instances.parquet", "instances.csv.gz", "instances.csv"):
        rf.instances = attempt(
            p.name, lambda: pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p)
        )
    if rf.kpis is None and rf.replications is not None and rf.model is not None:
        from sim.kpis import kpi_report

        # the cases of its pooled percentiles, where the run wrote them
        cycle = run_dir / "cycle_times.csv.gz"
        rf.kpis = attempt(
            "replications.csv (KPI summary)",
            lambda: kpi_report(
                rf.replications,
                rf.model,
                cycle_times=_measured_cases(cycle) if cycle.is_file() else None,
            ),
        )
    return rf


def _read_model(run_dir: Path, rf: RunFiles) -> tuple[ProcessModel | None, str | None]:
    from sim.model import from_dict, load

    cfg: dict[str, Any] = {}
    if rf.config_text:
        try:
            import yaml

            loaded = yaml.safe_load(rf.config_text)
            cfg = loaded if isinstance(loaded, dict) else {}
        except Exception as exc:
            rf.problems.append(f"config.yaml: could not be read ({type(exc).__name__})")
    if p := _first(run_dir, "model.yaml", "model.json"):
        try:  # the run's model file holds the headcounts before its scenario.staffing
            return _staffed(load(p), cfg), p.name
        except Exception as exc:
            rf.problems.append(f"{p.name}: could not be read ({type(exc).__name__}: {exc})")
    if cfg:
        try:
            spec = cfg.get("process")
            if isinstance(spec, dict) and "steps" in spec:
                model = from_dict(spec, source="config.yaml: process")
                return _staffed(model, cfg), "config.yaml (process)"
            if isinstance(spec, dict) and spec.get("path"):
                path = Path(str(spec["path"]))
                return _staffed(load(path), cfg), f"{path} (from config.yaml)"
        except Exception as exc:
            rf.problems.append(f"config.yaml: no usable process model ({type(exc).__name__})")
    return None, None


def _staffed(model: ProcessModel, cfg: dict[str, Any]) -> ProcessModel:
    """``model`` with the headcounts of the config's ``scenario.staffing``: today's process as
    the run simulated it (an optimize run searches from it and its ``best/<rank>.yaml`` hold
    it, so the diff map shows only the redesign's staffing changes)."""
    from sim.model.scenario import Scenario

    scenario = cfg.get("scenario") if isinstance(cfg.get("scenario"), dict) else {}
    staffing = scenario.get("staffing") or {}
    if not isinstance(staffing, dict) or not staffing:
        return model
    typed = Scenario(staffing=dict(staffing)).for_model(model).staffing  # names as typed
    return with_staffing(model, {k: v for k, v in typed.items() if k in model.roles})


# ----------------------------------------------------------------------------- formatting
def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


MONEY_UNIT = MONEY_TEXT
CHANGE_DECIMALS = 2
"""Decimals of a change and its interval in the optimize summary's table: those of
recommendations.md (``sim.optimize.outputs``), so the page and the file read alike."""


def _significant_digits(x: float, digits: int = 4, sign: str = "") -> str:
    """``x`` with ``digits`` significant digits, never in e-notation (0.0000014, not 1.4e-06)."""
    text = np.format_float_positional(
        abs(x), precision=digits, unique=False, fractional=False, trim="-"
    )
    return ("-" if x < 0 else sign) + text


def readable_value(v: Any, unit: str) -> str:
    """A KPI's value in the optimize summary's table, rounded as recommendations.md rounds it
    (``sim.optimize.outputs._fmt``): thousands separators and ``VALUE_DIGITS`` significant
    digits at least, money with no decimals from 100 on (``134 cost units``, ``42.9 cost
    units``, ``0.0120 cost units``), other units with one at least (``24.6 h``, ``0.0300 h``),
    a share in % with one decimal (more where a value that is not 0 would read 0.0); ``–`` for
    a missing number."""
    if not finite_number(v):
        return "–"
    x = float(v)
    if unit == "%":
        x *= 100
        return f"{x:.{change_decimals([x], least=1)}f} %"
    d = value_decimals(x, 0 if unit == "money" else 1)
    shown = "" if unit == "cases" else unit_text(unit)
    return f"{x:,.{d}f} {shown}".strip()


def _num(v: Any, unit: str = "", *, signed: bool = False) -> str:
    """A number for a table (``signed``: a difference, with percentages as percentage points)."""
    if v is None:
        return "–"
    try:
        x = float(v)
    except (TypeError, ValueError):
        return _esc(v)
    if not math.isfinite(x):
        return "–"
    sign = "+" if signed else ""
    if unit == "%":
        return f"{100 * x:{sign}.1f} pp" if signed else f"{100 * x:.1f} %"
    if unit == "money":  # as readable_value: 0.012 read 0.01 (QA cost17)
        return f"{x:{sign},.{value_decimals(x, 0)}f} {MONEY_UNIT}"
    text = f"{x:{sign},.0f}" if abs(x) >= 1000 else _significant_digits(x, 4, sign)
    return f"{text} {unit}".strip() if unit and unit != "cases" else text


def _change(v: Any, unit: str) -> str:
    """A signed difference; percentages become percentage points."""
    return _num(v, unit, signed=True)


def change_cells(diff: Any, low: Any, high: Any, unit: str) -> tuple[str, str]:
    """A change and its 95 % interval ``[low, high]``, each with its unit, rounded as
    recommendations.md rounds them: ``CHANGE_DECIMALS`` decimals, more where all three would
    read 0 and one is not (``change_decimals``; none when all three are whole numbers, a
    headcount), percentages as percentage points; ``–`` for a missing number; one that reads 0
    is ``0.00``, never ``-0.00`` (``signed_number``)."""
    scale = 100.0 if unit == "%" else 1.0
    values = [float(v) * scale if finite_number(v) else None for v in (diff, low, high)]
    numbers = [v for v in values if v is not None]
    whole = bool(numbers) and all(v.is_integer() for v in numbers)
    # more decimals where the change and its interval would all read 0 (+0.0020 [+0.0018,
    # +0.0022], not +0.00 [+0.00, +0.00]; QA cost17), as recommendations.md shows them
    hidden = all(round(v, CHANGE_DECIMALS) == 0 for v in numbers)
    decimals = 0 if whole else change_decimals(numbers) if hidden else CHANGE_DECIMALS
    shown = "pp" if unit == "%" else "" if unit == "cases" else unit_text(unit)

    def fmt(x: float | None) -> str:
        return "–" if x is None else f"{signed_number(x, decimals)} {shown}".strip()

    return fmt(values[0]), f"[{fmt(values[1])}, {fmt(values[2])}]"


def _ci_text(ci: Mapping[str, Any] | None, unit: str) -> tuple[str, str]:
    if not ci:
        return "–", ""
    mean = _num(ci.get("mean"), unit)
    lo, hi = ci.get("ci_low"), ci.get("ci_high")
    if lo is None or hi is None or not all(math.isfinite(float(v)) for v in (lo, hi)):
        return mean, ""
    return mean, f"[{_num(lo, unit)}, {_num(hi, unit)}]"


_ZOOM_IDS = iter(range(1, 1 << 30))


def _drawn_part(model: ProcessModel, text: str) -> str:
    """``text`` with ``{n}`` the number of steps a map of ``model`` draws, when it draws only
    its most visited part (``sim.report.process_map.MAP_STEPS_MAX``); else ``""``."""
    from sim.report.process_map import MAP_STEPS_MAX

    if MAP_STEPS_MAX is None or len(model.steps) <= MAP_STEPS_MAX:
        return ""
    return text.format(n=MAP_STEPS_MAX)


def _img(fig: Figure, *, alt: str, caption: str = "", wide: bool = False, dpi: float = 96) -> str:
    """A figure as an embedded PNG. ``wide``: fitted to the page, with a switch that shows it at
    full size (scrolling sideways); one copy of the image either way (two made a BPIC report
    several megabytes), switched by CSS alone so the page needs no script."""
    png = to_png_bytes(fig, dpi=dpi)
    data = base64.b64encode(png).decode("ascii")
    tag = f'<img src="data:image/png;base64,{data}" alt="{_esc(alt)}">'
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    if wide:
        zid = f"zoom-{next(_ZOOM_IDS)}"
        return (
            f'<figure class="wide"><input type="checkbox" class="zoom" id="{zid}">'
            f'<label for="{zid}">full size (scroll sideways)</label>'
            f'<div class="scroll">{tag}</div>{cap}</figure>'
        )
    return f"<figure>{tag}{cap}</figure>"


def _missing(text: str) -> str:
    return f'<p class="missing">{text}</p>'


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f'<div class="tablewrap"><table><tr>{head}</tr>{body}</table></div>'


def markdown_to_html(text: str) -> str:
    """A small, safe Markdown subset: headings, lists, tables, paragraphs, bold, code."""

    def inline(s: str) -> str:
        s = _esc(s)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        s = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", s)
        return s

    out: list[str] = []
    lines = text.splitlines()
    i = 0
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            flush()
            i += 1
            continue
        if m := re.match(r"^(#{1,6})\s+(.*)$", line):
            flush()
            level = min(len(m.group(1)) + 2, 6)  # page sections are h2: nest below them
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
            i += 1
            continue
        if line.lstrip().startswith(("- ", "* ")):
            flush()
            items = []
            while i < len(lines) and lines[i].lstrip().startswith(("- ", "* ")):
                items.append("<li>" + inline(lines[i].lstrip()[2:]) + "</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        if line.lstrip().startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                    rows.append(cells)
                i += 1
            if rows:
                head = "".join(f"<th>{inline(c)}</th>" for c in rows[0])
                body = "".join(
                    "<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in rows[1:]
                )
                out.append(f'<div class="tablewrap"><table><tr>{head}</tr>{body}</table></div>')
            continue
        para.append(line.strip())
        i += 1
    flush()
    return "\n".join(out)


# ------------------------------------------------------------------------------- sections
@dataclass
class Section:
    """One section of the page (``empty``: it only says which results the run lacks)."""

    id: str
    title: str
    body: str
    empty: bool = False


#: The results each command writes (``run.json``'s ``command``). A section, or a note of the
#: summary, about results the run's command does not write is left out when they are missing:
#: "no optimisation results" says nothing about a simulation. Other commands show every one.
COMMAND_RESULTS = {
    "simulate": {"kpis"},
    "optimize": {"optimisation"},
    "calibrate": {"calibration"},
}
#: The results each section shows (the map and the reproducibility section apply to every run).
SECTION_RESULTS = {
    "summary": {"kpis", "optimisation"},
    "bottlenecks": {"kpis"},
    "recommendations": {"optimisation"},
    "calibration": {"calibration"},
}


def _applies(section: Section, command: str) -> bool:
    """Whether ``section`` belongs on the report of a ``command`` run: always when it has
    something to show, else when the command writes the results it lacks."""
    results = COMMAND_RESULTS.get(command)
    needs = SECTION_RESULTS.get(section.id)
    return not section.empty or results is None or needs is None or bool(needs & results)


_PER_ITEM = {
    "waiting_mean": ("waiting before {}", "h"),
    "processing_mean": ("processing at {}", "h"),
    "utilisation": ("utilisation of {}", "%"),
    "reached": ("share of cases reaching {}", "%"),
    "queue_share": ("queueing for staff at {}, share of cycle time", "%"),
    "outcome_share": ("share of cases ending {}", "%"),
}


#: the KPIs of each segment (``sim.kpis.summary.SEGMENT_KPIS``) not among the headline's
SEGMENT_LABELS = labelled(
    {"conversion_rate": "Conversion rate", "waiting_per_case": "Waiting per case"}
)


def kpi_label(key: str) -> tuple[str, str]:
    """A readable label and unit for a KPI key (``waiting_mean:AML Check`` -> ``waiting before
    AML Check``, h; ``segment:key_account:cycle_time_mean`` -> ``key_account: Mean cycle
    time``, h)."""
    if key in HEADLINE_LABELS:
        return HEADLINE_LABELS[key]
    if key in SEGMENT_LABELS:
        return SEGMENT_LABELS[key]
    if (per_segment := split_segment_key(key)) is not None:
        segment, kpi = per_segment
        text, unit = kpi_label(kpi)
        return f"{segment}: {text}", unit
    name, sep, item = key.partition(":")
    if sep and name in _PER_ITEM:
        text, unit = _PER_ITEM[name]
        return text.format(item), unit
    return key, kpi_unit(key)  # a share shown in %, its change in pp (QA retest #5)


def _summary_label(key: str) -> tuple[str, str]:
    """``kpi_label`` for the summary's cards and table, whose numbers (``_num``) leave the unit
    ``cases`` out: it is in the label instead (``Work in progress (cases)``), unless the label
    says it already (``Cases measured``)."""
    label, unit = kpi_label(key)
    if unit == "cases" and "case" not in label.lower():
        label = f"{label} (cases)"
    return label, unit


def _summary(rf: RunFiles, results: Collection[str] | None = None) -> Section:
    """Headline KPIs and the baseline-vs-recommended comparison. ``results``: what the run's
    command writes (``COMMAND_RESULTS``); a note that other results are missing is left out
    (None: every note)."""
    parts = []
    k = rf.kpis
    if k:
        head = k.get("headline") or {}
        one = _measured(k) in (0, 1)  # no interval: one replication, or none, measured
        parts.append(f"<p>{_replications_text(k)}.</p>")
        for warning in k.get("warnings") or ():  # before the figures they qualify
            parts.append(f'<p class="missing"><b>{_esc(warning)}</b></p>')
        cards = []
        for key in ("cycle_time_mean", "cycle_time_p90", "dropoff_rate", "throughput_per_week"):
            if key in head and head[key]:
                label, unit = _summary_label(key)
                mean, ci = _ci_text(head[key], unit)
                interval = "" if one else f'<div class="l">95 % CI {ci or "–"}</div>'
                cards.append(
                    f'<div class="card"><div class="l">{_esc(label)}</div>'
                    f'<div class="v">{mean}</div>{interval}</div>'
                )
        if cards:
            parts.append('<div class="cards">' + "".join(cards) + "</div>")
        rows = []
        for key, ci in head.items():
            label, unit = _summary_label(key)
            mean, rng = _ci_text(ci, unit)
            rows.append([_esc(label), mean] if one else [_esc(label), mean, rng])
        if rows:
            headers = ["KPI", "value"] if one else ["KPI", "mean", "95 % CI"]
            parts.append(_table(headers, rows, numeric={1} if one else {1, 2}))
        parts += _segment_table(k.get("by_segment"), one=one)
    elif results is None or "kpis" in results:
        parts.append(
            _missing(
                "No <code>kpis.json</code> (or <code>replications.csv</code> with a model) "
                "in this run: no simulated KPIs to summarise."
            )
        )
    comp = _best_comparison(rf)
    if comp:
        verdict = comp.get("verdict", "")
        what = (
            "recommended redesign"
            if _recommended(comp)
            else "the best candidate tried (not recommended)"
        )
        pruned = ", without the changes dropped after the ablation" if comp.get("original") else ""
        # "judged on 4 of 9 paired replications" where some measured nothing
        # (``sim.optimize.confirm.judged_words``; None or absent otherwise)
        judged = f", {comp['judged']}" if comp.get("judged") else ""
        parts.append(
            f"<h3>Baseline vs {what} (rank 1, trial {_esc(comp.get('trial'))}{pruned}: "
            f"{_esc(verdict)}{_esc(judged)})</h3>"
        )
        rows: list[list[str]] = []
        small: list[list[str]] = []  # per-step changes too small to matter: folded away
        directions = {
            o.get("kpi"): o.get("direction") for o in rf.confirmation.get("objectives") or []
        }
        comparison = comp.get("comparison") or {}
        limit = negligible_change(comparison)
        edges: list[tuple[str, str]] = []  # (label, why): changes of the window's edges
        for key, r in _summary_order(comparison):
            label, unit = kpi_label(key)
            sig = r.get("significant")
            diff, ci = change_cells(r.get("diff"), r.get("ci_low"), r.get("ci_high"), unit)
            cls = "muted"
            adjusted = r.get("significant_adjusted")  # an objective: Holm's decision
            edge = window_edge_reason(r)  # neither better nor worse: not coloured
            if sig and r.get("diff") is not None and not edge:
                way = directions.get(key) or (
                    "maximize" if better_direction(key) == "higher" else "minimize"
                )
                lower_better = way == "minimize"
                better = (float(r["diff"]) < 0) == lower_better
                # an improvement of an objective counts only after Holm (as in the verdict); a
                # worsening as soon as its unadjusted CI excludes 0
                if not better:
                    cls = "bad"
                elif adjusted is not False:
                    cls = "good"
            holm = "-"
            if r.get("identical"):  # the same in every replication: no test, out of the family
                holm = "no change (identical)"
            elif adjusted is not None:
                holm = "yes" if adjusted else "no"
                if r.get("p_adjusted") is not None:
                    p = float(r["p_adjusted"])
                    holm += " (p < 0.001)" if p < 0.001 else f" (p = {p:.3f})"
            if edge:  # as recommendations.md marks it
                holm += f"; {WINDOW_EDGE}: neither better nor worse"
                edges.append((label, edge))
            row = [
                _esc(label),
                readable_value(r.get("base"), unit),
                readable_value(r.get("alt"), unit),
                f'<span class="{cls}">{diff}</span>',
                ci,
                "yes" if sig else "no",
                _esc(holm),  # "p < 0.001": the cells are HTML
            ]
            per_step = ":" in key and not key.startswith(SEGMENT_PREFIX) and unit == "h"
            negligible = limit is not None and abs(_number(r.get("diff"))) < limit[0]
            (small if per_step and negligible else rows).append(row)
        if rows or small:
            headers = [
                "KPI",
                "baseline",
                "recommended" if _recommended(comp) else "candidate",
                "change",
                "95 % CI of change",
                "significant (unadjusted)",
                "after Holm",
            ]
            if rows:
                parts.append(_table(headers, rows, numeric={1, 2, 3, 4}))
            if small and limit is not None:
                parts.append(
                    f"<details><summary>{len(small)} step{'s' if len(small) != 1 else ''} "
                    f"whose mean waiting changed by less than {_esc(limit[1])}</summary>"
                    + _table(headers, small, numeric={1, 2, 3, 4})
                    + "</details>"
                )
            conf = rf.confirmation or {}
            reps = (conf.get("baseline_confirmation") or {}).get("replications")
            mc = conf.get("multiple_comparisons") or {}
            fresh = (
                f" on replications #{reps[0]}-#{reps[1]}, which the search did not use"
                if reps
                else ""
            )
            same = mc.get("left_out_identical") or 0
            n_tests = mc.get("comparisons") or 0
            holm_note = (
                f" The verdict counts an improvement only when it stays significant after "
                f"Holm's adjustment for the {n_tests} comparison{'s' if n_tests != 1 else ''} "
                "of the confirmation with any difference (every candidate on every objective, "
                "and every version pruning confirmed, a test a version repeats on the same "
                "data counted once"
                + (
                    f"; {same} identical in every replication with and without the redesign "
                    "left out: no test"
                    if same
                    else ""
                )
                + "): the after-Holm column, by which an objective's improvement is coloured."
                if n_tests
                else ""
            )
            parts.append(
                '<p class="muted">Paired comparison: both simulated with the same random '
                f"numbers{_esc(fresh)}, so the change is the redesign's effect up to the "
                "interval; significant = its (unadjusted) 95 % interval excludes 0."
                f"{_esc(holm_note)}</p>"
            )
            parts += [f'<p class="muted">{_esc(window_edge_text(*e))}</p>' for e in edges]
    elif rf.confirmation is None and (results is None or "optimisation" in results):
        parts.append(
            '<p class="muted">No optimisation results (<code>confirmation.json</code>) in this '
            "run: no baseline-vs-recommended comparison.</p>"
        )
    return Section("summary", "Summary", "\n".join(parts), empty=not k and comp is None)


def window_edge_reason(row: Mapping[str, Any]) -> str:
    """Why a comparison row of ``confirmation.json`` is a throughput change of the measurement
    window's edges (its ``window_edge``, ``sim.optimize.confirm.mark_window_edges``), or ''
    (every other row, and a run from before the rule)."""
    note = row.get("window_edge")
    return note if isinstance(note, str) else ""


def window_edge_text(label: str, reason: str) -> str:
    """The summary's note on a ``WINDOW_EDGE`` row (``label``: the KPI's, ``reason``: its
    ``window_edge``), worded as recommendations.md words it."""
    return (
        f"({WINDOW_EDGE}: the {label.lower()} change is the measurement window's, not the "
        f"redesign's: {reason}; under the same demand that is a one-off shift at the window's "
        "edges, neither better nor worse, and the verdict does not count it)"
    )


def _measured(k: Mapping[str, Any]) -> Any:
    """How many replications ``kpis.json``'s values are of (``charts.measured_count``)."""
    from sim.report.charts import measured_count

    return measured_count(k)


def _replications_text(k: Mapping[str, Any]) -> str:
    """The summary's first sentence (HTML): how many replications of which model (and how many
    measured, where some measured nothing), and what its values are: means with their 95 %
    confidence intervals, or, of one replication, that one's values without any (as the
    console's header says: QA rt_engine F6, the page read "1 replications ... with their 95 %
    confidence intervals" above cards of "95 % CI –")."""
    reps, measured = k.get("replications"), _measured(k)
    model = f"<code>{_esc(k.get('model', '?'))}</code>"
    head = (
        f"1 replication of model {model}"
        if reps == 1
        else f"{_esc(reps)} replications of model {model}"
    )
    if measured == 0:  # QA rt27_engine F3: read as "not given", it promised 95 % intervals
        which = "not measured (its" if reps == 1 else "none measured (their"
        return (
            f"{head}, {which} cases all arrived in the warm-up: see the warning); no KPI of "
            "the measurement window has a value, and none has a confidence interval"
        )
    over = "replications"
    if measured != reps and measured:
        head += (
            f", {_esc(measured)} measured (the others' cases all arrived in the warm-up: see the "
            "warning)"
        )
        over = f"those {_esc(measured)}"
    if measured == 1:
        more = " (raise scenario.replications for them)" if reps == 1 else ""
        return (
            f"{head}; values are that replication's, with no confidence intervals: one "
            f"replication has no spread{more}"
        )
    return (
        f"{head}; values are means over {over} with their 95 % confidence intervals"
        + _estimators_text(k.get("estimators"))
    )


def _segment_table(rows: Any, *, one: bool = False) -> list[str]:
    """``kpis.json``'s ``by_segment`` view (a model of two or more segments) as a heading and a
    table, a column per segment; [] without one. ``one``: a run of one replication, whose
    values have no interval."""
    if not isinstance(rows, list) or not rows:
        return []
    names = [str(r.get("segment")) for r in rows]
    body = []
    for kpi in SEGMENT_KPIS:
        label, unit = kpi_label(kpi)
        cells = []
        for r in rows:
            mean, ci = _ci_text(r.get(kpi), unit)
            cells.append(f'{mean}<br><span class="muted">{ci}</span>' if ci else mean)
        body.append([_esc(label), *cells])
    return [
        "<h3>By segment</h3>",
        '<p class="muted">The same KPIs for each case segment\'s own cases (measured as the '
        "overall ones: cases that arrived after the warm-up; the means and rates over those "
        "that finished)"
        + (
            " in the one replication"
            if one
            else ", with their 95 % confidence intervals over replications"
        )
        + ". A change that helps the whole can harm one segment.</p>",
        _table(["KPI", *map(_esc, names)], body, numeric=set(range(1, len(names) + 1))),
    ]


def _number(v: Any) -> float:
    return float(v) if finite_number(v) else math.nan


def negligible_change(comparison: Mapping[str, Mapping[str, Any]]) -> tuple[float, str] | None:
    """The change in waiting (h) below which a step's change is negligible:
    ``NEGLIGIBLE_SHARE`` of today's mean cycle time (``comparison``'s ``cycle_time_mean``
    baseline), with its wording (``2.0 h (1 % of today's mean cycle time, 204.2 h)``); None
    without a cycle time."""
    cycle = _number((comparison.get("cycle_time_mean") or {}).get("base"))
    if not cycle > 0:
        return None
    limit = NEGLIGIBLE_SHARE * cycle
    amount = f"{limit:.1f} h" if limit >= 1.0 else f"{limit * 60:.1f} min"
    return limit, (
        f"{amount} ({100 * NEGLIGIBLE_SHARE:g} % of today's mean cycle time, {_num(cycle, 'h')})"
    )


def _summary_order(
    comparison: Mapping[str, Mapping[str, Any]],
) -> list[tuple[str, Mapping[str, Any]]]:
    """The rows of a candidate's comparison worth a line: the scenario-wide KPIs in their
    order, then the per-step ones by the size of their change, largest first (a row zero
    before and after, a timer's waiting, left out)."""
    rows = [
        (k, r)
        for k, r in comparison.items()
        if isinstance(r, Mapping) and (r.get("base") or r.get("alt"))
    ]
    # (a case segment's KPI, an objective maybe, is one of the scenario-wide ones)
    head = [(k, r) for k, r in rows if ":" not in k or k.startswith(SEGMENT_PREFIX)]
    items = [(k, r) for k, r in rows if ":" in k and not k.startswith(SEGMENT_PREFIX)]
    size = [abs(_number(r.get("diff"))) for _, r in items]
    order = sorted(range(len(items)), key=lambda i: -size[i] if math.isfinite(size[i]) else 0.0)
    return head + [items[i] for i in order]


def _today_breaks_constraints(rf: RunFiles) -> bool:
    """Whether today's process breaks the search's constraints itself (``pareto.csv``'s
    baseline row, judged on its confirmed means)."""
    table = rf.pareto
    if table is None or not {"is_baseline", "feasible"} <= set(table.columns):
        return False
    today = table[table["is_baseline"].astype(str).str.lower() == "true"]
    return bool(len(today)) and str(today["feasible"].iloc[0]).lower() == "false"


def _recommended(candidate: Mapping[str, Any]) -> bool:
    """Whether a candidate of ``confirmation.json`` is recommended (runs before the field was
    written: better than today or a trade-off, and feasible)."""
    if "recommended" in candidate:
        return bool(candidate["recommended"])
    return (
        candidate.get("verdict") in ("better", "trade-off")
        and candidate.get("feasible", True) is not False
    )


def _best_comparison(rf: RunFiles) -> dict[str, Any] | None:
    if not rf.confirmation:
        return None
    cands = rf.confirmation.get("candidates") or []
    for c in cands:
        if c.get("rank") == 1:
            return c
    return cands[0] if cands else None


def _map_section(rf: RunFiles) -> Section:
    from sim.report.charts import bottleneck_step, bottleneck_tied_with, waiting_share_kpi
    from sim.report.export import to_mermaid
    from sim.report.process_map import draw_process_map

    if rf.model is None:
        return Section(
            "map",
            "Process map",
            _missing(
                "No process model (<code>model.yaml</code>, or a <code>process</code> in "
                "<code>config.yaml</code>) in this run: no map."
            ),
        )
    kpi = waiting_share_kpi(rf.kpis) if rf.kpis else None
    # the step kpis.json, the console and the Bottlenecks section name, not the darkest one
    bottleneck = bottleneck_step(rf.kpis) if rf.kpis else None
    tied = bottleneck_tied_with(rf.kpis) if rf.kpis and bottleneck else []
    legend = (
        "Swimlanes are roles; rounded boxes are the start and the ends (green border: "
        "success, red: drop-off); diamonds are decisions with branch probabilities (+: "
        "parallel); red dashed arrows are rework loops."
        + (" Steps are coloured by their waiting share of cycle time. " if kpi else "")
        + (_bottleneck_legend(rf.kpis) if kpi else "")
    )
    view = _activity_view(rf.model)
    parts = []
    if view is not None:
        activity = _view_step(view, bottleneck)
        marked = (
            f" Here it is on {_esc(pretty(activity))}, the activity that step is part of."
            if activity not in (None, bottleneck)
            else ""
        )
        parts.append(
            _img(
                draw_process_map(
                    view,
                    kpi=_merged_kpi(view, kpi, rf.kpis),
                    bottleneck=activity,
                    mark_bottleneck=activity is not None,
                    tied_with=[
                        a for t in tied if (a := _view_step(view, t)) not in (None, activity)
                    ],
                    title=f"{title_name(rf.model.name)}: process map, one step per activity",
                ),
                alt=f"process map of {rf.model.name}, one step per activity",
                caption=(
                    f"The {len(rf.model.steps)} steps of the model drawn as the "
                    f"{len(view.steps)} activities of its log: repetitions of an activity done "
                    "several times in a row and the delay timers before them are one step, and "
                    "a loop back to a step is its repetition (probabilities from the model's "
                    "expected visits; the simulation uses the steps themselves). " + legend + marked
                ),
            )
        )
    fig = draw_process_map(
        rf.model,
        kpi=kpi or None,
        bottleneck=bottleneck,
        mark_bottleneck=bottleneck is not None,
        tied_with=tied,
    )
    full = _img(
        fig,
        alt=f"process map of {rf.model.name}",
        wide=True,
        dpi=80,
        caption=legend,
    )
    if view is not None:
        shown = _drawn_part(rf.model, ", the {n} most visited")
        full = (
            f"<details><summary>The model's own {len(rf.model.steps)} steps{shown}</summary>"
            f"{full}</details>"
        )
    from sim.report.compare import _count  # compare imports this module

    counts = [
        _count(len(rf.model.steps), "step"),
        _count(len(rf.model.decisions), "decision"),
        _count(len(rf.model.parallels), "parallel block"),
        _count(len(rf.model.roles), "role"),
    ]
    parts += [
        full,
        # no punctuation right after the file name: its padded code box read as
        # "model.yaml : 13 steps" (QA walk28)
        f'<p class="muted">The model in <code>{_esc(rf.model_source)}</code> has '
        f"{', '.join(counts[:-1])} and {counts[-1]}.</p>",
        "<details><summary>The map as Mermaid text (paste into Markdown)</summary><pre>"
        + _esc(to_mermaid(rf.model))
        + "</pre></details>",
    ]
    return Section("map", "Process map", "\n".join(parts))


def _bottleneck_legend(kpis: Mapping[str, Any]) -> str:
    """What the map's heavy border means: the KPI report's bottleneck (and the steps tied with
    it, dashed), or that there is none."""
    from sim.report.charts import bottleneck_step, bottleneck_tied_with

    bottleneck = bottleneck_step(kpis)
    if not kpis.get("bottleneck"):  # no step done by staff: nothing to say about a border
        return ""
    if bottleneck is None:
        return (
            "No step has the heavy border: nowhere do cases queue for staff for 1 % "
            "of the cycle time (see Bottlenecks)."
        )
    tied = bottleneck_tied_with(kpis)
    return (
        f"The heavy border marks the bottleneck, {_esc(pretty(bottleneck))}: the step where "
        "cases queue longest for staff (see Bottlenecks), which need not be the darkest: "
        "waiting also counts hand-off delays and the wait for a shift to open."
        + (
            f" It is statistically tied with {', '.join(_esc(pretty(t)) for t in tied)} "
            "(dashed heavy border): another seed may name one of them; treat them together."
            if tied
            else ""
        )
    )


def _view_step(view: ProcessModel, step: str | None) -> str | None:
    """The activity of ``view`` (``_activity_view``) that holds the model's step ``step``."""
    for name, s in view.steps.items():
        if step in ((s.provenance or {}).get("merged_steps") or [name]):
            return name
    return None


def _activity_view(model: ProcessModel) -> ProcessModel | None:
    from sim.model.views import activity_view

    try:
        return activity_view(model)
    except ValueError:  # routing that never ends: the full map still shows it
        return None


def _staffing_views(
    model: ProcessModel, redesigned: ProcessModel
) -> tuple[ProcessModel, ProcessModel] | None:
    """Both models one step per activity, when the model has such a view (a calibrated one)
    and the redesign changes nothing but headcounts (other changes name the model's steps)."""
    changes = list((redesigned.metadata or {}).get("changes") or [])
    if set(model.steps) != set(redesigned.steps) or any(
        c.get("operator") != "staffing" for c in changes
    ):
        return None
    base, new = _activity_view(model), _activity_view(redesigned)
    if base is None or new is None:
        return None
    return base, replace(new, metadata={**(new.metadata or {}), "changes": changes})


def _merged_kpi(
    view: ProcessModel, kpi: Mapping[str, float] | None, report: Mapping[str, Any] | None = None
) -> dict[str, float] | None:
    """Waiting shares add up: an activity's is the sum over its steps and their timers. A
    timer's own share is the time cases spend in it (``timer_share:<timer>`` of ``report``'s
    ``all``), not its waiting, which is 0: without it the box the caption says holds the timers
    was coloured without them (QA retest: 3 % on the map for an activity whose cases wait 68 % of
    their cycle time in it, as the console's by-activity line said)."""
    if not kpi:
        return None
    timers = {
        key.split(":", 1)[1]: ci.get("mean")
        for key, ci in ((report or {}).get("all") or {}).items()
        if key.startswith("timer_share:") and isinstance(ci, Mapping)
    }
    kpi = {
        **kpi,
        **{t: float(v) for t, v in timers.items() if v is not None and math.isfinite(v)},
    }
    out = {}
    for name, step in view.steps.items():
        steps = (step.provenance or {}).get("merged_steps") or [name]
        vals = [kpi[s] for s in steps if s in kpi]
        if vals:
            out[name] = float(sum(vals))
    return out or None


def _role_view_text(b: Mapping[str, Any]) -> list[str]:
    """The role whose steps together make cases queue longest (``bottleneck.by_role``), when it
    is not one of the bottleneck step's roles, as the console's ``by role:`` line says it."""
    r = b.get("by_role")
    q = (r or {}).get("queue_share") or {}
    if not r or r["role"] in (b.get("roles") or {}) or (q.get("mean") or 0.0) < 0.01:
        return []
    share, share_ci = _ci_text(q, "%")
    steps = ", ".join(_esc(pretty(s)) for s in r.get("steps") or ())
    tied = [x for x in b.get("roles") or {} if x in (r.get("tied_with") or [])]
    return [
        f"<p>By role: cases queue for <strong>{_esc(pretty(r['role']))}</strong> {share} "
        f"{share_ci} of the cycle time in all, over its steps ({steps}), more than at "
        f"{_esc(pretty(b['step']))}"
        + (f" (its staff busy {_num(r['utilisation'], '%')})" if r.get("utilisation") else "")
        + (
            f"; statistically tied with {', '.join(_esc(pretty(t)) for t in tied)}.</p>"
            if tied
            else ": a role spread over several steps may hold cases up more than the step "
            "named, and more staff there may shorten the cycle time more.</p>"
        )
    ]


def _unfinished_text(k: Mapping[str, Any]) -> list[str]:
    """Where the measured cases still in progress at the stop were waiting (``unfinished``)."""
    u = k.get("unfinished")
    if not u:
        return []
    share, share_ci = _ci_text(u.get("share"), "%")
    at = u.get("waiting_at") or []
    where = (
        " They were waiting at "
        + ", ".join(
            f"{_esc(pretty(w['step']))} ({' '.join(_ci_text(w.get('share'), '%'))} of the cases)"
            for w in at
        )
        + "."
        if at
        else ""
    )
    return [
        f"<p><b>{share} {share_ci} of the measured cases were still in progress when the run "
        f"stopped.</b>{where} Their waits until then count in the waiting and queue shares, and "
        "so in the bottleneck; the cycle times are those of finished cases.</p>"
    ]


def _bottleneck_wait_text(k: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    """The Bottlenecks paragraph's words before "queue for its staff": how long cases wait
    before the bottleneck on average; when no measured case got through it (no finished wait
    to average, QA retest19 #2: "cases wait – before it"), that, with the share of the
    measured cases still waiting there when the run stopped (``unfinished``)."""
    if (b.get("waiting_mean") or {}).get("mean") is not None:
        wait, wait_ci = _ci_text(b["waiting_mean"], "h")
        return f"cases wait {wait} {wait_ci} before it on average, and"
    at = next(
        (w for w in (k.get("unfinished") or {}).get("waiting_at") or () if w["step"] == b["step"]),
        None,
    )
    if at is None:
        return "no measured case got through it; cases"
    share, share_ci = _ci_text(at.get("share"), "%")
    return (
        f"no measured case got through it ({share} {share_ci} of the measured cases were still "
        "waiting there when the run stopped); cases"
    )


def _bottleneck_section(rf: RunFiles) -> Section:
    from sim.report.charts import plot_funnel, plot_step_times, plot_utilisation

    k = rf.kpis
    if not k:
        return Section(
            "bottlenecks",
            "Bottlenecks",
            _missing("No <code>kpis.json</code> in this run: no waiting, utilisation or funnel."),
            empty=True,
        )
    parts = []
    b = k.get("bottleneck")
    if b and b.get("negligible"):
        share, share_ci = _ci_text(b.get("queue_share"), "%")
        parts.append(
            "<p>No bottleneck: nowhere do cases queue for staff for as much as 1 % of "
            f"the cycle time (the most, before {_esc(pretty(b['step']))}, is {share} "
            f"{share_ci}).</p>"
        )
    elif b:
        queue, queue_ci = _ci_text(b.get("queue_share") or b.get("waiting_share"), "%")
        utils = ", ".join(f"{_esc(r)} {_num(u, '%')}" for r, u in (b.get("roles") or {}).items())
        parts.append(
            f"<p>The bottleneck is <strong>{_esc(pretty(b['step']))}</strong>: "
            f"{_bottleneck_wait_text(k, b)} queue for its staff {queue} {queue_ci} of the "
            "cycle time"
            + (f"; its staff are busy {utils} of their scheduled time" if utils else "")
            + ".</p>"
        )
        if b.get("tied_with"):
            parts.append(
                "<p>Statistically tied with "
                + ", ".join(f"<strong>{_esc(pretty(t))}</strong>" for t in b["tied_with"])
                + ": the paired 95 % confidence interval of the difference in queue share "
                "includes 0, so another seed may name one of them; treat them together.</p>"
            )
        parts += _role_view_text(b)
    parts += _unfinished_text(k)
    t = k.get("timers")
    if t and t.get("share"):
        share, share_ci = _ci_text(t["share"], "%")
        largest = t.get("largest") or {}
        big = (
            f"; the largest is {_esc(pretty(largest['step']))}, "
            + " ".join(_ci_text(largest.get("share"), "%"))
            if largest.get("step")
            else ""
        )
        parts.append(
            f"<p>Timers (waiting for the customer or outside parties, the model's "
            f"<code>delay:</code> steps): {share} {share_ci} of the cycle time{big}. Staffing "
            "does not shorten them; removing or moving the step that waits does.</p>"
        )
    suggestion = k.get("staffing_suggestion") or {}
    staffing = {r: n for r, n in (suggestion.get("staffing") or {}).items() if n}
    for role in k.get("saturated_roles") or ():
        parts.append(
            f"<p><b>{_esc(pretty(role))} is busy nearly all its hours:</b> waits before its "
            "steps grow with the simulated horizon, so the cycle time depends on "
            "<code>scenario.horizon_days</code>; add people "
            f"(<code>{_esc(staffing_overrides({role: staffing.get(role, '...')}))}</code>) to "
            "read a steady state.</p>"
        )
    target = 100 * float(suggestion.get("target") or TARGET_UTILISATION)
    offered = suggestion.get("offered_load") or {}
    for role in k.get("above_target_roles") or ():
        if offered_beyond_hours(suggestion, [role]) and offered[role].get("relieved_by_patience"):
            fills = offered[role]["utilisation"]
            why = (
                f"the work the model offers fills {100 * float(fills):.0f} % of its hours, and "
                "cases that give up waiting at its steps hold its queue down, so waits do not "
                "grow with the horizon, but the work not done is lost (abandon_rate, dropoff_at)"
            )
        elif offered_beyond_hours(suggestion, [role]):
            fills = offered[role]["utilisation"]
            why = (
                f"but the work the model offers fills {100 * float(fills):.0f} % of its hours, so "
                "it does not keep up in the long run: its queue grows with the horizon and waits "
                "depend on <code>scenario.horizon_days</code>"
            )
        else:
            why = (
                "it keeps up with the work, but queues grow steeply as a role nears 100 % busy, "
                "so waits before its steps are long and a little more work lengthens them a lot"
            )
        parts.append(
            f"<p><b>{_esc(pretty(role))} is busy above the {target:.0f} % target:</b> {why}; "
            f"add people (<code>{_esc(staffing_overrides({role: staffing.get(role, '...')}))}"
            "</code>) to shorten them.</p>"
        )
    if any(r in staffing for r in roles_to_staff(k)):
        keys = staffing_overrides(staffing)
        # a headcount above the mean work's own is the rule's: one more person for a role
        # measured above the target (QA walk27 F2: credited to the estimate)
        ruled = {
            r: n
            for r, n in staffing.items()
            if isinstance((offered.get(r) or {}).get("headcount_at_target"), int)
            and n > offered[r]["headcount_at_target"]
        }
        rule = (
            f"; not {_esc(staffing_overrides(ruled))}: the mean work keeps "
            + " and ".join(
                f"{_esc(pretty(r))} within the target at {offered[r]['headcount_at_target']}"
                for r in ruled
            )
            + ", it is one more person for a role the run measured above the target"
            if ruled
            else ""
        )
        parts.append(
            f"<p>Staffing that carries the work: <code>{_esc(keys)}</code>, an estimate from "
            f"the model's mean work per role (the fewest people it keeps at most {target:.0f} % "
            f"busy, a role starved by a saturated one before it included{rule}); queues may "
            "still be long near that, so simulate again with it.</p>"
        )
    a = k.get("bottleneck_activity")
    if a and len(a.get("steps") or ()) > 1:
        share, share_ci = _ci_text(a.get("waiting_share"), "%")
        parts.append(
            f"<p>By activity of the log (its repetitions and their timers together, "
            f"{len(a['steps'])} steps): <strong>{_esc(pretty(a['activity']))}</strong>, "
            f"{share} {share_ci} of the cycle time spent waiting for it.</p>"
        )
    parts.append(_img(plot_step_times(k), alt="waiting and processing per step"))
    if k.get("roles"):
        parts.append(_img(plot_utilisation(k), alt="utilisation per role"))
    if rf.model is not None and rf.instances is None:  # a calibration draws them over its log
        from sim.report.charts import plot_calendars

        calendars = plot_calendars(None, rf.model)
        if calendars is not None:
            parts.append(
                _img(
                    calendars,
                    alt="working calendars",
                    caption="The working hours of the roles with people, one panel per calendar "
                    "(utilisation above is busy time within them).",
                )
            )
    if k.get("funnel"):
        success = (
            [e.outcome for e in rf.model.ends.values() if e.success]
            if rf.model is not None
            else None
        )
        parts.append(_img(plot_funnel(k, success_outcomes=success), alt="funnel"))
    if rf.trace is not None:
        from sim.report.charts import plot_arrivals

        try:
            if (
                cycle := _simulated_cycle_times(
                    rf.run_dir, rf.trace, pooled=_pooled_percentiles(rf)
                )
            ) is not None:
                parts.append(_img(cycle, alt="cycle time distribution"))
            gave_up = ((k.get("all") or {}).get("abandon_rate") or {}).get("mean")
            parts.append(
                _img(
                    plot_arrivals(
                        rf.trace.cases["arrival"],
                        replications=rf.trace.replications,
                        title="Arrivals of the cases in the simulated log by hour and weekday"
                        if finite_number(gave_up) and gave_up > 0
                        else "Arrivals by hour and weekday",
                    ),
                    alt="arrivals by hour and weekday",
                )
            )
            if finite_number(gave_up) and gave_up > 0:
                # the trace holds executed steps: a case that gave up in its first queue has
                # none, so the heatmap undercounts arrivals (QA arrivals17 #1: 144 of 336 a week)
                parts.append(
                    '<p class="muted">The heatmap counts the cases of the simulated event log: '
                    "a case that gave up waiting at its first step has no row in it and is left "
                    f"out ({100 * gave_up:.1f} % of the finished cases gave up waiting "
                    "somewhere); <code>cases_arrived</code> in the KPI table counts every "
                    "arrival.</p>"
                )
        except (KeyError, ValueError) as exc:
            parts.append(_missing(f"The trace could not be summarised ({_esc(exc)})."))
    elif rf.trace_error is not None:
        parts.append(_unread_trace(rf))
    elif (
        cycle := _simulated_cycle_times(rf.run_dir, None, pooled=_pooled_percentiles(rf))
    ) is not None:
        # cycle_times.csv.gz is written without a trace too (the KPIs' pooled percentiles)
        parts.append(_img(cycle, alt="cycle time distribution"))
        parts.append(
            '<p class="muted">No simulated event log (<code>trace.csv.gz</code>) in this run: '
            "no arrival heatmap (simulate with <code>output.trace=true</code>).</p>"
        )
    else:
        parts.append(
            '<p class="muted">No simulated event log (<code>trace.csv.gz</code>) in this run: '
            "no cycle-time distribution or arrival heatmap (simulate with "
            "<code>output.trace=true</code>).</p>"
        )
    return Section("bottlenecks", "Bottlenecks", "\n".join(parts))


#: What the simulate report's cycle-time figure draws: the cases the cycle-time KPIs count (its
#: curves pool the replications; its mean, p50 and p90 are the KPIs': the percentiles pooled).
MEASURED_CASES = "finished cases that arrived after the warm-up, every replication"


def _estimators_text(estimators: Any) -> str:
    """What the summary says of the KPIs ``kpis.json`` pooled over the replications (its
    ``estimators``): nothing for a run of an earlier version, which averaged every one."""
    if not isinstance(estimators, dict):
        return ""
    pooled = [
        what
        for key, what in (
            (
                "cycle_time_percentiles",
                "the cycle-time percentiles are of every replication's cases together",
            ),
            (
                "time_shares",
                "the waiting, queue and timer shares are every replication's "
                "waiting over every replication's time in the process",
            ),
        )
        if estimators.get(key) == "pooled"
    ]
    if not pooled:
        return ""
    return (
        ", except the pooled ones: "
        + "; ".join(pooled)
        + " (each interval centred on the pooled value, its width from the replications')"
    )


def _unread_trace(rf: RunFiles) -> str:
    """What the bottlenecks section says of a trace that is there but could not be read: why,
    and the cycle-time figure when ``cycle_times.csv.gz`` (which does not need the trace) is."""
    try:
        cycle = _simulated_cycle_times(rf.run_dir, None, pooled=_pooled_percentiles(rf))
    except Exception as exc:  # noqa: BLE001 - listed under the problems, the page still builds
        cycle = None
        rf.problems.append(f"cycle_times.csv.gz: could not be read ({type(exc).__name__}: {exc})")
    lost = "arrival heatmap" if cycle is not None else "cycle-time distribution or arrival heatmap"
    rebuild = f"<code>{_esc(report_command(run_program(rf.run), rf.run_dir))}</code>"
    if _trace_out_of_memory(rf):
        advice = f"Rebuild this page with more memory free ({rebuild})."
    else:  # damaged (cut short: EOFError), or unreadable otherwise: memory is not the matter
        advice = (
            "If the file is damaged (cut short, overwritten), simulate again with "
            f"<code>output.trace=true</code> to write it anew; rebuild this page ({rebuild}) "
            "once it can be read."
        )
    note = _missing(
        f"The simulated event log is here, but {_esc(rf.trace_error)}: no {lost}. {advice}"
    )
    return note if cycle is None else note + _img(cycle, alt="cycle time distribution")


def _trace_out_of_memory(rf: RunFiles) -> bool:
    """Whether the trace could not be read for lack of memory (a ``MemoryError``, numpy's
    ``_ArrayMemoryError`` too), not for being damaged or unreadable otherwise (QA: an
    ``EOFError`` of a trace cut short was advised "with more memory free")."""
    error = rf.trace_error or ""
    return re.search(r"could not be read \(\w*MemoryError:", error) is not None


def _measured_cases(path: Path) -> pd.DataFrame:
    """A simulate run's ``cycle_times.csv.gz``: ``replication`` and ``cycle_time_h`` (as floats:
    a run that finished no case writes its header only)."""
    return pd.read_csv(path, usecols=["replication", "cycle_time_h"], dtype={"cycle_time_h": float})


def _pooled_percentiles(rf: RunFiles) -> bool:
    """Whether the run's KPI table gives the cycle-time percentiles pooled over the
    replications (``kpis.json``'s ``estimators``; a rebuild from replications.csv pools them
    where ``cycle_times.csv.gz`` is there), not each replication's averaged (an earlier
    version's run), so that the cycle-time figure prints the table's numbers."""
    estimators = (rf.kpis or {}).get("estimators")
    return isinstance(estimators, dict) and estimators.get("cycle_time_percentiles") == "pooled"


def _simulated_cycle_times(
    run_dir: Path, trace: TraceSummary | None, *, pooled: bool = True
) -> Figure | None:
    """The simulated cycle-time figure: the cases the KPIs measured (``cycle_times.csv.gz``, the
    same selection as ``kpis.json``'s cycle time), every replication's pooled in the curves,
    with the KPIs' mean, p50 and p90 (``sim.kpis.cycle_time_kpis``). Runs from before
    that file draw every finished case of the trace and say that the warm-up is in it; None
    with neither."""
    from sim.report.charts import plot_cycle_times

    if (path := run_dir / "cycle_times.csv.gz").is_file():
        measured = _measured_cases(path)
        return plot_cycle_times(
            {"simulated": measured["cycle_time_h"].to_numpy(float)},
            replications={"simulated": measured["replication"].to_numpy()},
            pooled_kpis=pooled,
            title=f"Cycle time: {MEASURED_CASES}",
        )
    if trace is None:
        return None
    return plot_cycle_times(
        {"simulated": trace.cycle_times()},
        title="Cycle time: every finished case of trace.csv.gz, warm-up included "
        "(the KPIs count only cases arriving after it)",
    )


def _recommendation_section(rf: RunFiles) -> Section:
    from sim.report.charts import plot_pareto
    from sim.report.diff_map import draw_diff_map

    parts = []
    if rf.recommendations:
        parts.append(markdown_to_html(rf.recommendations))
    if rf.recommended is not None and rf.model is not None:
        comp = _best_comparison(rf) or {}
        what = (
            "the recommended redesign"
            if not comp or _recommended(comp)
            else "the best candidate tried (rank 1, not recommended)"
        )
        diffs = waiting_diffs(comp.get("comparison") or {})
        cycle = ((comp.get("comparison") or {}).get("cycle_time_mean") or {}).get("base")
        fig = draw_diff_map(
            rf.model,
            rf.recommended,
            waiting_diff=diffs or None,
            cycle_time=float(cycle) if finite_number(cycle) else None,
        )
        no_ci = sorted(s for s, d in diffs.items() if not _has_ci(d))
        full = _img(
            fig,
            alt=f"what {what} changes",  # also the PNG's name with figures=true
            wide=True,
            dpi=80,
            caption=f"The baseline map with the changes of {what} "
            "(<code>best/1.yaml</code>) marked on it. A step is coloured where its waiting "
            f"changed significantly and by at least {100 * NEGLIGIBLE_SHARE:g} % of today's "
            "mean cycle time (the rule is under the map)."
            + (
                f" {len(no_ci)} step(s) ({_esc(', '.join(pretty(s) for s in no_ci[:5]))}"
                + (", ..." if len(no_ci) > 5 else "")
                + ") were reached in too few paired replications for a confidence interval: "
                "their change in waiting is shown as a number only, marked n.s., never "
                "coloured as significant."
                if no_ci
                else ""
            ),
        )
        views = _staffing_views(rf.model, rf.recommended)
        if views is not None:
            parts.append(
                _img(
                    draw_diff_map(*views, waiting_diff=None),
                    alt=f"what {what} changes, one step per activity",
                    caption=f"{what[0].upper()}{what[1:]} (<code>best/1.yaml</code>) changes only "
                    "headcounts (lane headers: before -> after), drawn on the log's activities. "
                    "Waiting changes are tested per step of the model, so they are coloured on "
                    "its own map in the fold below.",
                )
            )
            shown = _drawn_part(rf.model, " (the {n} most visited)")
            full = (
                f"<details><summary>On the model's own {len(rf.model.steps)} steps{shown}, with "
                f"the significant changes in waiting</summary>{full}</details>"
            )
        parts.append(full)
    pareto = _pareto_figure(rf, plot_pareto)
    if pareto is not None:
        parts.append(_img(pareto[0], alt="Pareto front", caption=pareto[1]))
    empty = not parts
    if empty:
        # a search stopped (Ctrl-C, SIGTERM, a crash) before its results were written: its
        # finished trials are in the study, and rerunning the command resumes it
        stopped = (rf.run_dir / "study.db").is_file()
        parts.append(
            _missing(
                "No optimisation results (<code>recommendations.md</code>, "
                "<code>pareto.csv</code>, <code>best/1.yaml</code>) in this run: nothing "
                "to recommend yet. "
                + (
                    "Its search stopped before writing them; <code>study.db</code> holds the "
                    f"trials it finished: rerun the same <code>{run_program(rf.run)} optimize"
                    "</code> command into this directory to resume it."
                    if stopped
                    else f"Run <code>{run_program(rf.run)} optimize</code>."
                )
            )
        )
    return Section("recommendations", "Recommended changes", "\n".join(parts), empty=empty)


def waiting_diffs(comparison: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Per step, the change in mean waiting with its CI, from a candidate's ``comparison``
    (``confirmation.json``: ``waiting_mean:<step>`` rows with ``diff``, ``ci_low``,
    ``ci_high``).

    Steps without a difference are left out. A step reached in fewer than two paired
    replications has a difference but no CI (``null``): its bounds become NaN, which the diff
    map treats as not significant (drawn as a number marked n.s., never coloured).
    """

    def num(v: Any) -> float:
        try:
            x = float(v)
        except (TypeError, ValueError):
            return math.nan
        return x if math.isfinite(x) else math.nan

    out = {}
    for key, r in comparison.items():
        if not key.startswith("waiting_mean:") or not isinstance(r, Mapping):
            continue
        diff = num(r.get("diff"))
        if math.isnan(diff):
            continue
        out[key.split(":", 1)[1]] = {
            "diff_mean": diff,
            "ci_low": num(r.get("ci_low")),
            "ci_high": num(r.get("ci_high")),
        }
    return out


def _has_ci(d: Mapping[str, float]) -> bool:
    return math.isfinite(d["ci_low"]) and math.isfinite(d["ci_high"])


def _feasible_mask(trials: pd.DataFrame) -> pd.Series | None:
    """Which trials met the search's constraints (``trials.csv`` column ``feasible``, read as
    bools or as the strings a CSV with gaps gives); None when the column is absent."""
    if "feasible" not in trials.columns:
        return None
    return trials["feasible"].map(lambda v: str(v).strip().lower() in ("true", "1", "1.0"))


def _pareto_figure(rf: RunFiles, plot_pareto: Callable[..., Figure]) -> tuple[Figure, str] | None:
    """The first two objectives of every completed trial, with the Pareto front drawn over the
    feasible trials only; infeasible trials (they broke a constraint) are grey crosses.

    Today's process and the recommended redesign are drawn on the search's replications, as
    every trial is (a pruned redesign at its own search means); the caption says where the
    confirmation's figures are. Older runs, without a pruned redesign's search means, draw it
    at its confirmed means beside the confirmation's baseline.

    Returns the figure and its caption, or None when there is nothing to draw.
    """
    from sim.report.charts import ParetoObjective, Recommended, pareto_axes

    if rf.trials is None or not rf.confirmation:
        return None
    objectives = rf.confirmation.get("objectives") or []
    names = [o.get("kpi") for o in objectives if o.get("kpi") in rf.trials.columns]
    if len(names) < 2:
        return None
    directions = {o["kpi"]: o.get("direction", "minimize") for o in objectives}
    trials = rf.trials
    if "state" in trials.columns:
        trials = trials[trials["state"] == "COMPLETE"]
    trials = trials.dropna(subset=names)
    if trials.empty:
        return None
    ok = _feasible_mask(trials)
    # a candidate whose staff cannot carry its work is no trade-off either: crossed out too
    heavy = {
        c.get("trial")
        for c in rf.confirmation.get("candidates") or []
        if c.get("overloaded") and not c.get("original")
    }
    if heavy and "trial" in trials.columns:
        fine = ~trials["trial"].isin(heavy)
        ok = fine if ok is None else ok & fine
    infeasible = trials[~ok] if ok is not None else trials.iloc[:0]
    feasible = trials[ok] if ok is not None else trials
    n_heavy = int(trials["trial"].isin(heavy).sum()) if heavy and "trial" in trials else 0
    rec: Any = None
    best = _best_comparison(rf)
    # a redesign pruned after the ablation was never a trial: its trial's point is not it
    pruned = best is not None and bool(best.get("original"))
    own = _pruned_search_point(best, objectives, names) if pruned else None
    # every point on the search's replications (the trials'): a pruned redesign's own search
    # means since they are written; older runs have only its confirmed means, drawn beside the
    # confirmation's baseline (the one they are measured against)
    on_search = not pruned or own is not None
    which = "baseline_search" if on_search else "baseline_confirmation"
    labelled = rf.confirmation.get(which) or {}
    base = labelled.get("values") or rf.confirmation.get("baseline") or {}  # older runs
    baseline = (
        {k: base[k] for k in names if k in base} if all(k in base for k in names[:2]) else None
    )
    if best is not None and _recommended(best) and pruned:
        alt = own or {k: _comparison_alt(best, k) for k in names}
        rec = alt if all(v is not None for v in alt.values()) else None
    elif best is not None and _recommended(best):
        rec = _trial_point(trials, feasible, best, names)
    recs = [Recommended(rec, 1, trial=not pruned)] if rec is not None else []
    if on_search:  # the other recommended redesigns, on the same replications
        recs += _more_recommended(rf, best, trials, feasible, objectives, names)
    axes_of = [
        ParetoObjective(k, directions[k] == "minimize", kpi_label(k)[0], kpi_unit(k)) for k in names
    ]
    pairs, notes = pareto_axes(
        feasible, axes_of, baseline=baseline, recommended=recs, infeasible=infeasible
    )
    fig = plot_pareto(
        feasible,
        objectives=axes_of,
        baseline=baseline,
        recommended=recs,
        infeasible=infeasible,
        baseline_infeasible=_today_breaks_constraints(rf),
        title="Trade-off between the objectives (every trial of the search)",
    )
    caption = _pareto_note(
        rf,
        best if pruned else None,
        on_search=on_search,
        marked=len(recs) if rec is not None else 0,
        stopped_early=_stopped_early(trials),
    )
    if notes:
        caption += " ".join(_esc(n) for n in notes) + " "
    if not infeasible.empty:
        limits = "; ".join(_constraint_text(c) for c in rf.confirmation.get("constraints") or [])
        caption += (
            f"The Pareto front is drawn over the {len(feasible)} feasible trial(s) only; the "
            f"{len(infeasible)} crossed-out trial(s) "
            + " or ".join(
                part
                for part, there in (
                    (
                        f"broke a constraint ({_esc(limits)})" if limits else "broke a constraint",
                        n_heavy < len(infeasible),
                    ),
                    (f"gave their staff more work than their hours hold ({n_heavy})", n_heavy),
                )
                if there
            )
            + " and cannot be recommended, however good their objectives look."
        )
        # the panels come first in the figure, a pair of objectives each
        lims: dict[str, tuple[float, float]] = {}
        far = pd.Series(False, index=infeasible.index)
        for ax, (xo, yo) in zip(fig.axes, pairs, strict=False):
            lims.setdefault(xo.kpi, ax.get_xlim())
            lims.setdefault(yo.kpi, ax.get_ylim())
            far |= ~(
                infeasible[xo.kpi].between(*ax.get_xlim())
                & infeasible[yo.kpi].between(*ax.get_ylim())
            )
        x, y = pairs[0][0].kpi, pairs[0][1].kpi
        if far.any() and len(pairs) == 1:
            caption += (
                f" The axes show the feasible trials, the baseline and the recommended redesign; "
                f"{int(far.sum())} infeasible trial(s) lie far beyond them (the farthest at "
                f"{_esc(_far_text(infeasible[far], x, y, [lims[x], lims[y]]))}) and are "
                "drawn as triangles on the border, pointing their way."
            )
        elif far.any():  # every panel's: the first one's farthest was not (QA plots18 #7)
            caption += (
                f" The axes show the feasible trials, the baseline and the recommended redesign; "
                f"{int(far.sum())} infeasible trial(s) lie far beyond them in at least one panel "
                "(each panel counts its own over it; the farthest beyond each axis: "
                f"{_esc(_farthest_per_axis(infeasible[far], lims))}) and are drawn as "
                "triangles on the border, pointing their way."
            )
    return fig, caption.strip()


def _trial_point(
    trials: pd.DataFrame,
    feasible: pd.DataFrame,
    candidate: Mapping[str, Any],
    kpis: Sequence[str],
) -> Any:
    """Where a candidate that is a trial is drawn: an index label of the ``feasible`` frame
    drawn, or (infeasible in the search) its values; None when its trial is not drawn."""
    if "trial" not in trials.columns:
        return None
    hit = trials.index[trials["trial"] == candidate.get("trial")]
    if not len(hit):
        return None
    return hit[0] if hit[0] in feasible.index else trials.loc[hit[0], list(kpis)].to_dict()


def _more_recommended(
    rf: RunFiles,
    best: Mapping[str, Any] | None,
    trials: pd.DataFrame,
    feasible: pd.DataFrame,
    objectives: Sequence[Mapping[str, Any]],
    kpis: Sequence[str],
) -> list[Any]:
    """The recommended candidates besides ``best`` as ``Recommended`` points on the search's
    replications: a trial at its point, a pruned redesign at its own search means (left out
    in older runs, which have none)."""
    from sim.report.charts import Recommended

    out = []
    for c in rf.confirmation.get("candidates") or []:
        if c is best or not _recommended(c):
            continue
        pruned = bool(c.get("original"))
        point = (
            _pruned_search_point(c, objectives, kpis)
            if pruned
            else _trial_point(trials, feasible, c, kpis)
        )
        if point is not None:
            out.append(Recommended(point, int(c.get("rank") or len(out) + 2), trial=not pruned))
    return out


def _comparison_alt(candidate: Mapping[str, Any], kpi: str) -> Any:
    """A candidate's confirmed mean of ``kpi`` (``confirmation.json``), or None."""
    return ((candidate.get("comparison") or {}).get(kpi) or {}).get("alt")


def _stopped_early(trials: pd.DataFrame) -> bool:
    """Whether any of ``trials`` (``trials.csv``) was stopped before all its replications."""
    if "stopped_early" not in trials.columns:
        return False
    return bool(trials["stopped_early"].map(lambda v: str(v).strip().lower() == "true").any())


def _pruned_search_point(
    best: Mapping[str, Any], objectives: Sequence[Mapping[str, Any]], kpis: Sequence[str]
) -> dict[str, float] | None:
    """A pruned redesign's ``kpis`` on the search's replications: its ``search_values`` (one per
    objective), its own since runs whose ``original`` keeps the found redesign's; None for
    older runs, whose ``search_values`` are still the found redesign's."""
    if "search_values" not in (best.get("original") or {}):
        return None
    values = dict(
        zip((o.get("kpi") for o in objectives), best.get("search_values") or [], strict=False)
    )
    point = {k: values.get(k) for k in kpis}
    return point if all(finite_number(v) for v in point.values()) else None


def _pareto_note(
    rf: RunFiles,
    pruned: Mapping[str, Any] | None,
    *,
    on_search: bool,
    marked: int,
    stopped_early: bool = False,
) -> str:
    """The Pareto caption's account of what the points are: which replications they were
    measured on, and where the confirmation's figures are (``pruned``: the rank-1 candidate,
    when pruning made it smaller than its trial; ``marked``: how many recommended redesigns
    are drawn, the rank-1 one first; ``stopped_early``: some trials drawn ran fewer
    replications)."""
    conf = rf.confirmation or {}
    note = ""
    if pruned is not None:
        where = (
            "its means on the search's replications (<code>pareto.csv</code>'s (search) columns)"
            if on_search
            else "the means its confirmation measured"
        )
        note = (
            f"The recommended redesign is trial {_esc(pruned.get('trial'))}'s without the changes "
            "dropped after the ablation (see the recommendations); it was not itself a trial of "
            f"the search, so it is marked at {where}"
            + (
                " (a hollow diamond; the front joins the trials only, so it can lie beyond it)"
                if marked
                else " (not available here)"
            )
            + ". "
        )
    search = (conf.get("baseline_search") or {}).get("replications")
    fresh = (conf.get("baseline_confirmation") or {}).get("replications")
    if not on_search:  # an older run: a pruned redesign's confirmed means, their baseline
        if not fresh:
            return note
        return note + (
            f"The baseline star is today's process as the confirmation measured it "
            f"(replications #{fresh[0]}-#{fresh[1]}), the replications the recommended "
            "redesign's confirmed means share; the trials' points are the search's values. "
        )
    if not search:
        return note
    drawn = "today's process (the star)" + (
        " and the recommended redesign"
        if marked == 1
        else f" and the {marked} recommended redesigns (diamonds, by rank)"
        if marked
        else ""
    )
    early = "; a trial the search stopped early, on the first of them" if stopped_early else ""
    if fresh and (conf.get("baseline_confirmation") or {}).get("measured_replications") == 0:
        # nothing to rest on (QA rt27_engine F1: the star read "borderline: breaks a constraint
        # in the confirmation's replications", where they measured nothing)
        return note + (
            f"Every point is measured on the search's replications (#{search[0]}-#{search[1]}"
            f"{early}): the trials, {drawn}. The confirmation's fresh replications "
            f"(#{fresh[0]}-#{fresh[1]}) measured nothing (every case arrived in the warm-up: "
            "see the recommendations), so no redesign could be judged there, and today's process "
            "is neither shown to meet nor to break the constraints in them. "
        )
    confirmed = (
        f", on fresh replications (#{fresh[0]}-#{fresh[1]}), with today's process re-simulated "
        "beside them"
        if fresh
        else ""
    )
    return note + (
        f"Every point is measured on the search's replications (#{search[0]}-#{search[1]}"
        f"{early}): the trials, {drawn}. The recommendation rests on the confirmation's "
        f"figures instead{confirmed}: see the summary's table, the recommendations and "
        "<code>pareto.csv</code>'s (confirmed) columns; they differ from these by the noise of "
        "the replications. "
    )


def _far_text(points: pd.DataFrame, x: str, y: str, lims: Sequence[tuple[float, float]]) -> str:
    """Where the farthest of ``points`` (beyond the axes ``lims``) lies, e.g. 'mean cycle time
    540 h, people on staff (all roles) 7 people'."""
    excess = np.zeros(len(points))
    for k, (lo, hi) in zip((x, y), lims, strict=True):
        v = points[k].to_numpy(dtype=float)
        excess = np.maximum(excess, np.maximum(lo - v, v - hi) / ((hi - lo) or 1.0))
    far = points.iloc[int(np.argmax(excess))]
    parts = []
    for k in (x, y):
        label, unit = HEADLINE_LABELS.get(k, (k, ""))
        parts.append(f"{label.lower()} {_num(far[k], unit) if unit else f'{far[k]:g}'}")
    return ", ".join(parts)


def _farthest_per_axis(points: pd.DataFrame, lims: Mapping[str, tuple[float, float]]) -> str:
    """For each objective (``lims``: its axis's limits) that some of ``points`` lie beyond, the
    value of the one farthest beyond it, e.g. 'mean cycle time 422 h, drop-off rate 66.6 %'."""
    parts = []
    for k, (lo, hi) in lims.items():
        v = points[k].to_numpy(dtype=float)
        excess = np.nan_to_num(np.maximum(lo - v, v - hi), nan=-np.inf)
        if not (excess > 0).any():
            continue
        label, unit = HEADLINE_LABELS.get(k, (k, ""))
        x = v[int(np.argmax(excess))]
        parts.append(f"{label.lower()} {_num(x, unit) if unit else f'{x:g}'}")
    return ", ".join(parts)


def _constraint_text(c: Mapping[str, Any]) -> str:
    kpi = str(c.get("kpi", "?"))
    label, unit = HEADLINE_LABELS.get(kpi, (kpi, ""))
    parts = []
    for key, sign in (("low", ">="), ("high", "<=")):
        v = c.get(key)
        if v is not None:
            parts.append(f"{label.lower()} {sign} {_num(v, unit) if unit else f'{v:g}'}")
    return " and ".join(parts) or label


BACKTEST_ROWS = (
    ("cycle_time_mean", "Mean cycle time", "h"),
    ("cycle_time_median", "Median cycle time", "h"),
    ("cycle_time_p90", "90th percentile cycle time", "h"),
    ("dropoff_rate", "Drop-off rate", "%"),
    (
        "cases_finished_per_week",
        "Cases finished per week, completed or dropped (of those that arrived in the period)",
        "cases/week",
    ),
)
DISTANCE_ROWS = (
    ("cycle_time_wasserstein_h", "Cycle-time distance (Wasserstein, h)", ""),
    ("cycle_time_ks_statistic", "Cycle-time KS statistic (0 = same distribution)", ""),
    ("outcome_share_tvd", "Outcome shares: total variation distance", ""),
    ("activity_share_tvd", "Activity frequencies: total variation distance", ""),
    ("weekly_throughput_mae", "Cases finished each week: mean absolute error", ""),
    ("ngram_3", "Control-flow distance (3-gram)", ""),
    ("absolute_emd", "Absolute timing distance (EMD)", ""),
    ("circadian_emd", "Circadian distance (EMD)", ""),
    ("arrival_emd", "Arrival distance (EMD)", ""),
    ("relative_emd", "Relative timing distance (EMD)", ""),
    ("cycle_time_emd", "Cycle-time distance (EMD)", ""),
)


def _calibration_section(rf: RunFiles) -> Section:
    parts = []
    if not rf.backtest and any(_own(rf.run_dir, TRACE_FILES)):
        parts.append(
            _missing(
                "No <code>backtest.json</code>, although the back-test's simulated logs "
                "(<code>trace_*.csv.gz</code>) are here: the back-test did not finish (see the "
                "run's console), so this page cannot show how the model fits its history."
            )
        )
    if rf.backtest:
        parts.append(_backtest_html(rf.backtest))
        hist = _history_log(rf)
        # the logs its records say it wrote: not a user's trace_old.csv.gz, trace_7.csv.gz
        # beside a run of 2, or trace_1.csv.gz beside one without (QA rt27_files F1)
        sims = [pd.read_csv(f) for f in _own(rf.run_dir, TRACE_FILES)]
        bases = [pd.read_csv(f) for f in _own(rf.run_dir, BASELINE_FILES)]
        fig = _backtest_cycle_times(rf.run_dir, hist, sims, bases)
        if hist is not None and len(hist):
            from sim.report.charts import arrival_times_from_log, plot_arrivals

            parts.append(
                _img(
                    plot_arrivals(
                        arrival_times_from_log(hist), title="Arrivals in the held-out history"
                    ),
                    alt="arrivals in the history by hour and weekday",
                )
            )
        if fig is not None:
            parts.append(
                _img(
                    fig,
                    alt="cycle times: simulated vs history",
                    caption="Cycle times of the held-out period: the calibrated model's simulated "
                    "cases against what happened, and a naive baseline that replays whole "
                    "training cases.",
                )
            )
        waits = _backtest_waits(hist, sims, bases)
        if waits is not None:
            parts.append(
                _img(
                    waits,
                    alt="waiting per activity: simulated vs history",
                    caption="Where the time goes: the waiting before each of the most frequent "
                    "activities (from the end of the case's previous activity), history against "
                    "the simulated and baseline logs.",
                )
            )
    notes = (rf.model.metadata.get("notes") if rf.model is not None else None) or []
    if notes:
        parts.append(
            "<h3>What calibration noticed</h3><p class='muted'>From the model's metadata: "
            "choices and caveats an analyst should read before trusting a what-if.</p><ul>"
            + "".join(f"<li>{_esc(n)}</li>" for n in notes)
            + "</ul>"
        )
    fits = _fits_table(rf.run_dir)
    if fits:
        parts.append(fits)
    if rf.instances is not None and rf.model is not None:
        from sim.report.charts import fit_groups, fit_rows, fits_from_instances, plot_fits

        try:
            # a step with alternatives has a row per role, each against its role's instances
            every = fits_from_instances(rf.instances, rf.model)
            groups = fit_groups(every, rf.model)
            pairs, instants = _informative_fits(every)
            # durations measured from estimated start times are not observations
            estimated = rf.model.metadata.get("start_times") == "estimated"
            label = "estimated" if estimated else "observed"
            per_role = (
                "A step that people of another role may take (its alternatives) has a row per "
                "role: its own duration against the instances of its own role, each "
                "alternative's against those of the alternative's role (in that role's working "
                "hours)."
            )
            if pairs:
                drawn = {n for n, _ in fit_rows(pairs, groups, 10)}
                parts.append(
                    _img(
                        plot_fits(
                            pairs,
                            max_rows=10,
                            rest_in="fits.csv",
                            title=f"Fitted vs {label} durations"
                            + (" (the log has no start times)" if estimated else ""),
                            observed=label,
                            groups=groups,
                        ),
                        alt=f"fitted vs {label}",
                        caption=per_role if any(n not in rf.model.steps for n in drawn) else "",
                    )
                )
                # steps with alternatives too rarely done for the figure above: their own
                # figure, where an analyst checks each role's pace against its fit
                alt_steps = {groups[n] for n in pairs if n not in rf.model.steps and n in groups}
                rest = {
                    n: v
                    for n, v in pairs.items()
                    if groups.get(n) in alt_steps
                    and not any(groups.get(d) == groups[n] for d in drawn)
                }
                if rest:
                    parts.append(
                        _img(
                            plot_fits(
                                rest,
                                max_rows=12,
                                rest_in="fits.csv",
                                title=f"Fitted vs {label} durations per role: steps people of "
                                "another role may take",
                                observed=label,
                                groups=groups,
                            ),
                            alt=f"fitted vs {label} per role",
                            caption=per_role,
                        )
                    )
            if instants:
                parts.append(
                    f"<p class='muted'>Not drawn: {len(instants)} step(s) whose every instance "
                    "took no time in the log (logged without a start, or instantaneous), fitted "
                    f"as a point mass at 0: {_esc(', '.join(instants))}.</p>"
                )
        except (KeyError, ValueError) as exc:
            parts.append(_missing(f"Fitted vs observed durations unavailable ({_esc(exc)})."))
    elif fits:
        parts.append(
            '<p class="muted">No per-instance durations (<code>instances.csv.gz</code>) in this '
            "run: no histograms or Q-Q plots of fitted against observed durations.</p>"
        )
    if rf.instances is not None and rf.model is not None:
        calendars = _calendars_figure(rf.instances, rf.model)
        if calendars:
            parts.append(calendars)
    empty = not parts
    if empty:
        parts.append(
            '<p class="missing">No calibration results (<code>backtest.json</code>, '
            "<code>fits.csv</code>) in this run: the model was not calibrated from a log here, "
            "so there is no back-test to show.</p>"
        )
    return Section("calibration", "Calibration quality", "\n".join(parts), empty=empty)


def _calendars_figure(instances: pd.DataFrame, model: ProcessModel) -> str | None:
    """The calibrated roles' calendars over the evidence they were read from, or ``None``."""
    from sim.report.charts import plot_calendars

    try:
        fig = plot_calendars(instances, model)
    except (KeyError, ValueError) as exc:
        return _missing(f"Working calendars unavailable ({_esc(exc)}).")
    if fig is None:
        return None
    return _img(
        fig,
        alt="working calendars",
        caption="Each role's working hours as calibration found them (boxes; "
        "<code>calibration.calendar_threshold</code>, <code>calibration.calendar_minutes</code>) "
        "over the share of weeks in which its people started or ended an activity in each slot "
        "(an end only on the day its activity started): a box over pale slots is time kept open "
        "because a sparse role's silence there proves little; a shaded slot outside the boxes, "
        "work seen in too few weeks to be a pattern.",
    )


def _ci_cell(d: Any, unit: str) -> str:
    """A back-test figure: its mean over replications and 95 % CI; where only some
    replications measured it (a step some never reached), how many, as simulate's tables say
    it (QA scoring23: a step measured in 1 of 3 replications read as a mean of all three)."""
    if not isinstance(d, Mapping):
        return _num(d, unit)
    mean, ci = _ci_text(d, unit)
    runs = d.get("per_replication")
    if isinstance(runs, list) and runs and finite_number(d.get("mean")):
        k = sum(1 for v in runs if finite_number(v))
        if k < len(runs):
            ci = f"{ci} " if ci and k > 1 else ""
            ci += f"({'no CI, ' if k == 1 else ''}measured in {k} of {len(runs)} replications)"
    return f"{mean} <span class='muted'>{ci}</span>" if ci else mean


def _backtest_html(bt: Mapping[str, Any]) -> str:
    test = bt.get("test") or {}
    tk = test.get("kpis") or {}
    model = bt.get("model") or {}
    base = bt.get("baseline") or {}
    parts = [
        f"<p>Back-test: the calibrated model simulated over a held-out period "
        f"({_esc(test.get('cases', '?'))} cases from {_esc(str(test.get('start', '?'))[:10])}) "
        "and compared with what really happened, next to a naive baseline that replays whole "
        "training cases. Model and baseline values are means over replications with 95 % CIs.</p>"
    ]
    note = held_out_extract_note(test)
    if note:
        parts.append(f"<p>{_esc(note)}</p>")
    verdict = dict(bt.get("verdict") or {})
    for key in ("reading", "dropoff_reading"):
        if reading := verdict.pop(key, None):
            parts.append(f"<p><b>{_esc(reading)}</b></p>")
    if verdict:
        items = []
        err, err_ci = (
            verdict.pop("cycle_time_mean_relerr", None),
            verdict.pop("cycle_time_mean_relerr_ci95", None),
        )
        if finite_number(err):
            shown = f"{100 * float(err):+.1f} %"
            if isinstance(err_ci, list) and len(err_ci) == 2 and all(map(finite_number, err_ci)):
                shown += f" [{100 * float(err_ci[0]):+.1f}, {100 * float(err_ci[1]):+.1f}]"
            items.append(f"<li>Mean cycle time error of the model: {shown}</li>")
        for k, v in verdict.items():
            label = _esc(VERDICT_LABELS.get(k, k.replace("_", " ")))
            if isinstance(v, bool):
                cls = "good" if v else "bad"
                items.append(f'<li>{label}: <span class="{cls}">{"yes" if v else "no"}</span></li>')
            elif isinstance(v, list):  # an interval
                items.append(f"<li>{label}: [{', '.join(_num(x) for x in v)}]</li>")
            else:
                items.append(f"<li>{label}: {_num(v)}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    rows = []
    for key, label, unit in BACKTEST_ROWS:
        if key in model or key in tk:
            rows.append(
                [
                    _esc(label),
                    _num(tk.get(key), unit),
                    _ci_cell(model.get(key), unit),
                    _ci_cell(base.get(key), unit),
                ]
            )
        if key == "dropoff_rate":
            rows += _outcome_share_rows(tk, model, base)
    ins = bt.get("in_sample") or {}
    if rows and ins.get("model"):
        rows.insert(
            1,
            [
                _esc("Mean cycle time on the training period (in-sample)"),
                _num(ins.get("history_cycle_time_mean"), "h"),
                _ci_cell(ins["model"].get("cycle_time_mean"), "h"),
                "",
            ],
        )
    if rows:
        parts.append(_table(["measure", "history", "model", "naive baseline"], rows, {1, 2, 3}))
    rows = []
    for key, label, _unit in DISTANCE_ROWS:
        if key in model:
            rows.append([_esc(label), _ci_cell(model.get(key), ""), _ci_cell(base.get(key), "")])
    if rows:
        parts.append("<p>Distances between the simulated and the real log (smaller is better):</p>")
        parts.append(_table(["distance", "model", "naive baseline"], rows, {1, 2}))
    step_rows = []
    for key in model:
        if key.startswith("waiting_mean:") and not key.endswith("_relerr"):
            step = key.split(":", 1)[1]
            step_rows.append(
                [
                    _esc(step),
                    _num(tk.get(key), "h"),
                    _ci_cell(model.get(key), "h"),
                    _num(tk.get(f"processing_mean:{step}"), "h"),
                    _ci_cell(model.get(f"processing_mean:{step}"), "h"),
                ]
            )
    if step_rows:
        parts.append(
            "<details><summary>Waiting and processing per step: history vs model</summary>"
            + _table(
                [
                    "step",
                    "waiting, history",
                    "waiting, model",
                    "processing, history",
                    "processing, model",
                ],
                step_rows,
                {1, 2, 3, 4},
            )
            + "</details>"
        )
    return "\n".join(parts)


def _outcome_share_rows(
    history: Mapping[str, Any], model: Mapping[str, Any], base: Mapping[str, Any]
) -> list[list[str]]:
    """The back-test table's rows of the share of finished cases ending in each outcome
    (``outcome_share:<outcome>``): the history's beside the model's and the baseline's, the
    history's outcomes first; none for a ``backtest.json`` whose model has no such shares."""
    prefix = "outcome_share:"
    # the model's and the baseline's share figures are those with an error against the history
    simulated = [k for d in (model, base) for k in d if k.startswith(prefix) and f"{k}_abserr" in d]
    if not simulated:
        return []
    keys = dict.fromkeys([*(k for k in history if k.startswith(prefix)), *simulated])
    # an outcome the history's finished cases never ended in: 0 of them
    none = 0.0 if finite_number(history.get("dropoff_rate")) else None
    rows = []
    for key in keys:
        label, unit = kpi_label(key)
        rows.append(
            [
                _esc(label[:1].upper() + label[1:]),
                _num(history.get(key, none), unit),
                _ci_cell(model.get(key), unit),
                _ci_cell(base.get(key), unit),
            ]
        )
    return rows


def _informative_fits(
    pairs: dict[str, tuple[np.ndarray, Any]],
) -> tuple[dict[str, tuple[np.ndarray, Any]], list[str]]:
    """The fit pairs worth a histogram and Q-Q plot, most observed first, and the names of the
    steps whose observed durations are all zero (a panel of those shows nothing)."""
    drawn = {k: v for k, v in pairs.items() if np.nanmax(v[0], initial=0.0) > 0}
    order = sorted(drawn, key=lambda k: -len(drawn[k][0]))
    return {k: drawn[k] for k in order}, [k for k in pairs if k not in drawn]


MIN_KS_N = 8  # below this many observations a goodness-of-fit test says nothing


def _fits_table(run_dir: Path) -> str | None:
    path = run_dir / "fits.csv"
    if not path.is_file():
        return None
    try:
        fits = pd.read_csv(path)
    except Exception:
        return _missing("fits.csv could not be read.")
    if "chosen" not in fits.columns or "target" not in fits.columns:
        return None
    chosen = fits[fits["chosen"].astype(str).str.lower() == "true"]
    if "kind" in chosen.columns:
        chosen = chosen[chosen["kind"] == "distribution"]
    if chosen.empty:
        return None
    rows = []
    for _, r in chosen.iterrows():
        p = r.get("ks_pvalue")
        n = r.get("n")
        # a test on a handful of values (a fixed value fitted to one) rejects nothing
        few = not (isinstance(n, int | float) and n >= MIN_KS_N)
        ok = isinstance(p, float) and math.isfinite(p) and not few
        cls = "good" if ok and p >= 0.01 else ("bad" if ok else "muted")
        # a fit on durations measured from estimated starts says so beside its name
        mark = " (estimated)" if r.get("start_times") == "estimated" else ""
        rows.append(
            [
                _esc(r["target"]) + mark,
                _esc(r.get("family", "")),
                _num(r.get("n")),
                _num(r.get("mean"), "h"),
                _num(r.get("ks_statistic")),
                f'<span class="{cls}">{_num(p)}</span>',
            ]
        )
    return (
        "<details><summary>Fitted distributions: the family chosen for each duration, with the "
        "Kolmogorov-Smirnov test against the observations (green: not rejected at 1 %; grey: "
        f"fewer than {MIN_KS_N} observations, too few to test)"
        "</summary>"
        + _table(
            ["fitted value", "family", "n", "mean", "KS statistic", "KS p-value"],
            rows,
            {2, 3, 4, 5},
        )
        + "</details>"
    )


#: The simulated series of a back-test's cycle-time figure re-measured from the saved logs (runs
#: from before ``cycle_times.csv.gz``) pool every replication's cases, in the curves and in the
#: numbers (a replication with more cases weighs more), where backtest.json averages per
#: replication.
POOLED = "(all replications pooled)"
POOLED_MODEL = f"simulated (model) {POOLED}"
HISTORY_SERIES = "history (held-out period)"
#: the names of ``cycle_times.csv.gz``'s sources in the back-test's cycle-time figure
MEASURED_SERIES = {"history": HISTORY_SERIES, "model": "simulated (model)"}


def _backtest_cycle_times(
    run_dir: Path, hist: pd.DataFrame | None, sims: list[pd.DataFrame], bases: list[pd.DataFrame]
) -> Figure | None:
    """Cycle times of the held-out history, the simulated logs and the baseline's: the finished
    cases the back-test measured (``cycle_times.csv.gz``). The simulated curves pool every
    replication's cases; their mean, p50 and p90 are each replication's, averaged: the numbers
    of ``backtest.json``. Runs from before that file re-measure the logs instead, pooled."""
    from sim.report.charts import plot_cycle_times

    if not (path := run_dir / "cycle_times.csv.gz").is_file():
        series = _remeasured_cycle_times(hist, sims, bases)
        if len(series) < 2:
            return None
        # the pooled mean weighs a replication by its cases; backtest.json averages per one
        return plot_cycle_times(
            series,
            title="Cycle time: simulated vs history (simulated: every replication's cases pooled)",
        )
    series, replications = _measured_cycle_times(pd.read_csv(path))
    if len(series) < 2:
        return None
    return plot_cycle_times(
        series,
        replications=replications,
        kpis_in="backtest.json",
        pooled_kpis=False,
        title="Cycle time: simulated vs history (simulated curves: every replication's cases "
        "pooled)",
    )


def _measured_cycle_times(
    measured: pd.DataFrame,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The cycle times of ``cycle_times.csv.gz`` by source (named as in the figure), and of
    every source but the history each value's replication (the history is one)."""
    series: dict[str, np.ndarray] = {}
    replications: dict[str, np.ndarray] = {}
    for source, group in measured.groupby("source", sort=False):
        name = MEASURED_SERIES.get(str(source), str(source))
        series[name] = group["cycle_time_h"].to_numpy(float)
        if str(source) != "history":
            replications[name] = group["replication"].to_numpy()
    return series, replications


def _remeasured_cycle_times(
    hist: pd.DataFrame | None, sims: list[pd.DataFrame], bases: list[pd.DataFrame]
) -> dict[str, Any]:
    """Cycle times from the saved logs (one file per replication each, measured one by one: case
    ids repeat across them). Cases open at the extract's end count with their time so far."""
    from sim.report.charts import cycle_times_from_log

    series: dict[str, Any] = {}
    if hist is not None:
        series[HISTORY_SERIES] = cycle_times_from_log(hist)
    for name, logs in ((POOLED_MODEL, sims), (f"naive baseline {POOLED}", bases)):
        if logs:
            series[name] = pd.concat([pd.Series(cycle_times_from_log(f)) for f in logs]).to_numpy()
    return series


def _backtest_waits(
    hist: pd.DataFrame | None, sims: list[pd.DataFrame], bases: list[pd.DataFrame]
) -> Figure | None:
    from sim.report.charts import plot_step_waits

    if hist is None or hist.empty or not sims:
        return None
    logs: dict[str, Any] = {"history": hist, "model": sims}
    if bases:
        logs["naive baseline"] = bases
    return plot_step_waits(logs)


def _history_log(rf: RunFiles) -> pd.DataFrame | None:
    """The held-out part of the calibration log, re-read from the path in config.yaml."""
    if p := _first(rf.run_dir, "history.csv.gz", "test_log.csv.gz"):
        return pd.read_csv(p)
    if not rf.config_text:
        return None
    try:
        import yaml

        from sim.eventlog import read_event_log, split_by_time

        cfg = yaml.safe_load(rf.config_text) or {}
        bt = cfg.get("backtest") or {}
        cols = cfg.get("columns") or {}
        if bt.get("log"):  # read as calibrate read it: backtest.columns.* where given
            own = {k: v for k, v in (bt.get("columns") or {}).items() if v is not None}
            cols = cols | own
        keys = {
            "case_id_key": cols.get("case_id"),
            "activity_key": cols.get("activity"),
            "start_key": cols.get("start"),
            "end_key": cols.get("end"),
            "resource_key": cols.get("resource"),
            "role_key": cols.get("role"),
            "segment_key": cols.get("segment"),
            "lifecycle_key": cols.get("lifecycle"),
            "time_format": cols.get("time_format"),
            "timezone": cols.get("timezone"),
            "naive_times": cols.get("naive_times"),
            "encoding": cols.get("encoding"),
            "no_resource": cols.get("no_resource") or (),
            "date_only_duplicates": (cfg.get("cleaning") or {}).get("date_only_duplicates", "drop"),
            "keep_attributes": False,
        }
        if bt.get("log"):
            return read_event_log(bt["log"], **keys).events
        if cfg.get("log"):
            log = read_event_log(cfg["log"], **keys)
            _, test = split_by_time(log, train_fraction=float(bt.get("train_fraction", 0.8)))
            return test.events
    except Exception as exc:  # the log may have moved since: the tables above still stand
        rf.problems.append(f"history log for the back-test plot: not readable ({exc})")
    return None


def _reproducibility_section(rf: RunFiles, run_dir: Path) -> Section:
    parts = []
    run = rf.run
    if run:
        argv = run.get("argv")
        # as typed into a shell: an argument with a space (a path, a BPMN role) quoted (QA hints23)
        cmd = shlex.join(str(a) for a in argv) if isinstance(argv, list) else run.get("command")
        rows = [
            ["command", _esc(run.get("command", "–"))],
            ["arguments", f"<code>{_esc(cmd)}</code>"],
            ["seed", _esc(run.get("seed"))],
            ["git commit", f"<code>{_esc(run.get('git_commit'))}</code>"],
            [
                "uncommitted changes",
                {True: "yes: the code differs from that commit", False: "no"}.get(
                    run.get("git_dirty"), "unknown"
                ),
            ],
            ["started (UTC)", _esc(run.get("started_utc", "–"))],
            ["platform", _esc(run.get("platform", "–"))],
        ]
        for i, item in enumerate(run.get("inputs") or ()):
            rows.append(
                [
                    f"input {i + 1}",
                    f"<code>{_esc(item.get('path'))}</code> ({_esc(item.get('bytes'))} bytes, "
                    f"SHA-256 <code>{_esc(item.get('sha256'))}</code>)",
                ]
            )
        for name, ver in (run.get("versions") or {}).items():
            rows.append([f"version of {_esc(name)}", _esc(ver)])
        parts.append(_table(["", ""], rows))
    else:
        parts.append(
            _missing(
                "No <code>run.json</code>: the command, seed and versions of this run are unknown."
            )
        )
    if rf.config_text:
        parts.append(
            "<details><summary>The resolved configuration (<code>config.yaml</code>)</summary>"
            f"<pre>{_esc(rf.config_text)}</pre></details>"
        )
    else:
        parts.append(_missing("No <code>config.yaml</code> in this run."))
    present = sorted(
        str(p.relative_to(run_dir))
        for p in run_dir.rglob("*")
        if p.is_file()
        and p.name not in (REPORT_NAME, RUN_LOCK)
        and FIGURES_DIR not in p.parts[-2:-1]
    )
    parts.append(
        "<p>Files in the run directory: "
        + ", ".join(f"<code>{_esc(p)}</code>" for p in present[:40])
        + (" …" if len(present) > 40 else "")
        + ".</p>"
    )
    parts.append(
        "<p>Rebuild this page: "
        f"<code>{_esc(report_command(run_program(rf.run), run_dir))}</code></p>"
    )
    if rf.problems:
        parts.append(
            "<p>Problems met while reading the results:</p><ul>"
            + "".join(f"<li>{_esc(p)}</li>" for p in rf.problems)
            + "</ul>"
        )
    return Section("reproducibility", "Reproducibility", "\n".join(parts))


# -------------------------------------------------------------------------------- builder
def html_page(heading: str, subtitle: str, sections: Sequence[Section]) -> str:
    """A self-contained page: ``heading``, ``subtitle`` (HTML; ``{stamp}`` becomes the build
    time, in UTC with its offset), a navigation bar and one ``<section>`` per ``Section``."""
    nav = "".join(f'<a href="#{s.id}">{_esc(s.title)}</a>' for s in sections)
    body = "\n".join(
        f'<section id="{s.id}"><h2>{_esc(s.title)}</h2>\n{s.body}\n</section>' for s in sections
    )
    # in UTC with its offset, as the run's start beside it (QA determinism18: local time
    # without a zone read as built hours before the run started)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(heading)}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{_esc(heading)}</h1>"
        f'<p class="sub">{subtitle.replace("{stamp}", stamp)}</p>'
        f"<nav>{nav}</nav>\n{body}\n</main></body></html>\n"
    )


def _comparison_page(run_dir: Path, comparison_csv: str) -> bool:
    """Whether ``run_dir``'s page is a scenario comparison (``python -m sim compare``, or a
    ``simulate --multirun``'s folder): its ``comparison_csv`` is there and its ``run.json``, if
    any, is a compare run's. Another command's record wins over a comparison lying beside it
    (QA hydra25 F6: a simulate run's page was an earlier sweep's comparison)."""
    if not (run_dir / comparison_csv).is_file():
        return False
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none (a sweep's folder), or unreadable: the files decide
        return True
    command = record.get("command") if isinstance(record, dict) else None
    return command in (None, "compare")


def build_report(
    run_dir: str | Path,
    *,
    out: str | Path | None = None,
    title: str | None = None,
    save_figures: bool = False,
) -> Path:
    """Write ``report.html`` for ``run_dir`` (or to ``out``) from the result files present.

    Returns the path written. The page has the sections summary, process map, bottlenecks,
    recommended changes, calibration quality and reproducibility; a section whose files are
    missing says which files it needs, or is left out when the run's command does not write
    them (``COMMAND_RESULTS``). With ``save_figures`` the images are also written as
    PNG files under ``run_dir/report/`` (for slides and documents), replacing an earlier
    build's; ``ConfigError`` before anything is written where ``report/`` holds numbered PNGs
    the run's records say it did not write (``refuse_replacing_figures``).
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        from sim.errors import ConfigError

        raise ConfigError(f"run: {run_dir} is not a directory")
    if save_figures:  # before anything is written
        refuse_replacing_figures(run_dir)
    from sim.report.compare import COMPARISON_CSV, build_comparison_report

    if _comparison_page(run_dir, COMPARISON_CSV):
        target = build_comparison_report(run_dir, out=out)
        if save_figures:
            _save_embedded(target.read_text(encoding="utf-8"), run_dir / FIGURES_DIR)
        return target
    rf = read_run(run_dir)
    command = (rf.run or {}).get("command", "run")
    with missing_glyphs() as missing:
        sections = [
            _summary(rf, COMMAND_RESULTS.get(command)),
            _map_section(rf),
            _bottleneck_section(rf),
            _recommendation_section(rf),
            _calibration_section(rf),
            _reproducibility_section(rf, run_dir),
        ]
    name = (
        rf.model.name
        if rf.model is not None
        else (rf.kpis or {}).get("model") or (rf.run or {}).get("model") or run_dir.name
    )
    # a section about results the command does not write is left out when they are missing
    sections = [sec for sec in sections if _applies(sec, command)]
    heading = title or f"{title_name(str(name))}: {command} report"
    page = html_page(
        heading,
        f"Run directory <code>{_esc(run_dir)}</code>; page built {{stamp}} by "
        "<code>sim.report</code> from the results the run saved (building it simulates "
        "nothing)." + missing_glyphs_note(missing, program=run_program(rf.run)),
        sections,
    )
    target = Path(out) if out is not None else run_dir / REPORT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_whole(target, page)
    if save_figures:
        _save_embedded(page, run_dir / FIGURES_DIR)
    if rf.trace_error is not None:
        command = report_command(run_program(rf.run), run_dir)
        # set apart by quotes, unless it has its own (a directory with a space)
        rebuild = command if "'" in command else f"'{command}'"
        advice = (
            f"{rebuild} with more memory free rebuilds it"
            if _trace_out_of_memory(rf)
            else "if the file is damaged, simulate again with output.trace=true to write it "
            f"anew; {rebuild} rebuilds the report once the file can be read"
        )
        warnings.warn(
            ReportReadWarning(
                f"{rf.trace_error}: the report in {run_dir} has no arrival heatmap (its "
                f"Bottlenecks section says why); {advice}"
            ),
            stacklevel=2,
        )
    return target


def missing_glyphs_note(missing: set[str], *, program: str = DEFAULT_PROGRAM) -> str:
    """The warning that the figures draw some characters of the run's names as empty boxes;
    ``program``: the run's (``run_program``), in the command that rebuilds the page."""
    if not missing:
        return ""
    shown = " ".join(sorted(missing)[:12]) + (" ..." if len(missing) > 12 else "")
    return (
        f' <span class="bad">The figures cannot draw {len(missing)} character(s) of names in '
        f"this run ({_esc(shown)}): no font installed here has them, so they show as empty "
        "boxes; the tables show the names. Install a font that has them (matplotlib tries "
        f"{_esc(', '.join(FALLBACK_FONTS[:3]))} and others) and rebuild the page with "
        f"<code>{_esc(program)} report run=...</code>.</span>"
    )


def _save_embedded(page: str, folder: Path) -> None:
    """Write the page's images as numbered PNG files into ``folder`` (``report/`` of the run),
    replacing an earlier build's (not those the run's records say it did not write: a user's,
    ``refuse_replacing_figures``). ``ConfigError`` when ``folder`` or one of those files is a
    symbolic link: this tool never makes one, and the files went where it pointed (QA)."""
    stale = _own(folder.parent, f"{folder.name}/{FIGURE_FILES}") if not folder.is_symlink() else []
    for link in (folder, *stale):
        if link.is_symlink():
            from sim.errors import ConfigError

            raise ConfigError(
                f"{link}: is a symbolic link, which this tool never makes; the report's figures "
                "would be written or removed through it, outside the run directory: remove the "
                "link (what it names stays) and build the report again"
            )
    folder.mkdir(parents=True, exist_ok=True)
    for old in stale:  # an earlier build's numbering
        old.unlink()
    pattern = r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)">'
    unique: dict[str, str] = {}  # the map is shown twice (fitted, full size): one file
    for data, alt in re.findall(pattern, page):
        unique.setdefault(data, alt)
    for k, (data, alt) in enumerate(unique.items(), 1):
        slug = re.sub(r"[^0-9a-z]+", "_", html.unescape(alt).lower()).strip("_")[:64] or "figure"
        (folder / f"{k:02d}_{slug}.png").write_bytes(base64.b64decode(data))
