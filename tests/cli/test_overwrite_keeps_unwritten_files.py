"""QA rt_files F2, F3, F4: ``output.overwrite=true`` removes what the earlier run's records say
it wrote and nothing else. A user's report.html, numbered figures or back-test files beside a run
that never wrote them stay (they were removed beside a report=false run, a comparison, an export,
a calibration without back-test); figures a later ``python -m sim report ... figures=true`` wrote
are the run's (they were kept as a user's, stale beside the new run); and a file kept that the
new run writes itself is refused before anything is removed (it was said "kept", then replaced)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli.overwrite import clear_earlier_run
from sim.errors import ConfigError
from tests.simcli import QUICK_SIMULATE, run_sim

MINE = "a file of the user's"


def _earlier_run(run: Path, record: dict, config: str, files: list[str], mine: list[str]) -> None:
    """A run directory as a run left it (``record``, ``config``, its ``files``) with the user's
    files ``mine`` beside them."""
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"status": "finished", **record}))
    (run / "config.yaml").write_text(config)
    for name, text in [(n, "written by the run") for n in files] + [(n, MINE) for n in mine]:
        (run / name).parent.mkdir(exist_ok=True)
        (run / name).write_text(text)


@pytest.mark.parametrize(
    ("record", "config", "files", "mine"),
    [
        (  # a) simulate output.report=false: report.html is not its
            {"command": "simulate", "report_files": []},
            "output: {trace: false, trace_format: csv.gz, report: false, figures: false}",
            ["kpis.json", "replications.csv"],
            ["report.html", "report/01_x.png"],
        ),
        (  # the same run's record older than report_files: its config.yaml says
            {"command": "simulate"},
            "output: {trace: false, trace_format: csv.gz, report: false, figures: false}",
            ["kpis.json", "replications.csv"],
            ["report.html", "report/01_x.png"],
        ),
        (  # b) a comparison writes no figures of its own
            {"command": "compare", "report_files": ["report.html"]},
            "output: {report: true}",
            ["comparison.csv", "report.html"],
            ["report/01_x.png"],
        ),
        (  # ... nor a report.html with output.report=false
            {"command": "compare", "report_files": []},
            "output: {report: false}",
            ["comparison.csv", "scenarios.json"],
            ["report.html"],
        ),
        (  # c) an export never writes a report
            {"command": "export", "path": "out/crm.mmd", "format": "mermaid", "report_files": []},
            "format: mermaid",
            ["crm.mmd"],
            ["report.html", "report/01_x.png"],
        ),
        (  # d) calibrate with backtest.enabled=false: no back-test files of its own
            {"command": "calibrate", "report_files": ["report.html"]},
            "backtest: {enabled: false, write_traces: true}\noutput: {report: true}",
            ["model.yaml", "fits.csv", "report.html"],
            ["backtest.json", "history.csv.gz", "cycle_times.csv.gz", "trace_0.csv.gz"],
        ),
    ],
    ids=[
        "simulate",
        "simulate-older-record",
        "compare",
        "compare-no-report",
        "export",
        "calibrate",
    ],
)
def test_files_the_records_say_the_run_did_not_write_stay(
    tmp_path, capsys, record, config, files, mine
):
    run = tmp_path / "run"
    _earlier_run(run, record, config, files, mine)
    assert clear_earlier_run(run) == len(files) + 2  # and run.json, config.yaml
    assert all((run / name).read_text() == MINE for name in mine)
    assert not any((run / name).exists() for name in files)
    said = capsys.readouterr().out
    assert "by name" not in said  # the record said which it wrote
    assert f"kept {len({n.split('/')[0] for n in mine})} other file(s)" in said


def test_figures_a_later_report_wrote_are_the_runs(tmp_path):
    """F4: ``report run=R figures=true`` on a run without figures records them; an overwrite
    removes them with the run (they stayed, stale: legal (1) beside a legal=3 run)."""
    from sim.model.run_records import run_wrote

    run = tmp_path / "run"
    quick = ["simulate", "process=mmc", *QUICK_SIMULATE, f"hydra.run.dir={run}"]
    assert run_sim(*quick).returncode == 0
    built = run_sim("report", f"run={run}", "figures=true")
    assert built.returncode == 0, built.stderr
    figures = sorted(p.relative_to(run).as_posix() for p in (run / "report").glob("*.png"))
    # by name (rt27_files F8: a pattern took a user's PNG added later for the run's)
    assert json.loads((run / "run.json").read_text())["report_files"] == [
        "report.html",
        *figures,
    ]
    assert figures and all(run_wrote(run, f) for f in figures) and run_wrote(run, "report.html")
    assert run_wrote(run, "report/99_x.png") is False
    again = run_sim(*quick, "output.overwrite=true", "scenario.staffing.server=3")
    assert again.returncode == 0, again.stderr
    assert not (run / "report").exists() and not (run / "report.html").exists()
    assert "kept" not in again.stdout


def test_a_report_on_an_older_record_keeps_what_its_own_report_wrote(tmp_path):
    """A record from before ``report_files``: the list starts with what its config.yaml says its
    own report wrote, so a rebuild without figures does not disown the run's figures."""
    from sim.cli.report import note_report_files
    from sim.model.run_records import run_wrote

    run = tmp_path / "run"
    config = "output: {trace: false, trace_format: csv.gz, report: true, figures: true}"
    _earlier_run(run, {"command": "simulate"}, config, ["report.html", "report/01_map.png"], [])
    note_report_files(run)
    assert json.loads((run / "run.json").read_text())["report_files"] == [
        "report.html",
        "report/01_map.png",
    ]
    assert run_wrote(run, "report/01_map.png") is True


