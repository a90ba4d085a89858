"""Peak memory of ``python -m sim calibrate`` (defaults: back-test, report) against log length.

    python experiments/calibrate_memory/measure.py [--events 100000 200000 400000] [--keep DIR]
        [--no-backtest]

Each log is BPIC 2012 W (``../shared/data/bpic2012_w/BPIC_2012_W.csv.gz``) repeated with shifted
case ids and times until it has the requested number of events. Each calibration runs as its
own process tree; the peak of the summed resident memory of the tree (the command and its
replication workers) is sampled from ``/proc`` every 0.2 s (Linux only). Printed per log: events,
wall time, peak memory, and bytes per event above the interpreter's own memory; then the
least-squares line ``peak = base + per_event x events`` that ``sim.cli.memory`` uses.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "data" / "bpic2012_w" / "BPIC_2012_W.csv.gz"


def repeated_log(events: int, out: Path) -> Path:
    """BPIC 2012 W copied end to end (case ids and times shifted) to ``events`` rows."""
    src = pd.read_csv(SOURCE, dtype=str)
    start = pd.to_datetime(src["start_time"], format="ISO8601")
    end = pd.to_datetime(src["end_time"], format="ISO8601")
    span = end.max() - start.min() + pd.Timedelta(days=1)
    ids = src["case_id"].astype(np.int64)
    parts, written, k = [], 0, 0
    while written < events:
        part = src.copy()
        part["case_id"] = (ids + k * 10_000_000).astype(str)
        part["start_time"] = (start + k * span).dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
        part["end_time"] = (end + k * span).dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
        part = part.iloc[: events - written]
        parts.append(part)
        written += len(part)
        k += 1
    pd.concat(parts).to_csv(out, index=False)
    return out


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (0 for those already gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS"))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total * 1024


def peak_memory(args: list[str]) -> tuple[float, int, int]:
    """Run ``args``; wall seconds, return code and peak summed RSS of its process tree."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.2)
    return time.perf_counter() - t0, proc.returncode, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, nargs="+", default=[100_000, 200_000, 400_000])
    ap.add_argument("--keep", type=Path, default=None, help="keep logs and runs in this directory")
    ap.add_argument(
        "--no-backtest", action="store_true", help="calibrate only (backtest.enabled=false)"
    )
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp(prefix="calibrate_memory_"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in a.events:
        log = repeated_log(n, work / f"log_{n}.csv")
        run = work / f"run_{n}"
        cmd = [
            sys.executable,
            "-m",
            "sim",
            "calibrate",
            f"log={log}",
            f"hydra.run.dir={run}",
            "output.overwrite=true",
            "progress=false",
        ]
        if a.no_backtest:
            cmd += ["backtest.enabled=false", "output.report=false"]
        seconds, rc, peak = peak_memory(cmd)
        if rc != 0:
            sys.exit(f"calibrate failed on {n} events (exit {rc}); see {run}")
        rows.append((n, seconds, peak))
        print(f"{n:>10,} events  {seconds:7.1f} s  peak {peak / 1e9:5.2f} GB", flush=True)
    if len(rows) < 2:
        return  # a line needs two lengths
    n, _, peak = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    per_event, base = np.polyfit(n, peak, 1)
    print(f"peak = {base / 1e6:.0f} MB + {per_event:.0f} bytes x events (least squares)")


if __name__ == "__main__":
    main()
