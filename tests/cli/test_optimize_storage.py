"""``python -m sim optimize`` and its storage: secrets, bad values, SIGTERM, killed runs.

QA: a password typed on the command line stayed in ``.hydra/*.yaml`` and the sweep's
``multirun.yaml`` (Hydra escapes ``:`` as ``\\:``, and a run failing on a config error never
reached the redaction); ``?password=`` and ``postgresql://:pw@`` were not masked at all; Optuna
errors came as tracebacks; SIGTERM left the trial in flight RUNNING forever.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest

from sim.errors import redact
from tests.optimize.conftest import files_holding, quick_search_args
from tests.simcli import run_sim

SECRET = "LeakMe123"


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://alice:s3cret@db:5432/x",
        "postgresql\\://alice\\:s3cret@db\\:5432/x",  # as Hydra saves an override
        "postgresql://:s3cret@db:5432/x",  # empty user: libpq takes the OS user
        "postgresql://db:5432/x?user=alice&password=s3cret",
        "postgresql://db:5432/x?sslmode=require&amp;password=s3cret",  # in report.html
        '"postgresql://db/x?password=s3cret"',
    ],
)
def test_redact_masks_every_url_form_of_a_password(text):
    clean = redact(text)
    assert "s3cret" not in clean and "***" in clean
    assert clean.split("***")[0] == text.split("s3cret")[0]  # what precedes it is kept


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://bob:p@ss@db:5432/x",
        "storage: 'postgresql://bob:p@ss@db/x', owner: ann@example.org",
        '{"storage": "postgresql\\://bob\\:p@ss@db/x"}',
    ],
)
def test_a_password_typed_with_an_at_sign_is_masked_whole(text):
    """QA 9b: 'bob:p@ss@host' was masked as 'bob:***@ss@host', leaving 'ss' showing."""
    clean = redact(text)
    assert "***@db" in clean and "ss@" not in clean and "p@" not in clean
    assert clean.endswith(text[text.index("@db") + 3 :])  # what follows the host is kept


@pytest.mark.parametrize(
    "text",
    [
        "postgresql+pg8000://qauser:Quo'teYY@127.0.0.1:5432/optuna",
        'postgresql://qauser:Dq"uoteZZ@127.0.0.1:5432/optuna',
        'error: cannot open "postgresql://qauser:Quo\'teYY@127.0.0.1:5432/optuna": refused',
        "- optimizer.storage='postgresql\\://qauser\\:Dq\"uoteZZ@127.0.0.1\\:5432/optuna'",
        "postgresql://db/x?user=a&password=ab'cdYY",
    ],
)
def test_a_password_holding_quotes_is_masked_whole(text):
    """QA 2026-12-04 #1: a quote ended the password, so none of it (or only its start) was
    masked, on the console and in the files Hydra writes."""
    clean = redact(text)
    assert "***" in clean
    assert not any(bit in clean for bit in ("Quo", "teYY", "Dq", "uoteZZ", "ab'", "cdYY"))


def test_a_driver_error_quoting_part_of_a_password_is_masked():
    """QA 2026-12-04 #2: the driver read 'Pa@ssWordRR@127.0.0.1' as the host and said so."""
    from sim.errors import redact_secrets_of

    url = "postgresql+pg8000://qauser:Pa@ssWordRR@127.0.0.1:5432/optuna"
    text = "InterfaceError: Can't create a connection to host ssWordRR@127.0.0.1"
    assert (
        redact_secrets_of(url, text)
        == "InterfaceError: Can't create a connection to host ***@127.0.0.1"
    )


def test_a_storage_url_with_an_unencoded_at_sign_is_refused_with_the_encoding():
    from sim.errors import ConfigError
    from sim.optimize.study import open_storage

    with pytest.raises(ConfigError) as err:
        open_storage("postgresql+pg8000://qauser:Pa@ssWordRR@127.0.0.1:5432/optuna")
    assert "must be percent-encoded: '%40' for each '@' in it" in str(err.value)
    assert "ssWord" not in str(err.value) and "Pa@" not in str(err.value)


