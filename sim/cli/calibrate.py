"""``python -m sim calibrate``: event log -> calibrated model, fidelity report (back-test)."""

from __future__ import annotations

import math
import numbers
import shlex
import textwrap
import time
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.calibrate import calibrate_model
from sim.calibrate.backtest import backtest
from sim.calibrate.backtest_reading import held_out_extract_note
from sim.cli.common import guard_run_dir, write_json, write_run_record
from sim.errors import ConfigError
from sim.eventlog import read_event_log, split_by_time
from sim.model import save

RESULTS = ("model.yaml", "backtest.json")


def _read(path: str, cfg: DictConfig, key: str):
    c = cfg.columns
    p = Path(str(path)).expanduser()
    if not p.is_file():
        raise ConfigError(f"{key}={path}: no such file")
    return read_event_log(
        p,
        case_id_key=c.case_id,
        activity_key=c.activity,
        start_key=c.start,
        end_key=c.end,
        resource_key=c.resource,
        time_format=c.time_format,
        max_rows=c.max_rows,
    )


def _names(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in OmegaConf.to_container(value, resolve=True)]


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> dict:
    """Read, clean, calibrate, back-test; write the model and the fidelity report."""
    guard_run_dir(run_dir, RESULTS, overwrite=bool(cfg.output.overwrite))
    t0 = time.perf_counter()
    log = _read(cfg.log, cfg, "log")
    bt = cfg.backtest
    if bt.enabled and bt.log is not None:
        train, test = log, _read(bt.log, cfg, "backtest.log")
    elif bt.enabled:
        train, test = split_by_time(log, train_fraction=float(bt.train_fraction))
    else:
        train, test = log, None
    write_run_record(run_dir, cfg, command="calibrate", extra={"log": str(cfg.log)})
    write_json(
        run_dir / "cleaning.json",
        {"log": log.report.to_dict()}
        | (
            {"backtest_log": test.report.to_dict()}
            if test is not None and bt.log is not None
            else {}
        ),
    )
    c = cfg.calibration
    name = cfg.name or Path(str(cfg.log)).name.split(".")[0]
    cal = calibrate_model(
        train,
        name=str(name),
        dropoff_outcomes=_names(cfg.outcomes.dropoff),
        abandonment_outcomes=_names(cfg.outcomes.abandonment),
        rare_path_threshold=float(c.rare_path_threshold),
        parallel_threshold=float(c.parallel_threshold),
        role_similarity=float(c.role_similarity),
        calendar_threshold=float(c.calendar_threshold),
        extraneous_delays=bool(c.extraneous_delays),
        delay_method=str(c.delay_method),
        delay_time=str(c.delay_time),
        truncation=str(c.truncation),
        max_repeats=int(c.max_repeats),
        deadline_timers=bool(c.deadline_timers),
        delay_by_predecessor=bool(c.delay_by_predecessor),
        criterion=str(c.criterion),
        seed=int(cfg.seed),
    )
    t_cal = time.perf_counter() - t0
    save(cal.model, run_dir / "model.yaml", overwrite=True)
    cal.fits.to_csv(run_dir / "fits.csv", index=False)
    if not cal.waiting.empty:  # per activity instance: waiting, extraneous delay, processing
        cal.waiting.to_csv(run_dir / "instances.csv.gz", index=False)
    summary = cal.summary() | {
        "seconds": round(t_cal, 2),
        "start_times_estimated": bool(train.start_times_estimated),
    }
    write_json(run_dir / "calibration.json", summary)
    print(
        f"calibrated '{cal.model.name}' from {train.n_cases} cases in {t_cal:.1f} s: "
        f"{len(cal.model.steps)} steps, {len(cal.model.decisions)} decisions, {len(cal.model.roles)} roles"
    )
    if cfg.outcomes.dropoff is None:
        print(
            f"drop-off outcomes (suggested; set outcomes.dropoff=[...] to choose): {cal.dropoff_outcomes}"
        )
    for note in cal.notes:
        print(f"  note: {note}")
    result = {"calibration": summary}
    if test is not None:
        res = backtest(
            cal.model,
            train,
            test,
            replications=int(bt.replications),
            seed=int(cfg.seed),
            dropoff_outcomes=cal.dropoff_outcomes,
            truncation=str(c.truncation),
            workers=cfg.workers,
            progress=bool(cfg.get("progress", True)),
            in_sample=bool(bt.get("in_sample", True)),
        )
        write_json(run_dir / "backtest.json", res.to_dict())
        if not res.historical.empty:
            res.historical.to_csv(run_dir / "history.csv.gz", index=False)
        res.cycle_times.to_csv(run_dir / "cycle_times.csv.gz", index=False)
        if bt.write_traces:
            for stem, df in res.event_logs().items():
                df.to_csv(run_dir / f"{stem}.csv.gz", index=False)
        result["backtest"] = res.to_dict()
        _print_backtest(res.to_dict())
    if cfg.output.get("report", True):
        from sim.cli.report import build

        build(run_dir, figures=bool(cfg.output.get("figures", False)))
    print(f"\nresults in {run_dir}")
    print(next_steps(run_dir / "model.yaml"))
    return result


