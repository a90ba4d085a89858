"""run.json of an extended optimize run records the seed its sampler used beside the configured
one (QA researcher17 #3)."""

from __future__ import annotations

import json

from sim.optimize.study import sampler_seed
from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim


def test_run_json_records_the_sampler_seeds_used(tmp_path):
    run = tmp_path / "run"
    for n_trials in (2, 3):
        res = run_sim(*quick_search_args(tmp_path, n_trials), "seed=4", f"hydra.run.dir={run}")
        assert res.returncode == 0, res.stderr
    record = json.loads((run / "run.json").read_text())
    first = record["earlier_runs"][0]
    assert first["sampler_seed"] == 4 and first["sampler_seeds_used"] == [4]
    before = record["study_trials_before"]
    assert before >= 2 and record["study_runs_before"] == 1
    assert record["sampler_seed"] == 4
    assert record["sampler_seeds_used"] == [sampler_seed(4, trials_before=before, run=1)] != [4]
