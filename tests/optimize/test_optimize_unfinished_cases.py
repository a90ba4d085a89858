"""optimize with cases still in progress when the runs stop (``scenario.drain=false``): its
baseline and comparisons are of the finished, quicker cases only, so it warns as simulate does
(``sim.cli.simulate.unfinished_warning``), on the console and in recommendations.md. QA: the
CRM's baseline read "mean cycle time 39.4 h, drop-off 91.1 %" with 65 % of its cases
unfinished, and nothing said so."""

from __future__ import annotations

from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim

UNFINISHED = "of the measured cases were still in progress when the runs stopped"


def _search(tmp_path, *extra: str):
    run = tmp_path / "run"
    res = run_sim(*quick_search_args(tmp_path, 2), f"hydra.run.dir={run}", *extra)
    assert res.returncode == 0, res.stderr
    return res, (run / "recommendations.md").read_text(encoding="utf-8")


def test_undrained_runs_warn_once_on_the_console_and_under_the_baseline(tmp_path):
    # a clerk for every 1.2 h of work per hour of arrivals: a queue that a 2-day run ends with
    res, md = _search(tmp_path, "scenario.drain=false", "+process.steps.intake.duration.mean=1.2")
    assert res.stderr.count(UNFINISHED) == 1, res.stderr
    assert "(scenario.drain=false)" in res.stderr
    _, _, rest = md.partition("Baseline (confirmation")
    warning = rest.split("\n\n")[1]
    assert warning.startswith("**warning: ") and UNFINISHED in warning, rest[:2000]
    assert warning.endswith("**")


def test_drained_runs_say_nothing(tmp_path):
    res, md = _search(tmp_path)
    assert UNFINISHED not in res.stderr
    assert UNFINISHED not in md
