"""Process-map layout on large maps: this checkout against the layout as it was, in one run.

    python experiments/benchmarks/layout_speed.py [--rounds 3] [--reference 2412c45] [--full]

The maps are those a calibrate report draws (QA 2026-12-04 analyst #2: a log of 100+
activities never got its report): the first 300 cases of BPIC 2012 W's training log, with each
activity split at random into K variants (``W_Nabellen offertes #7``; K = 1, 5, 20), calibrated;
the report draws the model one step per activity and with its own steps, each cut to its 30 most
visited steps. And the bundled CRM model. Each map is laid out whole (``layout_process``, no rare
branch hidden) and as the report does it (``readable_layout``: the least threshold of 0, 1, 2, 5
or 10 % that untangles it), by this checkout and by ``sim/report/layout.py`` of the
``--reference`` commit, alternating, ``--rounds`` times each (best and median), and the two
layouts are compared.

The reference takes about 20 minutes on the K = 20 maps; it is timed there only with ``--full``
(once). Times are CPU seconds of this process (the machine is shared); the ratios compare the two
codes, and each map to the CRM map, in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SIM_SHARED_DATA", REPO.parent / "shared" / "data")) / "bpic2012_w"
THRESHOLDS = (0.0, 0.01, 0.02, 0.05, 0.1)  # sim.report.process_map.AUTO_THRESHOLDS


def reference_layout(commit: str) -> types.ModuleType:
    """``sim/report/layout.py`` as of ``commit``, as a module of its own (it needs only the
    standard library: the model is only a type there)."""
    source = subprocess.run(
        ["git", "show", f"{commit}:sim/report/layout.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(f"layout_{commit}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{commit}:sim/report/layout.py", "exec"), module.__dict__)
    return module


def split_log(k: int, folder: Path) -> Path:
    """The first 300 cases of BPIC 2012 W's training log, each activity split at random into
    ``k`` variants (seeded), as a CSV in ``folder``."""
    import pandas as pd

    log = pd.read_csv(SHARED / "BPIC_2012_W_train.csv.gz")
    cases = log.case_id.drop_duplicates().iloc[:300]
    base = log[log.case_id.isin(cases)][
        ["case_id", "activity", "start_time", "end_time", "resource"]
    ].reset_index(drop=True)
    if k > 1:
        variant = np.random.default_rng(1).integers(0, k, len(base))
        base["activity"] = base.activity + " #" + pd.Series(variant).astype(str)
    path = folder / f"split_{k}.csv"
    base.to_csv(path, index=False)
    return path


def report_maps(path: Path, k: int) -> dict:
    """The maps a calibrate report draws of the model calibrated from ``path``: one step per
    activity, and the model's own steps, each cut to its 30 most visited steps."""
    from sim.calibrate import calibrate_model
    from sim.eventlog import read_event_log
    from sim.model.views import activity_view
    from sim.report.process_map import MAP_STEPS_MAX, frequent_part

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = calibrate_model(read_event_log(path), seed=0).model
        view = activity_view(model)
    return {
        f"K={k}, activities": frequent_part(view, MAP_STEPS_MAX) or view,
        f"K={k}, steps": frequent_part(model, MAP_STEPS_MAX) or model,
    }


def plain(layout: object) -> object:
    """A layout as nested tuples and dicts, so that two modules' layouts compare."""
    return dataclasses.asdict(layout)  # type: ignore[call-overload]


def cpu(fn: Callable[..., object], *args: object) -> tuple[float, object]:
    """CPU seconds of ``fn(*args)`` and its result."""
    t0 = time.process_time()
    out = fn(*args)
    return time.process_time() - t0, out


def reference_readable(ref: types.ModuleType, model, whole: object) -> object:
    """``readable_layout`` as it was (every threshold tried laid out in full), given its first
    try: ``whole``, the map at threshold 0, timed on its own."""
    allowed = max(6.0, len(model.steps) / 2)
    layout = whole
    for th in THRESHOLDS[1:]:
        if layout.crossings <= allowed:  # type: ignore[attr-defined]
            break
        layout = ref.layout_process(model, min_probability=th)
    return layout


def time_map(model, ref: types.ModuleType, rounds: int, old: bool) -> tuple[dict, bool | None]:
    """CPU seconds per round of the whole map and of the report's map, new and (with ``old``)
    old, alternating; and whether the two codes gave the same layouts."""
    from sim.report.layout import layout_process
    from sim.report.process_map import readable_layout

    times: dict[str, list[float]] = {}
    same = True
    for _ in range(rounds):
        new_whole_s, new_whole = cpu(layout_process, model)
        new_report_s, new_report = cpu(readable_layout, model)
        times.setdefault("new whole", []).append(new_whole_s)
        times.setdefault("new report", []).append(new_report_s)
        if not old:
            continue
        old_whole_s, old_whole = cpu(ref.layout_process, model)
        rest_s, old_report = cpu(reference_readable, ref, model, old_whole)
        times.setdefault("old whole", []).append(old_whole_s)
        times.setdefault("old report", []).append(old_whole_s + rest_s)
        same &= plain(old_whole) == plain(new_whole) and plain(old_report) == plain(new_report)
    return times, same if old else None


def ratio(r: float) -> str:
    """``r`` as a speed-up: one decimal below 10."""
    return f"{r:.1f}x" if r < 10 else f"{r:.0f}x"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reference", default="2412c45", help="commit of the layout to compare")
    ap.add_argument("--full", action="store_true", help="also time the reference on K = 20")
    args = ap.parse_args()

    from sim.model import load
    from sim.report.layout import layout_process

    ref = reference_layout(args.reference)
    maps = {"crm": load(REPO / "configs" / "process" / "crm_sales.yaml")}
    with tempfile.TemporaryDirectory() as tmp:
        for k in (1, 5, 20):
            maps.update(report_maps(split_log(k, Path(tmp)), k))
    cpu(layout_process, maps["crm"])  # warm up (imports, numpy's first calls)
    cpu(ref.layout_process, maps["crm"])
    rows = []
    for name, model in maps.items():
        large = name.startswith("K=20")
        times, same = time_map(model, ref, 1 if large else args.rounds, args.full or not large)
        best = {label: min(ts) for label, ts in times.items()}
        median = {label: statistics.median(ts) for label, ts in times.items()}
        n_edges = len(ref.model_graph(model).edges)
        rows.append((name, len(model.steps), n_edges, best, same))
        shown = ", ".join(f"{k} {best[k]:.2f} / {median[k]:.2f}" for k in best)
        print(f"{name}: {len(model.steps)} steps, {n_edges} edges; best / median CPU s: {shown}")
    crm = rows[0][3]["new whole"]
    print()
    print(
        "| map | steps | edges | whole map: old / new CPU s | speed-up | report's map: old / new "
        "CPU s | speed-up | new whole / CRM's | same layouts |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, n_steps, n_edges, best, same in rows:
        cells = [name, str(n_steps), str(n_edges)]
        for kind in ("whole", "report"):
            new = best[f"new {kind}"]
            old = best.get(f"old {kind}")
            cells += (
                [f"{old:.2f} / {new:.2f}", ratio(old / new)] if old else [f"- / {new:.2f}", "-"]
            )
        cells += [ratio(best["new whole"] / crm), {True: "yes", False: "NO", None: "-"}[same]]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