def next_steps(model_path: Path) -> str:
    """The commands that use the calibrated model: simulate it, search its staffing."""
    process = shlex.quote(f"process={model_path}")
    objectives = shlex.quote("optimizer.objectives=[{kpi: cycle_time_mean},{kpi: headcount}]")
    return (
        "next: simulate it, or search how many people each role needs:\n"
        f"  python -m sim simulate {process}\n"
        f"  python -m sim optimize {process} redesign=staffing {objectives}"
    )


def _print_backtest(b: dict) -> None:
    note = held_out_extract_note(b.get("test") or {})
    if note:
        print("\n" + textwrap.fill(note, width=100))
    print(
        f"\nback-test over the held-out period ({b.get('settings', {}).get('replications')} "
        "replications; error vs history, 95 % CI over replications):"
    )
    for line in backtest_lines(b):
        print("  " + line)


def _fmt_err(v: Any) -> str:
    if not isinstance(v, dict) or fmt_num(v.get("mean")) == "-":
        return "-"
    out = f"{100 * v['mean']:+.1f} %"
    if v.get("ci_low") is not None and v.get("ci_high") is not None:
        out += f" [{100 * v['ci_low']:+.1f}, {100 * v['ci_high']:+.1f}]"
    return out


def fmt_num(v: Any) -> str:
    """A figure for the console: ``1,003``, ``22.3``, ``0.267``; ``-`` when missing."""
    if isinstance(v, dict):
        v = v.get("mean")
    if not isinstance(v, numbers.Real) or math.isnan(v):  # missing, or a note such as
        return "-"  # "not installed" for Simod's distances
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.1f}" if abs(v) >= 1 else f"{v:.3g}"


def backtest_lines(b: dict) -> list[str]:
    """The back-test's headline figures as aligned lines: history, model, naive baseline."""
    hist = (b.get("test") or {}).get("kpis") or {}
    model, base = b.get("model") or {}, b.get("baseline") or {}
    rows = [("", "history", "model", "naive baseline")]
    for key, label in (
        ("cycle_time_mean", "mean cycle time (h)"),
        ("cycle_time_p90", "p90 cycle time (h)"),
    ):
        rows.append(
            (
                label,
                fmt_num(hist.get(key)),
                f"{fmt_num(model.get(key))} ({_fmt_err(model.get(key + '_relerr'))})",
                f"{fmt_num(base.get(key))} ({_fmt_err(base.get(key + '_relerr'))})",
            )
        )
    ins = b.get("in_sample") or {}
    if ins.get("model"):  # right under the held-out mean
        rows.insert(
            2,
            (
                "  on the training period",
                fmt_num(ins.get("history_cycle_time_mean")),
                f"{fmt_num(ins['model'].get('cycle_time_mean'))} "
                f"({_fmt_err(ins['model'].get('cycle_time_mean_relerr'))})",
                "",
            ),
        )
    for key, label, in_history in (
        ("dropoff_rate", "drop-off rate", True),
        ("cycle_time_wasserstein_h", "cycle-time Wasserstein (h)", False),
    ):
        history = fmt_num(hist.get(key)) if in_history else ""
        rows.append((label, history, fmt_num(model.get(key)), fmt_num(base.get(key))))
    md = (model.get("distances") or {}).get("cycle_time_emd")
    bd = (base.get("distances") or {}).get("cycle_time_emd")
    if md is not None or bd is not None:
        rows.append(("cycle-time EMD (Simod)", "", fmt_num(md), fmt_num(bd)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    v = b.get("verdict") or {}

    def yes(key: str) -> str:
        return {True: "yes", False: "no", None: "n/a"}.get(v.get(key), "n/a")

    lines.append(
        f"mean cycle time within 10 %: {yes('cycle_time_mean_within_10pct')} (point estimate), "
        f"{yes('cycle_time_mean_ci95_within_10pct')} (whole 95 % CI); model closer than the "
        f"baseline: Wasserstein {yes('cycle_time_wasserstein_below_baseline')}, "
        f"EMD {yes('cycle_time_emd_below_baseline')}"
    )
    if v.get("reading"):
        lines += textwrap.wrap(str(v["reading"]), width=96)
    return lines
