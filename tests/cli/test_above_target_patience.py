"""A role offered more work than its hours whose every step has a short patience: the after-run
note and report.html say that cases giving up hold its queue down, not that its waits grow with
the horizon (QA retest20b #3: an M/M/3+M offered 150 % with a patience of 0.5 h, 87 % busy,
waited 0.209 h over 7 days and 0.212 h over 28, while the note said waits depend on
scenario.horizon_days; its pre-run warning already said the queue stays bounded)."""

from __future__ import annotations

import html

from tests.erlang_a import mmc_spec, simulate_spec


def _run(tmp_path, name: str, spec: dict) -> tuple[str, str, dict]:
    kpis, said, run = simulate_spec(
        tmp_path, name, spec, replications=3, horizon_days=4, warmup_days=1, seed=1
    )
    page = html.unescape((run / "report.html").read_text(encoding="utf-8"))
    return said, " ".join(page.split()), kpis


def test_an_impatient_role_above_its_hours_is_said_to_lose_work_not_to_queue_longer(tmp_path):
    spec = mmc_spec("mm3", interarrival_hours=1 / 3, job_hours=1.5, servers=3, patience_hours=0.5)
    said, page, kpis = _run(tmp_path, "impatient", spec)
    assert kpis["staffing_suggestion"]["offered_load"]["server"]["relieved_by_patience"] is True
    assert "server" in kpis["above_target_roles"]  # about 87 % busy: the note is given
    flat = " ".join(said.split())
    assert "hold the queue down, so waits do not grow with the horizon" in flat
    assert "grows with the horizon" not in flat and "depend on scenario.horizon_days" not in flat
    assert "hold its queue down, so waits do not grow with the horizon" in page
    assert "its queue grows with the horizon" not in page