def test_redact_leaves_urls_without_a_password_alone():
    for text in ("sqlite:///out/study.db", "sqlite:///:memory:", "postgresql://db:5432/x?user=a"):
        assert redact(text) == text


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://alice:{SECRET}@127.0.0.1:1/optuna",
        f'"postgresql://127.0.0.1:1/optuna?user=alice&password={SECRET}"',
        f"postgresql://:{SECRET}@127.0.0.1:1/optuna",
    ],
)
def test_a_run_failing_on_a_config_error_leaves_no_password_in_its_directory(tmp_path, url):
    run = tmp_path / "run"
    args = quick_search_args(tmp_path, 0)  # refused: n_trials must be >= 1, before the run record
    res = run_sim(*args, f"optimizer.storage={url}", f"hydra.run.dir={run}")
    assert res.returncode == 2 and "optimizer.n_trials" in res.stderr, res.stderr
    # Hydra wrote .hydra/overrides.yaml with the URL as typed: it went with the failed run
    assert not run.exists()
    assert SECRET not in res.stderr + res.stdout


def test_a_sweep_leaves_no_password_in_multirun_yaml_or_its_jobs(tmp_path):
    sweep = tmp_path / "sweep"
    args = quick_search_args(tmp_path, 0)
    res = run_sim(
        args[0],
        "--multirun",
        *args[1:],
        "seed=1,2",
        f"optimizer.storage=postgresql://alice:{SECRET}@127.0.0.1:1/optuna",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 2, res.stderr
    assert (sweep / "multirun.yaml").exists() and (sweep / "0" / ".hydra").is_dir()
    assert files_holding(sweep, SECRET) == []
    # Hydra's console echoes each job's overrides ("#0 : ..."): masked there too
    assert "#0 : " in res.stdout and "***@127.0.0.1" in res.stdout
    assert SECRET not in res.stdout + res.stderr


def test_an_unopenable_storage_with_an_empty_user_is_masked_everywhere(tmp_path):
    run = tmp_path / "run"
    res = run_sim(
        *quick_search_args(tmp_path, 1),
        f"optimizer.storage=postgresql://:{SECRET}@127.0.0.1:1/optuna",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 2 and "optimizer.storage: cannot open" in res.stderr, res.stderr
    assert "postgresql://:***@127.0.0.1:1/optuna" in res.stderr
    assert SECRET not in res.stderr + res.stdout
    assert files_holding(run, SECRET) == []


def test_a_storage_url_with_a_query_is_read_as_typed_without_shell_quotes(tmp_path):
    """QA 11: `optimizer.storage=postgresql://.../db?sslmode=require` (a URL's query, the
    README's `?password=` form) was refused by Hydra's grammar, "mismatched input '='
    expecting <EOF>", unless the user quoted it for Hydra inside the shell's quotes."""
    run = tmp_path / "run"
    url = f"postgresql+pg8000://alice@127.0.0.1:1/optuna?application_name=sim&password={SECRET}"
    res = run_sim(
        *quick_search_args(tmp_path, 1), f"optimizer.storage={url}", f"hydra.run.dir={run}"
    )
    # the URL reached the storage check whole (no server listens on port 1), masked
    assert res.returncode == 2 and "optimizer.storage: cannot open" in res.stderr, res.stderr
    assert "/optuna?application_name=sim&password=***'" in res.stderr
    assert "mismatched input" not in res.stderr
    assert SECRET not in res.stderr + res.stdout
    assert not run.exists()


@pytest.mark.parametrize("space", ["file", "staffing"])
def test_a_new_run_whose_storage_cannot_be_opened_leaves_no_directory(tmp_path, space):
    """QA: the storage was opened after the run record, so the failed run left .hydra/,
    config.yaml, run.json and an empty main.log (and, with redesign=staffing, redesign.yaml)
    although it wrote no result; a config error removes them."""
    run = tmp_path / "run"
    args = quick_search_args(tmp_path, 1)
    if space == "staffing":
        args = [a if not a.startswith("redesign=") else "redesign=staffing" for a in args]
    res = run_sim(
        *args,
        f"optimizer.storage=postgresql+pg8000://alice:{SECRET}@127.0.0.1:1/optuna",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 2 and "optimizer.storage: cannot open" in res.stderr, res.stderr
    assert "postgresql+pg8000://alice:***@127.0.0.1:1/optuna" in res.stderr
    assert SECRET not in res.stderr + res.stdout
    assert not run.exists(), sorted(str(p.relative_to(run)) for p in run.rglob("*"))


def test_a_resumed_run_whose_storage_cannot_be_opened_keeps_its_results(tmp_path):
    """The same failure on a directory holding an earlier search: nothing in it changes."""
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 1), f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0
    before = {
        str(p.relative_to(run)): p.read_bytes()
        for p in run.rglob("*")
        if p.is_file() and ".hydra" not in p.parts
    }
    assert {"run.json", "config.yaml", "study.db", "trials.csv"} <= set(before)
    res = run_sim(*args, f"optimizer.storage=postgresql+pg8000://alice:{SECRET}@127.0.0.1:1/optuna")
    assert res.returncode == 2 and "optimizer.storage: cannot open" in res.stderr, res.stderr
    after = {
        str(p.relative_to(run)): p.read_bytes()
        for p in run.rglob("*")
        if p.is_file() and ".hydra" not in p.parts
    }
    assert after == before
    assert files_holding(run, SECRET) == []
    assert SECRET not in res.stderr + res.stdout


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (["optimizer.n_jobs=abc"], "optimizer.n_jobs: expected an integer, got 'abc'"),
        (["optimizer.n_trials=1.5"], "optimizer.n_trials: expected an integer, got 1.5"),
        (["optimizer.top_k=two"], "optimizer.top_k: expected an integer, got 'two'"),
        (
            ["optimizer.confirm_replications=1"],
            "optimizer.confirm_replications: expected >= 2 (a CI needs two), got 1",
        ),
        (["optimizer.top_k=0"], "optimizer.top_k: expected >= 1 (redesigns to confirm), got 0"),
        (
            ["optimizer.constraints={utilisation_max: {max: -2}}"],
            "optimizer.constraints.utilisation_max.max: expected >= 0",
        ),
        (
            ["optimizer=nsga2", "optimizer.sampler.population_size=1"],
            "optimizer.sampler: optuna.samplers.NSGAIISampler: `population_size` must be",
        ),
        (
            ["optimizer.sampler._target_=optuna.samplers.CmaEsSampler"],
            "optimizer.sampler: CmaEsSampler searches one objective only",
        ),
        (
            ["optimizer.storage='sqlite:///:memory:'"],
            "optimizer.storage: 'sqlite:///:memory:' is an in-memory SQLite database",
        ),
    ],
)
def test_bad_optimizer_values_exit_2_naming_the_key(tmp_path, overrides, says):
    run = tmp_path / "run"
    args = quick_search_args(tmp_path, 2)
    if any(o.startswith("optimizer=") for o in overrides):
        args = [a for a in args if not a.startswith("optimizer=")]
    objectives = "optimizer.objectives=[{kpi: cycle_time_mean},{kpi: cost_per_case}]"
    res = run_sim(*args, objectives, *overrides, f"hydra.run.dir={run}")
    assert res.returncode == 2, res.stderr
    assert says in res.stderr
    assert "Traceback" not in res.stderr
    assert not (run / "study.db").exists()  # refused before the study was opened


