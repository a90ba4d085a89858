"""Ctrl-C that Python ignored (raised inside a weakref callback or ``__del__``) still stops a
sweep: it is kept and raised when the job under way ends (QA4a: 2 of 8 Ctrl-Cs were lost and the
sweep ran on to its end)."""

from __future__ import annotations

import json
import os
import weakref

import pytest

from sim.cli import main as cli
from tests.conftest import REPO
from tests.dropped_stop_kit import stop_python_only_reports
from tests.simcli import start_sim_until_its_task_runs


def test_an_ignored_interrupt_is_raised_when_a_sweeps_job_ends():
    went_on = []
    with pytest.raises(KeyboardInterrupt), cli._kept_interrupts(stop_after=True):
        stop_python_only_reports()
        went_on.append("the job's own work")
    assert went_on == ["the job's own work"]  # the job finished its work first


def test_a_single_run_finishes_and_says_the_interrupt_was_not_acted_on(capsys):
    with cli._kept_interrupts(stop_after=False):
        stop_python_only_reports()
    assert "could not act on it" in capsys.readouterr().err


def test_other_ignored_errors_still_reach_pythons_hook(monkeypatch):
    seen = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: seen.append(type(u.exc_value)))

    class Box:
        pass

    def callback(_ref: object) -> None:
        raise ValueError("a bug in a clean-up")

    with cli._kept_interrupts(stop_after=True):
        box = Box()
        ref = weakref.ref(box, callback)
        del box
    assert ref() is None and seen == [ValueError]


def test_a_sweep_stops_after_the_job_where_python_ignored_ctrl_c(tmp_path, monkeypatch):
    import sim.cli.simulate as simulate

    real = simulate.run

    def run(cfg, run_dir, **kwargs):
        out = real(cfg, run_dir, **kwargs)
        if int(cfg.seed) == 1:
            stop_python_only_reports()
        return out

    monkeypatch.setattr(simulate, "run", run)
    monkeypatch.chdir(tmp_path)
    sweep = tmp_path / "sweep"
    with pytest.raises(SystemExit) as stopped:
        cli.main(
            [
                "simulate",
                "--multirun",
                "process=mmc",
                "seed=1,2,3",
                "scenario.replications=2",
                "scenario.horizon_days=5",
                "progress=false",
                "output.report=false",
                f"hydra.sweep.dir={sweep}",
            ]
        )
    assert stopped.value.code == 130
    assert (sweep / "0" / "kpis.json").exists()  # the job under way finished
    assert not (sweep / "1").exists() and not (sweep / "2").exists()  # no job after it ran


def test_an_ignored_interrupt_is_said_at_once_not_only_when_the_job_ends(capsys):
    """QA retest: a Ctrl-C kept for the job's end was silent until then (6 s, or hours)."""
    with pytest.raises(KeyboardInterrupt), cli._kept_interrupts(stop_after=True):
        stop_python_only_reports()
        said_before_the_end = capsys.readouterr().err
    assert "the sweep stops at its next replication, or when this job ends; Ctrl-C again" in (
        said_before_the_end
    )


_SWALLOWING_DRIVER = """
import os, signal, sys
import sim.engine.replications as replications

one = replications._one


def losing_the_stop(job):
    if job[3] == 2:  # replication 2: Ctrl-C lands in code that clears what it raised
        try:
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))  # the handler runs here, at the next bytecode
        except KeyboardInterrupt:
            pass  # as C code does that calls Python code and clears its error (PyDict_GetItem)
    return one(job)


replications._one = losing_the_stop
from sim.cli.main import main

main(sys.argv[1:])
"""


_SWALLOWING_IN_A_SEARCH = """
import os, signal, sys
import sim.optimize.evaluate as evaluate

simulate = evaluate._simulate_kpis
calls = []


def losing_the_stop(args):
    calls.append(args)
    if len(calls) == 5:  # the fifth replication of the search: Ctrl-C, then dropped
        try:
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))
        except KeyboardInterrupt:
            pass
    return simulate(args)


evaluate._simulate_kpis = losing_the_stop
from sim.cli.main import main

main(sys.argv[1:])
"""