@pytest.mark.parametrize(
    ("mine", "overrides"),
    [
        ("trace.csv.gz", {"trace": True}),
        ("report/01_x.png", {"report": True, "figures": True}),
        ("report.html", {"report": True}),
    ],
)
def test_a_kept_file_this_run_writes_is_refused_before_anything_goes(tmp_path, mine, overrides):
    """F3: a user's file that the new run writes itself (every numbered figure of report/ is
    replaced where it writes figures) was said "kept", then replaced."""
    run = tmp_path / "run"
    config = "output: {trace: false, trace_format: csv.gz, report: false, figures: false}"
    _earlier_run(run, {"command": "simulate", "report_files": []}, config, ["kpis.json"], [mine])
    output = {"trace": False, "trace_format": "csv.gz", "report": False, "figures": False}
    cfg = OmegaConf.create({"output": output | overrides})
    with pytest.raises(ConfigError, match=f"holds {mine}, which no run record there says"):
        clear_earlier_run(run, cfg, command="simulate")
    assert (run / mine).read_text() == MINE
    assert (run / "kpis.json").is_file()  # nothing removed
    cfg.output.update(output)  # a run that does not write it: kept
    assert clear_earlier_run(run, cfg, command="simulate") == 3
    assert (run / mine).read_text() == MINE


def test_simulate_refuses_to_replace_a_users_trace(tmp_path):
    """F3 on the command line: refused with exit status 2, the earlier run and the file kept."""
    run = tmp_path / "run"
    quick = ["simulate", "process=mmc", *QUICK_SIMULATE, f"hydra.run.dir={run}"]
    assert run_sim(*quick).returncode == 0
    (run / "trace.csv.gz").write_text(MINE)
    res = run_sim(*quick, "output.overwrite=true", "output.trace=true")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "holds trace.csv.gz, which no run record there says this tool wrote" in res.stderr
    assert (run / "trace.csv.gz").read_text() == MINE
    assert (run / "kpis.json").is_file()


def test_back_test_logs_numbered_beyond_the_runs_stay(tmp_path, capsys):
    """rt27_files F3: a back-test of 2 writes trace_1 and trace_2; a user's trace_0 and trace_7
    were removed with them, unnamed, and a kept trace_0 was refused as a file "this calibrate
    run writes"."""
    run = tmp_path / "run"
    config = (
        "backtest: {enabled: true, write_traces: true, replications: 2}\noutput: {report: false}"
    )
    files = ["model.yaml", "backtest.json", "trace_1.csv.gz", "trace_2.csv.gz", "baseline_2.csv.gz"]
    mine = ["trace_0.csv.gz", "trace_7.csv.gz", "baseline_3.csv.gz"]
    _earlier_run(run, {"command": "calibrate", "report_files": []}, config, files, mine)
    backtest = {"enabled": True, "write_traces": True, "replications": 8}
    cfg = OmegaConf.create({"backtest": backtest, "output": {"report": False, "figures": False}})
    # a run of 8 writes trace_7 and baseline_3, never trace_0: those two are refused
    with pytest.raises(ConfigError, match=r"holds baseline_3\.csv\.gz, trace_7\.csv\.gz, wh"):
        clear_earlier_run(run, cfg, command="calibrate")
    assert (run / "trace_1.csv.gz").is_file()  # nothing removed
    cfg.backtest.replications = 2  # writes trace_1, trace_2 only: the user's stay, no refusal
    assert clear_earlier_run(run, cfg, command="calibrate") == len(files) + 2
    assert all((run / name).read_text() == MINE for name in mine)
    assert "kept 3 other file(s)" in capsys.readouterr().out


def test_a_users_figure_added_after_the_runs_stays(tmp_path, capsys):
    """rt27_files F8: ``report_files`` names the figures its builds wrote; a user's
    report/99_mine.png added later was removed with them, unnamed."""
    run = tmp_path / "run"
    record = {"command": "simulate", "report_files": ["report.html", "report/01_map.png"]}
    config = "output: {trace: false, trace_format: csv.gz, report: true, figures: true}"
    files = ["kpis.json", "report.html", "report/01_map.png"]
    _earlier_run(run, record, config, files, ["report/99_mine.png"])
    assert clear_earlier_run(run) == len(files) + 2
    assert (run / "report/99_mine.png").read_text() == MINE
    assert not (run / "report/01_map.png").exists()
    assert "kept 1 other file(s) (report/99_mine.png)" in capsys.readouterr().out