def _states(db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # never creates the file
    try:
        return [s for (s,) in con.execute("SELECT state FROM trials")]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("sig", "status", "said"),
    [
        (signal.SIGTERM, 143, "terminated (SIGTERM); finished work is saved in"),
        (signal.SIGINT, 130, "interrupted; finished work is saved in"),
    ],
)
def test_sigterm_stops_the_search_like_ctrl_c(tmp_path, sig, status, said):
    """Either way the user is told the search resumes (Ctrl-C did not say so, QA 9b), and the
    report of the stopped run says where its trials are and how to go on."""
    run = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *quick_search_args(tmp_path, 5000), f"hydra.run.dir={run}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        db = run / "study.db"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if _states(db).count("COMPLETE") >= 3:
                    break
            except sqlite3.Error:
                pass  # not created yet
            time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, err
    assert said in err and "rerun the same command to resume" in err
    assert "Traceback" not in err
    states = _states(run / "study.db")
    assert "RUNNING" not in states and states.count("COMPLETE") >= 3
    if sig == signal.SIGINT:
        res = run_sim("report", f"run={run}")
        assert res.returncode == 0, res.stderr
        page = (run / "report.html").read_text()
        assert "Its search stopped before writing them" in page and "to resume it" in page


def test_a_resumed_run_fails_the_trials_a_killed_run_left_running(tmp_path):
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 2), f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0
    # what a SIGKILL during a trial leaves: the trial RUNNING in the run directory's study.db
    study = optuna.load_study(study_name="tiny", storage=f"sqlite:///{run / 'study.db'}")
    stale = study.ask().number
    res = run_sim(*[a.replace("n_trials=2", "n_trials=3") for a in args])
    assert res.returncode == 0, res.stderr
    assert f"1 trial(s) left running by an interrupted run (#{stale}) marked failed" in res.stderr
    trials = pd.read_csv(run / "trials.csv")
    assert "RUNNING" not in set(trials["state"])
    assert trials.set_index("trial").loc[stale, "state"] == "FAIL"
    assert (trials["state"] == "COMPLETE").sum() == 3
    # QA 2026-12-04 #8: said why, apart from the search space's refusals
    assert trials.set_index("trial").loc[stale, "failed"].startswith("stopped before its result")
    assert trials.loc[trials["state"] == "COMPLETE", "failed"].isna().all()


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("seed=7", "the study 'tiny' in this storage was made for a different model, search space"),
        (
            "optimizer.sampler._target_=optuna.samplers.TPESampler",
            "the study 'tiny' in this storage was made with RandomSampler, not TPESampler",
        ),
    ],
)
def test_a_new_run_on_another_searchs_study_leaves_no_directory(tmp_path, override, says):
    """QA: a study of the same name in a shared storage, made by another search (another seed,
    space, objectives ... or sampler), was refused only when the search opened it, after the
    run record: the refused run left .hydra/, config.yaml, run.json and main.log behind. The
    check the search makes now runs before the record too."""
    shared = f"optimizer.storage=sqlite:///{tmp_path / 'shared.db'}"
    args = [*quick_search_args(tmp_path, 1), shared]
    assert run_sim(*args, f"hydra.run.dir={tmp_path / 'first'}").returncode == 0
    run = tmp_path / "second"
    res = run_sim(*args, override, f"hydra.run.dir={run}")
    assert res.returncode == 2 and f"optimizer.study_name: {says}" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert not run.exists(), sorted(str(p.relative_to(run)) for p in run.rglob("*"))
    study = optuna.load_study(study_name="tiny", storage=shared.partition("=")[2])
    assert len(study.trials) == 1  # the first search's, untouched
    # the same search again is no clash: it resumes the study
    assert run_sim(*args, f"hydra.run.dir={run}").returncode == 0


