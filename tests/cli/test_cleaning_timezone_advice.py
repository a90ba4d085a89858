"""cleaning.json written by ``python -m sim calibrate`` names the keys a user of the command types,
as its console does: ``columns.timezone=`` (``backtest.columns.timezone=`` for the held-out log),
not the library's ``timezone=``, which the command line refuses (QA spec24 #6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sim.eventlog import read_event_log
from tests.cli.test_calibrate_console_notes import utc_office_log
from tests.simcli import run_sim

# a bare timezone= (not part of columns.timezone= or backtest.columns.timezone=)
BARE = re.compile(r"(?<![\w.])timezone=")


def test_cleaning_json_advises_the_timezone_keys_the_command_takes(tmp_path: Path):
    log = utc_office_log(tmp_path / "log.csv", "2026-01-05", days=40)
    held_out = utc_office_log(tmp_path / "held_out.csv", "2026-02-16", days=20)
    run = tmp_path / "run"
    r = run_sim(
        "calibrate",
        f"log={log}",
        f"backtest.log={held_out}",
        "backtest.replications=1",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert r.returncode == 0, r.stderr
    cleaning = json.loads((run / "cleaning.json").read_text())
    for part, key in (("log", "columns.timezone"), ("backtest_log", "backtest.columns.timezone")):
        advice = [n for n in cleaning[part]["notes"] if "read as UTC" in n]
        assert len(advice) == 1, cleaning[part]["notes"]
        assert f"Pass {key}=<zone> with the office's zone (e.g. {key}=Europe/Berlin)" in advice[0]
        assert advice[0] in r.stdout  # the same words as on the console
        assert not [n for n in cleaning[part]["notes"] if BARE.search(n)]
    # the library names its own argument
    assert any(BARE.search(n) for n in read_event_log(log).report.notes)