def _run_losing_the_stop(tmp_path, *args: str, driver_text: str = _SWALLOWING_DRIVER):
    """``python -m sim <args>`` whose replication 2 gets a Ctrl-C that is then dropped."""
    import subprocess
    import sys

    driver = tmp_path / "driver.py"
    driver.write_text(driver_text)
    return subprocess.run(
        [sys.executable, str(driver), *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("sweep", [False, True], ids=["single run", "sweep"])
def test_a_ctrl_c_python_dropped_silently_stops_the_run_at_its_next_replication(tmp_path, sweep):
    """CI: a Ctrl-C that C code cleared was lost without a word, and the sweep ran on through
    its 5,000 replications. The handler notes each stop; the next replication raises it."""
    out = tmp_path / "out"
    args = ["process=mmc", "scenario.horizon_days=2", "scenario.replications=400"]
    args += ["workers=1", "progress=false", "output.report=false"]
    args += (
        ["--multirun", f"hydra.sweep.dir={out}", "seed=1,2"] if sweep else [f"hydra.run.dir={out}"]
    )
    res = _run_losing_the_stop(tmp_path, *args)
    assert res.returncode == 130, res.stderr
    assert "interrupted" in res.stderr
    job = out / "0" if sweep else out
    assert json.loads((job / "run.json").read_text())["status"] == "interrupted"
    assert not (job / "kpis.json").exists()  # stopped at replication 3 of 400, not at the end
    assert not (out / "1").exists()


def test_a_ctrl_c_python_dropped_in_a_back_test_stops_calibrate_at_its_next_replication(tmp_path):
    log = tmp_path / "log.csv"
    lines = ["case_id,activity,start_time,end_time,resource"]
    for i in range(200):
        day, h = f"2020-01-{1 + i // 8:02d}", 9 + i % 8
        lines += [f"{i},a,{day} {h}:00,{day} {h}:10,r1", f"{i},b,{day} {h}:20,{day} {h}:40,r2"]
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    args = ["calibrate", f"log={log}", "backtest.replications=400", "backtest.in_sample=false"]
    args += ["workers=1", "progress=false", "output.report=false", f"hydra.run.dir={out}"]
    res = _run_losing_the_stop(tmp_path, *args)
    assert res.returncode == 130, res.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    assert (out / "model.yaml").is_file() and not (out / "backtest.json").exists()


def test_a_ctrl_c_python_dropped_in_a_search_stops_optimize_at_its_next_replication(tmp_path):
    """QA signals22: the search and its confirmation ran on to the end, exit 0, not a word."""
    out = tmp_path / "out"
    args = ["optimize", "process=crm_sales", "optimizer.n_trials=15", "scenario.horizon_days=14"]
    args += ["scenario.warmup_days=3", "workers=1", "progress=false", "output.report=false"]
    res = _run_losing_the_stop(
        tmp_path, *args, f"hydra.run.dir={out}", driver_text=_SWALLOWING_IN_A_SEARCH
    )
    assert res.returncode == 130, res.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"


def test_a_second_ctrl_c_while_the_first_is_handled_is_ignored(monkeypatch):
    """QA signals22: a second Ctrl-C 5-50 ms after the first cut its clean-up short (a hang, a
    traceback from the run-directory unlock, or a false "before the run started" line)."""
    from sim.cli import stop_requests

    stop_requests.forget()
    with pytest.raises(KeyboardInterrupt):
        cli._interrupt(2, None)
    assert cli._interrupt(2, None) is None  # the same stop, on its way out
    assert cli._terminate_run(15, None) is None
    now = stop_requests.time.monotonic()
    monkeypatch.setattr(stop_requests.time, "monotonic", lambda: now + stop_requests.HANDLING_S + 1)
    with pytest.raises(KeyboardInterrupt):  # still running long after: the first was lost
        cli._interrupt(2, None)


def test_a_second_ctrl_c_after_python_dropped_the_first_stops_at_once():
    from sim.cli import stop_requests

    stop_requests.forget()
    with cli._kept_interrupts(stop_after=False):
        stop_python_only_reports()  # the first: Python only reported it
        with pytest.raises(KeyboardInterrupt):  # "Ctrl-C again to stop now"
            cli._interrupt(2, None)


def test_an_error_a_stop_caused_in_a_librarys_clean_up_is_said_as_the_stop(monkeypatch, tmp_path):
    """QA signals22: Ctrl-C in OmegaConf's ``flag_override`` made its clean-up raise
    AttributeError; the sweep ended in a traceback with exit status 1, not as interrupted."""
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)

    def app() -> None:
        try:
            raise KeyboardInterrupt
        finally:
            raise AttributeError("'NoneType' object has no attribute '_invalidate_flags_cache'")

    with pytest.raises(KeyboardInterrupt):
        cli._run_app_reporting_errors(app, "simulate", [], tmp_path)


def test_an_error_with_no_stop_behind_it_is_still_reported_as_a_bug(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)

    def app() -> None:
        raise AttributeError("a bug")

    with pytest.raises(SystemExit) as ended:
        cli._run_app_reporting_errors(app, "simulate", [], tmp_path)
    assert ended.value.code == 1 and "AttributeError: a bug" in capsys.readouterr().err


def test_a_ctrl_c_python_dropped_during_replications_lets_the_next_one_stop_at_once(capsys):
    """QA retest22: the engine kept the dropped stop to itself; the command line's hook never
    heard of it, so the "Ctrl-C again to stop now" it promised was ignored for 5 s."""
    import weakref

    from sim.engine.dropped_stops import keeping_dropped_stops

    class Box:
        pass

    with cli._kept_interrupts(stop_after=False):
        with pytest.raises(KeyboardInterrupt), keeping_dropped_stops():
            box = Box()
            ref = weakref.ref(box, lambda _ref: cli._interrupt(2, None))  # the handler, there
            del box  # its KeyboardInterrupt is dropped: Python only reports it
            assert ref() is None
            assert "Ctrl-C again to stop now" in capsys.readouterr().err
            cli._interrupt(2, None)  # again: raised at once
            pytest.fail("the second Ctrl-C was ignored")


def test_a_second_ctrl_c_as_the_run_exits_still_ends_it_with_status_130(tmp_path):
    """QA retest22: a second Ctrl-C 50 ms after the first landed as the interpreter shut down,
    where SIGINT has its default action again, and ended the process by SIGINT (-2, 12 of 12)."""
    import signal
    import time

    out = tmp_path / "out"
    args = ["process=mmc", "scenario.horizon_days=2", "scenario.replications=5000", "workers=1"]
    args += ["progress=false", "output.report=false", f"hydra.run.dir={out}"]
    proc = start_sim_until_its_task_runs(*args, record=out / "run.json")
    time.sleep(0.5)  # into the replications
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.count("interrupted") == 1, err


_SWALLOWING_BETWEEN_JOBS = """
import os, signal, sys
import sim.cli.main as cli

run_task = cli._run_task
done = []


def losing_the_stop_after_a_job(command, cfg):
    run_task(command, cfg)
    done.append(command)
    if len(done) == 1:  # between jobs 0 and 1: Ctrl-C, then dropped
        try:
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))
        except KeyboardInterrupt:
            pass


cli._run_task = losing_the_stop_after_a_job
cli.main(sys.argv[1:])
"""


def test_a_ctrl_c_python_dropped_between_two_jobs_stops_the_sweep_before_the_next(tmp_path):
    """QA signals22: the next job forgot the stop, and every job left ran, exit 0."""
    out = tmp_path / "out"
    args = ["simulate", "--multirun", "process=mmc", "scenario.horizon_days=2", "seed=1,2,3"]
    args += ["scenario.replications=5", "workers=1", "progress=false", "output.report=false"]
    res = _run_losing_the_stop(
        tmp_path, *args, f"hydra.sweep.dir={out}", driver_text=_SWALLOWING_BETWEEN_JOBS
    )
    assert res.returncode == 130, res.stderr
    assert (out / "0" / "kpis.json").is_file()
    assert not (out / "1" / "kpis.json").exists() and not (out / "2").exists()
