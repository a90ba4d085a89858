"""Smoke test of experiments/redesign_benchmark/benchmark.py on tiny settings (issue 4).

The benchmark itself (exhaustive ground truth, 10 seeded searches per sampler) runs outside the
test suite; this only checks that the script runs end to end and writes consistent tables.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "experiments" / "redesign_benchmark" / "benchmark.py"

TINY_SPACE = """\
model: benchmark_claims
budget: 1
remove: [re_key, qa_check]
checks:
  qa_check:
    verdict: qa_ok
    pass_to: accept_decision
    escaped_errors_found_at: deliver
    rework_to: lost_complaint
staffing:
  ops: {min: 2, max: 3, one_off_cost_per_hire: 1}
"""


def test_benchmark_runs_on_tiny_settings(tmp_path: Path) -> None:
    space = tmp_path / "space.yaml"
    space.write_text(TINY_SPACE, encoding="utf-8")
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        str(SCRIPT),
        "--space", str(space),
        "--replications", "3",
        "--horizon-days", "1",
        "--warmup-days", "0.25",
        "--seeds", "1",
        "--samplers", "tpe,random",
        "--trials", "4",
        "--workers", "1",
        "--work-dir", str(tmp_path / "work"),
        "--out-dir", str(out),
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    truth = pd.read_csv(out / "exhaustive.csv")
    assert len(truth) == 8  # 2 x 2 x 2 combinations, all valid
    assert truth["rank"].tolist() == list(range(1, 9))
    best = truth.iloc[0]
    assert best["feasible"] and best["within_optimum_ci"]
    assert not (truth["within_optimum_ci"] & ~truth["feasible"]).any()

    per_seed = pd.read_csv(out / "results_per_seed_trials.csv")
    assert sorted(per_seed["sampler"].unique()) == ["random", "tpe"]
    assert len(per_seed) == 2
    assert (per_seed["trials"] == 4).all()
    assert (per_seed["distinct_simulated"] <= 5).all()  # 4 trials + the baseline
    summary = pd.read_csv(out / "results_summary_trials.csv")
    assert summary["method"].tolist() == ["tpe", "random", "exhaustive"]
    assert (
        (out / "results_trials.md").read_text(encoding="utf-8").startswith("# Redesign benchmark")
    )

    # a rerun reads every result from the cache
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "exhaustive:" not in again.stdout and "search " not in again.stdout