def test_a_resumed_run_whose_own_study_is_another_searchs_keeps_its_record(tmp_path):
    """The same refusal on the run directory's own study.db (the earlier run searched with
    seed 1, this one asks for seed 7): refused before config.yaml and run.json are rewritten."""
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 1), f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0
    before = {
        str(p.relative_to(run)): p.read_bytes()
        for p in run.rglob("*")
        if p.is_file() and ".hydra" not in p.parts
    }
    assert {"run.json", "config.yaml", "study.db"} <= set(before)
    res = run_sim(*args, "seed=7")
    assert res.returncode == 2 and "was made for a different model" in res.stderr, res.stderr
    after = {
        str(p.relative_to(run)): p.read_bytes()
        for p in run.rglob("*")
        if p.is_file() and ".hydra" not in p.parts
    }
    assert after == before


# A SIGTERM whose handler runs inside a weakref callback the garbage collector called (or a
# __del__): Python prints "Exception ignored in ..." for what the handler raised and goes on.
SIGTERM_IN_A_WEAKREF_CALLBACK = """
import os, signal, sys, weakref
from sim.cli import main as cli
from sim.optimize import evaluate

real = evaluate._simulate_kpis
calls = {"n": 0}

class Owner:
    pass

def simulate(job):
    calls["n"] += 1
    if calls["n"] == 6:  # a trial or so in: the signal lands in a callback Python runs
        owner = Owner()
        keep = weakref.ref(owner, lambda _: os.kill(os.getpid(), signal.SIGTERM))
        del owner
    return real(job)

evaluate._simulate_kpis = simulate
cli.main(sys.argv[1:])
"""


def test_sigterm_that_lands_where_python_ignores_exceptions_still_stops_the_search(tmp_path):
    """QA 9b: a SIGTERM during a search landed in a weakref callback the garbage collector ran
    (``WeakKeyDictionary``'s); Python printed "Exception ignored in" with the ``Terminated``
    traceback, and the search ran on to its last trial and exited 0: the kill was lost."""
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 60), f"hydra.run.dir={run}"]
    res = subprocess.run(
        [sys.executable, "-c", SIGTERM_IN_A_WEAKREF_CALLBACK, *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 143, res.stderr
    assert "terminated (SIGTERM); finished work is saved in" in res.stderr
    assert "Exception ignored" not in res.stderr and "Traceback" not in res.stderr
    states = _states(run / "study.db")
    assert "RUNNING" not in states
    assert states.count("COMPLETE") < 20  # stopped at the next simulation, not after 60 trials
    assert not (run / "recommendations.md").exists()


def test_a_refused_resume_names_what_differs_from_the_study(tmp_path):
    """QA 9b: rerunning into a search's directory with another optimizer.replications (or
    horizon, or seed) was refused as "made for a different model, search space, objectives,
    scenario or seed", naming neither what differed nor, for replications, that it counts."""
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 1), f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0
    for override, says in (
        ("optimizer.replications=3", "here optimizer.replications is 3, the study's 2"),
        ("scenario.horizon_days=3", "here scenario.horizon_days is 3, the study's 2"),
        ("seed=7", "here seed is 7, the study's 0"),
    ):
        res = run_sim(
            *[a for a in args if not a.startswith(override.split("=")[0] + "=")], override
        )
        assert res.returncode == 2, res.stderr
        assert "optimizer.replications" in res.stderr and says in res.stderr, res.stderr


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://u:se cret@db:5432/x",
        "- optimizer.storage='postgresql://u:se cret@db:5432/x'",  # .hydra/overrides.yaml
        "postgresql\\://u\\:se cret@db\\:5432/x",  # as Hydra escapes an override
        "storage postgresql://u:se cret@db:5432/x, owner ann@example.org",
    ],
)
def test_a_password_typed_with_a_space_is_masked_whole(text):
    """QA 12: the mask stopped at whitespace, so 'u:se cret@host' was left in clear."""
    clean = redact(text)
    assert "se" not in clean.split("u")[-1].split("@")[0] and "cret" not in clean
    assert "***@db" in clean and clean.endswith(text[text.index("@db") + 3 :])


def test_redact_does_not_take_a_sentence_after_a_url_for_a_password():
    text = "postgresql://db:5432/x is down, mail ann@example.org"
    assert redact(text) == text


def test_a_run_with_a_spaced_password_leaves_it_nowhere(tmp_path):
    run = tmp_path / "run"
    url = "postgresql://u:Leak Me123@127.0.0.1:1/optuna"
    res = run_sim(
        *quick_search_args(tmp_path, 1), f"optimizer.storage={url}", f"hydra.run.dir={run}"
    )
    assert res.returncode == 2 and "optimizer.storage: cannot open" in res.stderr, res.stderr
    assert "postgresql://u:***@127.0.0.1:1/optuna" in res.stderr
    assert "Me123" not in res.stderr + res.stdout
    assert not run.exists() or files_holding(run, "Me123") == []


@pytest.mark.parametrize("flag", [["--cfg", "job"], ["-c", "all"], ["--cfg=hydra"]])
def test_hydra_cfg_prints_the_storage_password_masked(tmp_path, flag):
    """QA 12: ``--cfg job`` printed the composed config, the storage password in clear."""
    url = f"postgresql://alice:{SECRET}@127.0.0.1:1/optuna"
    res = run_sim("optimize", *flag, f"optimizer.storage={url}")
    assert res.returncode == 0, res.stderr
    assert "alice:***@127.0.0.1" in res.stdout
    assert SECRET not in res.stdout + res.stderr


@pytest.mark.parametrize(
    "flags",
    [
        ["--info", f"optimizer.storage=postgresql://alice:{SECRET}@h/db"],
        ["-c", f"optimizer.storage=postgresql://alice:{SECRET}@h/db"],
        [f"--cfg=optimizer.storage=postgresql://alice:{SECRET}@h/db"],
    ],
)
def test_a_flag_taking_the_storage_override_for_its_value_masks_it(flags, capsys, monkeypatch):
    """QA 13: ``--info <override>``: Hydra's argument parser took the override for the value of
    ``--info`` and printed it, the password in clear, in its error (run in this process: the
    stream stderr goes to is the one Hydra's parser writes to)."""
    from sim.cli.main import main

    monkeypatch.setattr(sys, "argv", ["sim"])
    with pytest.raises(SystemExit) as exc:
        main(["optimize", *flags])
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    assert "invalid choice: 'optimizer.storage=postgresql://alice:***@h/db'" in err
    assert SECRET not in out + err


def test_shell_completion_offers_no_password(capsys, monkeypatch):
    """QA 13: Hydra completed ``optimizer.storage`` with the URL typed earlier on the line,
    password in clear; a masked completion would replace the password, so it is not offered."""
    from sim.cli.main import main

    monkeypatch.setattr(sys, "argv", ["sim"])
    url = f"postgresql://alice:{SECRET}@h/db"
    monkeypatch.setenv("COMP_LINE", f"sim optimizer.storage={url} optimizer.stor")
    main(["optimize", "-sc", "query=bash"])
    assert capsys.readouterr().out.split() == ["optimizer.storage="]  # completion still works
    monkeypatch.setenv("COMP_LINE", f"sim optimizer.storage={url} optimizer.storage=")
    main(["optimize", "-sc", "query=bash"])
    out, err = capsys.readouterr()
    assert SECRET not in out + err


def test_shell_completion_without_its_subcommand_says_what_to_give(capsys, monkeypatch):
    """QA 13: ``-sc`` alone ended in a traceback from inside Hydra."""
    from sim.cli.main import main

    monkeypatch.setattr(sys, "argv", ["sim"])
    with pytest.raises(SystemExit) as exc:
        main(["optimize", "-sc"])
    assert exc.value.code == 2
    assert "--shell-completion: give one of install=SHELL" in capsys.readouterr().err
