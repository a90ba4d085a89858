"""calibrate's config and input checks: a bad value is named by the key a user types, before any
log is read or file written, so the corrected rerun can use the same directory."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli.calibrate import config_key_text
from tests.conftest import sim_in
from tests.simcli import run_sim


def calibrate_only(log: Path, run: Path, *extra: str) -> subprocess.CompletedProcess:
    """``calibrate`` without back-test or report: the quickest run that prints the notes."""
    return run_sim(
        "calibrate",
        f"log={log}",
        "backtest.enabled=false",
        "output.report=false",
        f"hydra.run.dir={run}",
        *extra,
    )


def small_log(path: Path, *, cases: int = 40, prefix: str = "", case_offset: int = 0) -> Path:
    """``cases`` cases a -> b, four a day, two clerks."""
    lines = ["case_id,activity,start_time,end_time,resource"]
    for i in range(cases):
        day = f"2020-01-{1 + i // 4:02d}"
        h = 9 + i % 4
        case = i + case_offset
        lines += [
            f"{case},{prefix}a,{day} {h}:00,{day} {h}:10,r1",
            f"{case},{prefix}b,{day} {h}:20,{day} {h}:40,r2",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("columns.max_rows=abc", "columns.max_rows: expected an integer >= 1 or auto, got 'abc'"),
        ("seed=abc", "seed: expected an integer >= 0, got 'abc'"),
        ("outcomes.dropoff=5", "outcomes.dropoff: expected a list of activity names"),
        ("backtest.replications=0", "backtest.replications: expected an integer >= 1, got 0"),
        ("backtest.train_fraction=1.0", "backtest.train_fraction: expected a share strictly"),
        ("calibration.criterion=xyz", "calibration.criterion must be 'aic' or 'bic'"),
        ("calibration.parallel_threshold=-1", "calibration.parallel_threshold must be in [0, 1]"),
        (
            "calibration.calendar_minutes=7",
            "calibration.calendar_minutes must be one of 15, 20, 30, 60 minutes, got 7",
        ),
        (
            "calibration.calendar_minutes=0",
            "calibration.calendar_minutes: expected an integer >= 1",
        ),
        ("calibration.calendar_minutes=5", "calibration.calendar_minutes must be one of 15, 20,"),
        ("workers=-1", "workers: expected an integer >= 1 or null, got -1"),
        (
            "cleaning.date_only_duplicates=maybe",
            "cleaning.date_only_duplicates: expected drop or keep, got 'maybe'",
        ),
    ],
)
def test_a_bad_value_names_its_key_and_leaves_the_directory_free(tmp_path, override, says):
    log = small_log(tmp_path / "log.csv")
    run = tmp_path / "run"
    res = run_sim("calibrate", f"log={log}", override, f"hydra.run.dir={run}", "progress=false")
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert says in res.stderr
    # nothing left that looks like a run: not even Hydra's .hydra/ and an empty main.log
    assert not run.exists(), sorted(p.name for p in run.iterdir())


def test_errors_from_reading_name_the_columns_keys(tmp_path):
    log = small_log(tmp_path / "log.csv")
    res = run_sim(
        "calibrate", f"log={log}", "columns.max_rows=10", f"hydra.run.dir={tmp_path / 'r'}"
    )
    assert res.returncode == 2
    assert "more than columns.max_rows=10 rows; raise columns.max_rows= to read" in res.stderr


def test_a_log_in_another_encoding_is_read_with_columns_encoding(tmp_path):
    """QA 8a #11: a Windows-1252 export (an activity 'prüfen') is refused with the line, the
    byte and the key to pass; with columns.encoding=cp1252 the run reads it."""
    log = small_log(tmp_path / "utf8.csv", prefix="prüfen_")
    cp = tmp_path / "cp1252.csv"
    cp.write_bytes(log.read_text(encoding="utf-8").encode("cp1252"))
    res = run_sim("calibrate", f"log={cp}", f"hydra.run.dir={tmp_path / 'r1'}", "progress=false")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "line 2: byte(s) 0xfc" in res.stderr and "columns.encoding='cp1252'" in res.stderr
    run = tmp_path / "r2"
    res = run_sim(
        "calibrate",
        f"log={cp}",
        "columns.encoding=cp1252",
        "backtest.replications=1",
        f"hydra.run.dir={run}",
        "progress=false",
    )
    assert res.returncode == 0, res.stderr
    assert "prüfen_a" in (run / "model.yaml").read_text(encoding="utf-8")


def test_columns_timezone_reads_the_log_on_a_named_clock(tmp_path):
    """An unknown zone names columns.timezone and what it expects; a known one converts the
    log's offsets to it (an office at 09:00 +01:00 opens at 08:00 UTC)."""
    lines = small_log(tmp_path / "naive.csv").read_text().splitlines()
    aware = [lines[0]] + [
        ",".join(
            f"{v.replace(' ', 'T')}:00+01:00" if i in (2, 3) else v
            for i, v in enumerate(line.split(","))
        )
        for line in lines[1:]
    ]
    log = tmp_path / "aware.csv"
    log.write_text("\n".join(aware) + "\n")
    res = calibrate_only(log, tmp_path / "bad", "columns.timezone=Mars/Base", "progress=false")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "columns.timezone='Mars/Base' is not a time zone" in res.stderr
    assert not (tmp_path / "bad").exists()
    run = tmp_path / "utc"
    res = calibrate_only(log, run, "columns.timezone=UTC", "progress=false")
    assert res.returncode == 0, res.stderr
    cleaning = json.loads((run / "cleaning.json").read_text())
    assert cleaning["log"]["clock"] == "UTC"
    assert "timezone=" not in res.stderr.replace("columns.timezone=", "")
    local = tmp_path / "local"
    res = calibrate_only(log, local, "progress=false")
    assert res.returncode == 0, res.stderr
    (said,) = [line for line in res.stdout.splitlines() if "UTC offset" in line]
    assert "read on the clock they were written in" in said
    assert "Pass columns.timezone='UTC'" in said  # the key the user types
    assert json.loads((local / "cleaning.json").read_text())["log"]["clock"] == "local"
    utc_model, local_model = (r / "model.yaml" for r in (run, local))
    assert "08:00" in utc_model.read_text() and "08:00" not in local_model.read_text()


def test_columns_no_resource_reads_a_placeholder_as_nobody(tmp_path):
    """QA 9b #4: a placeholder resource (BPIC 2012's NOT_SET) was a member of a role; the
    console says so, and columns.no_resource=[NOT_SET] reads its rows as resource-less."""
    log = small_log(tmp_path / "log.csv")
    text = log.read_text().replace(",r2\n", ",NOT_SET\n", 10)
    log.write_text(text)
    res = calibrate_only(log, tmp_path / "r1", "progress=false")
    assert res.returncode == 0, res.stderr
    assert "looks like a placeholder" in res.stdout
    assert "pass columns.no_resource=[NOT_SET]." in res.stdout
    run = tmp_path / "r2"
    res = calibrate_only(log, run, "columns.no_resource=[NOT_SET]", "progress=false")
    assert res.returncode == 0, res.stderr
    assert "NOT_SET" not in (run / "model.yaml").read_text()
    cleaning = json.loads((run / "cleaning.json").read_text())
    assert cleaning["log"]["rows_without_resource"] == 10


def test_library_argument_names_become_config_keys():
    assert (
        config_key_text("pass dropoff_outcomes=[] for none; activity_key='x'")
        == "pass outcomes.dropoff=[] for none; columns.activity='x'"
    )
    assert config_key_text("criterion must be 'aic'") == "calibration.criterion must be 'aic'"
    # a key already spelled out, or the word in prose, stays as it is
    for text in ("backtest.replications must be", "the replications of the model", "criterion"):
        assert config_key_text(text) == text


def test_a_split_too_small_to_test_says_what_to_change(tmp_path):
    log = small_log(tmp_path / "log.csv", cases=3)
    res = run_sim("calibrate", f"log={log}", f"hydra.run.dir={tmp_path / 'r'}", "progress=false")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "leaves 2 to calibrate and 1 to test" in res.stderr
    assert "calibrating from" not in res.stdout  # refused before calibrating
    for hint in ("backtest.log=", "backtest.train_fraction", "backtest.enabled=false"):
        assert hint in res.stderr


def test_a_held_out_log_of_another_process_is_refused(tmp_path):
    log = small_log(tmp_path / "log.csv")
    other = small_log(tmp_path / "other.csv", prefix="X_", case_offset=100)
    res = run_sim(
        "calibrate", f"log={log}", f"backtest.log={other}", f"hydra.run.dir={tmp_path / 'r'}"
    )
    assert res.returncode == 2
    assert f"backtest.log={other}: none of its 2 activities occurs in log={log}" in res.stderr


def test_the_training_log_as_held_out_log_is_refused(tmp_path):
    log = small_log(tmp_path / "log.csv")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(log.read_bytes())
    for held_out in (log, copy):
        run = tmp_path / f"r_{held_out.stem}"
        res = run_sim("calibrate", f"log={log}", f"backtest.log={held_out}", f"hydra.run.dir={run}")
        assert res.returncode == 2 and "so nothing is held out" in res.stderr


def test_a_held_out_log_with_the_training_cases_is_noted(tmp_path):
    # monthly extracts may restart their case numbers: the same ids, other events
    log = small_log(tmp_path / "log.csv")
    later = tmp_path / "later.csv"
    later.write_text(log.read_text().replace("2020-01-", "2020-02-"))
    res = run_sim(
        "calibrate",
        f"log={log}",
        f"backtest.log={later}",
        "backtest.replications=1",
        "output.report=false",
        "workers=1",
        "progress=false",
        f"hydra.run.dir={tmp_path / 'r'}",
    )
    assert res.returncode == 0, res.stderr
    assert "40 of the held-out log's 40 case ids also occur in the training log" in res.stdout
    # the run record ties the results to the exact input files
    record = json.loads((tmp_path / "r" / "run.json").read_text())
    digest = hashlib.sha256(log.read_bytes()).hexdigest()
    digest_later = hashlib.sha256(later.read_bytes()).hexdigest()
    assert [i["sha256"] for i in record["inputs"]] == [digest, digest_later]
    assert f"read {log}: 80 rows, kept 80 (40 cases)" in res.stdout


def test_an_abandonment_outcome_must_be_a_dropoff(tmp_path):
    log = small_log(tmp_path / "log.csv")
    res = run_sim(
        "calibrate",
        f"log={log}",
        "outcomes.dropoff=[]",
        "outcomes.abandonment=[b]",
        "backtest.enabled=false",
        f"hydra.run.dir={tmp_path / 'r'}",
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "outcomes.abandonment=['b']: not among the drop-off outcomes []" in res.stderr


def test_cases_all_starting_at_one_moment_are_described_as_such(tmp_path):
    log = small_log(tmp_path / "log.csv")
    text = log.read_text().splitlines()
    same = [text[0]] + [
        ",".join(r.split(",")[:2] + ["2020-01-01 09:00"] * 2 + r.split(",")[4:]) for r in text[1:]
    ]
    log.write_text("\n".join(same) + "\n")
    res = run_sim(
        "calibrate", f"log={log}", "backtest.enabled=false", f"hydra.run.dir={tmp_path / 'r'}"
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "cases start at the same moment" in res.stderr and "time of day" in res.stderr


def test_a_log_without_resources_says_there_is_no_staff_to_search(tmp_path):
    log = small_log(tmp_path / "log.csv")
    rows = [",".join(r.split(",")[:4]) for r in log.read_text().splitlines()]
    log.write_text("\n".join(rows) + "\n")
    res = calibrate_only(log, tmp_path / "r")
    assert res.returncode == 0, res.stderr
    assert "0 roles" in res.stdout
    assert "calibrating from 40 cases" not in res.stdout  # enough cases: no 'rough' note
    assert "the log names no resources" in res.stdout and "columns.resource=..." in res.stdout
    assert "python -m sim simulate" in res.stdout and "redesign=staffing" not in res.stdout


def test_a_small_training_set_is_called_rough(tmp_path):
    log = small_log(tmp_path / "log.csv", cases=12)
    res = calibrate_only(log, tmp_path / "r")
    assert res.returncode == 0, res.stderr
    assert "note: calibrating from 12 cases only: fitted values are rough" in res.stdout


def test_any_file_name_can_be_given_as_typed(tmp_path):
    """Commas, spaces, '=' or '$(' in a path, or a leading '~', broke Hydra's override parser."""
    import os

    odd = tmp_path / "my logs, 2024 (a=b) $(x)"
    odd.mkdir()
    log = small_log(odd / "log, v2.csv")
    env = {**os.environ, "HOME": str(odd)}
    for given in (f"log={log}", "log=~/log, v2.csv"):
        run = tmp_path / f"run {len(given)}"
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "sim",
                "calibrate",
                given,
                "backtest.enabled=false",
                "output.report=false",
                f"hydra.run.dir={run}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )
        assert res.returncode == 0, res.stderr
        assert (run / "model.yaml").is_file()


def test_cleaning_notes_on_the_console_name_the_config_keys(tmp_path):
    log = small_log(tmp_path / "log.csv")
    rows = log.read_text().splitlines()
    rows[0] = rows[0].replace("start_time", "Start")
    log.write_text("\n".join(rows) + "\n")
    res = calibrate_only(log, tmp_path / "r")
    assert res.returncode == 0, res.stderr
    assert "  cleaning: The log has no start times" in res.stdout
    assert "pass columns.start='Start'" in res.stdout and "start_key" not in res.stdout


def test_model_yaml_notes_name_the_config_keys(tmp_path):
    """QA: every loan report and model.yaml told users to pass dropoff_outcomes=[] and
    abandonment_outcomes=[...], which the command line rejects."""
    import yaml

    log = small_log(tmp_path / "log.csv")
    text = log.read_text().replace(",b,", ",Cancelled,")  # an end that reads like a loss
    log.write_text(text)
    res = calibrate_only(log, tmp_path / "r")
    assert res.returncode == 0, res.stderr
    notes = yaml.safe_load((tmp_path / "r" / "model.yaml").read_text())["metadata"]["notes"]
    joined = " ".join(notes)
    assert "outcomes.dropoff=[]" in joined and "outcomes.abandonment=[...]" in joined
    assert "dropoff_outcomes=" not in joined and "abandonment_outcomes=" not in joined


def test_a_failing_job_of_a_calibrate_sweep_is_named_and_the_others_run(tmp_path):
    log = small_log(tmp_path / "log.csv")
    sweep = tmp_path / "sweep"
    res = run_sim(
        "calibrate",
        "--multirun",
        f"log={log}",
        "backtest.enabled=false",
        "output.report=false",
        "progress=false",
        "seed=abc,0",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "error: job 0 (" in res.stderr and "seed: expected an integer" in res.stderr
    assert "1 of the sweep's 2 jobs did not finish" in res.stderr
    assert (sweep / "1" / "model.yaml").is_file()


def test_a_held_out_log_of_the_same_period_is_noted(tmp_path):
    """QA 9a #8: a log split by case (even and odd ids) as training and held-out logs back-tested
    the held-out cases' arrivals alone over the dates whose staff also worked the training
    cases (the loan log read +33 %, as in-sample), with no word that the two share their dates."""
    from sim.cli.calibrate import held_out_mismatch
    from sim.eventlog import read_event_log

    both = small_log(tmp_path / "all.csv").read_text().splitlines()
    header, rows = both[0], both[1:]
    even = tmp_path / "even.csv"
    even.write_text("\n".join([header] + [r for r in rows if int(r.split(",")[0]) % 2 == 0]))
    odd = tmp_path / "odd.csv"
    odd.write_text("\n".join([header] + [r for r in rows if int(r.split(",")[0]) % 2 == 1]))
    later = tmp_path / "later.csv"
    later.write_text((tmp_path / "odd.csv").read_text().replace("2020-01-", "2020-02-"))
    train = read_event_log(even)
    keys = {"log_key": "log=even.csv", "test_key": "backtest.log=odd.csv"}
    notes = held_out_mismatch(train, read_event_log(odd), **keys)
    assert any(
        "19 of the held-out log's 20 cases started within the training log's period" in n
        for n in notes
    )
    assert not any(
        "training log's period" in n
        for n in held_out_mismatch(train, read_event_log(later), **keys)
    )


def test_the_back_test_header_promises_an_interval_only_where_replications_give_one(capsys):
    """With backtest.replications=1 the errors have no interval: the header said '95 % CI over
    replications' all the same (QA 9a)."""
    from sim.cli.calibrate import _print_backtest

    model = {"cycle_time_mean": 10.0, "cycle_time_mean_relerr": {"mean": 0.05}}
    result = {"settings": {"replications": 1}, "test": {"kpis": {}}, "model": model}
    _print_backtest(result)
    header = capsys.readouterr().out.strip().splitlines()[0]
    assert header == "back-test over the held-out period (1 replication; error vs history):"
    _print_backtest({**result, "settings": {"replications": 5}})
    assert "(5 replications; error vs history, 95 % CI over replications):" in (
        capsys.readouterr().out
    )


def test_relative_logs_are_found_with_hydra_job_chdir(tmp_path):
    """QA 12: with hydra.job.chdir=true the job runs in its run directory, where relative
    log= and backtest.log= paths were 'no such file' although the files exist."""
    small_log(tmp_path / "train.csv")
    small_log(tmp_path / "held.csv", case_offset=1000)
    res = sim_in(
        tmp_path,
        "calibrate",
        "log=train.csv",
        "backtest.log=held.csv",
        "backtest.replications=1",
        "output.report=false",
        "hydra.job.chdir=true",
        "hydra.run.dir=run",
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "run" / "model.yaml").is_file()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["log"] == str(
        tmp_path / "train.csv"
    )


def test_an_existing_input_path_is_made_absolute_and_a_missing_one_kept_as_typed(tmp_path):
    from sim.cli.main import rewrite_process_override

    small_log(tmp_path / "train.csv")
    (tmp_path / "r 1").mkdir()
    configs = Path(__file__).resolve().parents[2] / "configs"
    old = Path.cwd()
    try:
        os.chdir(tmp_path)
        out = rewrite_process_override(
            ["log=train.csv", "backtest.log=gone.csv", "sweep=r 1", "runs=[r 1,gone]"], configs
        )
    finally:
        os.chdir(old)
    assert out == [
        f"log={tmp_path / 'train.csv'}",
        "backtest.log=gone.csv",
        f"sweep='{tmp_path / 'r 1'}'",
        f"runs=['{tmp_path / 'r 1'}',gone]",
    ]


def _composed(command: str, *overrides: str):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.cli.main import config_dir

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose(config_name=command, overrides=list(overrides))


@pytest.mark.parametrize(
    ("override", "got"),
    [("name=[a]", "got a list ['a']"), ("name={a: 1}", "got a mapping {'a': 1}")],
)
def test_a_list_or_mapping_as_the_model_name_is_refused_naming_the_key(override, got):
    """QA 13: ``name=[a]`` was accepted, the model named "['a']"; checked with the other
    settings, before any log is read or file written."""
    from sim.cli.calibrate import settings
    from sim.errors import ConfigError

    cfg = _composed("calibrate", "log=x.csv", override)
    with pytest.raises(ConfigError, match=r"^name: expected one name \(text\) or null, ") as exc:
        settings(cfg)
    assert got in str(exc.value)
    assert settings(_composed("calibrate", "log=x.csv", "name=7"))["name"] == "7"  # a number
    assert settings(_composed("calibrate", "log=x.csv", "name='[a]'"))["name"] == "[a]"


def test_a_list_as_the_study_name_is_refused_naming_the_key():
    from omegaconf import OmegaConf

    from sim.cli.common import config_str
    from sim.errors import ConfigError

    cfg = OmegaConf.create({"optimizer": {"study_name": ["a", "b"]}})
    with pytest.raises(ConfigError, match=r"optimizer.study_name: expected one name .* list"):
        config_str(cfg, "optimizer.study_name", null=True)


def test_cleaning_notes_that_change_the_model_are_printed(tmp_path, capsys):
    """QA 2026-12-04: spelling variants of an activity, words that mean missing and one-sided
    UTC offsets were said in cleaning.json only, not on the console."""
    from sim.cli.calibrate import _print_cleaning
    from sim.eventlog import read_event_log

    rows = [
        "1,Check,2011-10-17T08:00:00+01:00,2011-10-17T08:15:00,r1",
        "1,NULL,2011-10-17T09:00:00,2011-10-17T09:10:00,r1",
        "2,check,2011-10-17T10:00:00,2011-10-17T10:05:00,r1",
        "2,Done,2011-10-17T11:00:00,2011-10-17T11:10:00,r2",
    ]
    path = tmp_path / "log.csv"
    path.write_text("case_id,activity,start_time,end_time,resource\n" + "\n".join(rows) + "\n")
    _print_cleaning(read_event_log(path), path)
    out = capsys.readouterr().out
    assert "cleaning: Activities that differ only in letter case" in out
    assert "holds values that often mean missing: 'NULL' (1)" in out
    assert "cleaning: 1 event carries a UTC offset on one of start and end only" in out


def date_only_log(path: Path, *, cases: int = 40) -> Path:
    """``cases`` cases a -> b on dates without a time of day; every fifth case does b twice on
    its day, rows alike once the time of day is missing."""
    lines = ["case_id,activity,start_time,end_time,resource"]
    for i in range(cases):
        day, next_day = f"2020-01-{1 + i % 28:02d}", f"2020-01-{2 + i % 28:02d}"
        lines += [f"{i},a,{day},{day},r1", f"{i},b,{next_day},{next_day},r2"]
        if i % 5 == 0:
            lines.append(f"{i},b,{next_day},{next_day},r2")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_duplicates_on_dates_only_are_said_on_the_console_and_kept_when_asked(tmp_path):
    """QA: on a date-only log, same-day repetitions were removed as exact duplicates, counted in
    cleaning.json, with no word on the console that work may have been lost."""
    log = date_only_log(tmp_path / "dates.csv")
    res = calibrate_only(log, tmp_path / "drop")
    assert res.returncode == 0, res.stderr
    assert (
        "  cleaning: Removed 8 exact duplicate rows, all of them on times with a date and no "
        "time of day"
    ) in res.stdout
    assert "may be real same-day repetitions" in res.stdout
    assert "pass cleaning.date_only_duplicates='keep' to keep them" in res.stdout
    dropped = json.loads((tmp_path / "drop" / "cleaning.json").read_text())["log"]
    assert (dropped["rows_kept"], dropped["date_only_duplicates"]) == (80, 8)
    assert dropped["date_only_duplicates_kept"] is False

    res = calibrate_only(log, tmp_path / "keep", "cleaning.date_only_duplicates=keep")
    assert res.returncode == 0, res.stderr
    assert "  cleaning: Kept 8 rows that repeat another exactly on times with a date" in res.stdout
    kept = json.loads((tmp_path / "keep" / "cleaning.json").read_text())["log"]
    assert (kept["rows_kept"], kept["duplicates_removed"]) == (88, 0)
    assert kept["date_only_duplicates_kept"] is True
    assert "date_only_duplicates: keep" in (tmp_path / "keep" / "config.yaml").read_text()


def german_log(path: Path, *, cases: int = 40) -> Path:
    """``small_log``'s cases under German column names, one with a space."""
    text = small_log(path, cases=cases).read_text(encoding="utf-8").splitlines()
    text[0] = "Vorgang,Tätigkeit,Beginn,Ende,Bearbeiter Name"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def pasted(advice: str) -> list[str]:
    """The override a message ends with ("... for the shell, <override>"), as a shell splits it."""
    return shlex.split(advice.rsplit("for the shell, ", 1)[1].strip())


def test_a_column_named_in_other_letters_is_read_as_typed(tmp_path):
    """QA: ``columns.activity=Tätigkeit`` failed in Hydra's grammar (letters outside ASCII are
    read only in quotes, which the shell takes away) with a hint about staffing roles. Column
    names, like paths, are quoted for Hydra by python -m sim: typed as they are, they work."""
    log = german_log(tmp_path / "Übersicht.csv")  # a path in other letters too
    mapped = ["columns.case_id=Vorgang", "columns.start=Beginn", "columns.end=Ende"]
    res = calibrate_only(
        log,
        tmp_path / "b",
        *mapped,
        "columns.activity=Tätigkeit",
        "columns.resource=Bearbeiter Name",
    )
    assert res.returncode == 0, res.stderr
    used = json.loads((tmp_path / "b" / "cleaning.json").read_text())["log"]["columns_used"]
    assert (used["activity"], used["resource"]) == ("Tätigkeit", "Bearbeiter Name")
    assert "activity: Tätigkeit" in (tmp_path / "b" / "config.yaml").read_text(encoding="utf-8")


def test_a_value_hydra_reads_only_in_quotes_is_refused_with_the_form_to_type(tmp_path):
    """A value in other letters for a key that is not free text is refused with the quoted
    form to paste, not a hint about staffing roles."""
    res = calibrate_only(small_log(tmp_path / "l.csv"), tmp_path / "a", "calibration.criterion=äic")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "staffing" not in res.stderr
    assert "quote the value for Hydra and the override whole for the shell" in res.stderr
    assert pasted(res.stderr) == ['calibration.criterion="äic"']


def test_activity_names_in_other_letters_are_read_in_a_list(tmp_path):
    """``outcomes.dropoff=[Abgelehnt,Zurückgezogen]``: each item is quoted for Hydra (the hint
    quoted the list whole, which made it one string)."""
    from sim.cli.main import rewrite_process_override

    got = rewrite_process_override(
        ["outcomes.dropoff=[Abgelehnt,Zurückgezogen]", "columns.no_resource=[NOT_SET]"], Path(".")
    )
    assert got == ["outcomes.dropoff=[Abgelehnt,'Zurückgezogen']", "columns.no_resource=[NOT_SET]"]
    log = german_log(tmp_path / "de.csv")
    mapped = ["columns.case_id=Vorgang", "columns.start=Beginn", "columns.end=Ende"]
    mapped += ["columns.activity=Tätigkeit", "columns.resource=Bearbeiter Name"]
    res = calibrate_only(log, tmp_path / "a", *mapped, "outcomes.dropoff=[Zurückgezogen]")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    # read as the activity name it is: refused as not one of this log's, not as grammar
    assert "outcomes.dropoff=['Zurückgezogen']: not an outcome nor an activity" in res.stderr


def test_a_column_name_the_shell_split_at_its_space_is_given_as_the_message_says(tmp_path):
    log = german_log(tmp_path / "de.csv")
    mapped = [
        "columns.case_id=Vorgang",
        'columns.activity="Tätigkeit"',
        "columns.start=Beginn",
        "columns.end=Ende",
    ]
    # what `columns.resource=Bearbeiter Name` typed without quotes reaches the program as
    res = calibrate_only(log, tmp_path / "a", *mapped, "columns.resource=Bearbeiter", "Name")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "'Name' has no '='" in res.stderr
    assert res.stderr.rstrip().endswith(
        "quote the override whole, 'columns.resource=Bearbeiter Name'"
    )
    typed = shlex.split(res.stderr.rstrip().rsplit("quote the override whole, ", 1)[1])
    res = calibrate_only(log, tmp_path / "b", *mapped, *typed)
    assert res.returncode == 0, res.stderr


def test_an_unmapped_column_is_named_in_an_override_a_shell_keeps_quoted(tmp_path):
    res = calibrate_only(german_log(tmp_path / "de.csv"), tmp_path / "a")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "pass 'columns.activity=<column>' to name it" in res.stderr
    assert "'Tätigkeit'" in res.stderr  # among the columns found
    # the override as the message writes it, with the column filled in, is read as typed
    hint = re.search(r"pass ('columns\.activity=<column>')", res.stderr)[1]
    typed = shlex.split(hint.replace("<column>", "Tätigkeit"))
    mapped = ["columns.case_id=Vorgang", "columns.start=Beginn", "columns.end=Ende"]
    mapped.append("columns.resource=Bearbeiter Name")
    res = calibrate_only(german_log(tmp_path / "de.csv"), tmp_path / "b", *mapped, *typed)
    assert res.returncode == 0, res.stderr


def renamed(path: Path, header: str, *, cases: int = 20, offset: int = 100) -> Path:
    """``small_log``'s cases a month later under the column names of ``header``."""
    text = (
        small_log(path, cases=cases, case_offset=offset).read_text().replace("2020-01-", "2020-02-")
    )
    lines = text.splitlines()
    lines[0] = header
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def back_test(log: Path, held_out: Path, run: Path, *extra: str) -> subprocess.CompletedProcess:
    """``calibrate`` with a held-out log and the quickest back-test."""
    return run_sim(
        "calibrate",
        f"log={log}",
        f"backtest.log={held_out}",
        "backtest.replications=1",
        "backtest.in_sample=false",
        "backtest.write_traces=false",
        "output.report=false",
        "progress=false",
        f"hydra.run.dir={run}",
        *extra,
    )


def test_a_held_out_log_with_other_column_names_is_read_with_backtest_columns(tmp_path):
    """QA: columns.* applied to both logs, so a held-out log whose columns were named otherwise
    could not be back-tested at all."""
    log = small_log(tmp_path / "log.csv")
    held = renamed(tmp_path / "held.csv", "Vorgang,Tätigkeit,start_time,end_time,resource")
    res = back_test(log, held, tmp_path / "a")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "pass 'backtest.columns.case_id=<column>' to name it" in res.stderr
    assert "pass 'backtest.columns.activity=<column>' to name it" in res.stderr
    assert "pass columns.case_id" not in res.stderr

    res = back_test(
        log,
        held,
        tmp_path / "b",
        "backtest.columns.case_id=Vorgang",
        'backtest.columns.activity="Tätigkeit"',
    )
    assert res.returncode == 0, res.stderr
    cleaning = json.loads((tmp_path / "b" / "cleaning.json").read_text(encoding="utf-8"))
    assert cleaning["backtest_log"]["columns_used"]["case_id"] == "Vorgang"
    assert cleaning["log"]["columns_used"]["case_id"] == "case_id"  # log keeps its own
    assert json.loads((tmp_path / "b" / "backtest.json").read_text())["test"]["cases"] == 20
    import yaml

    saved = yaml.safe_load((tmp_path / "b" / "config.yaml").read_text(encoding="utf-8"))
    assert saved["backtest"]["columns"]["case_id"] == "Vorgang"
    assert saved["backtest"]["columns"]["activity"] == "Tätigkeit"


def test_a_held_out_log_takes_the_columns_keys_it_does_not_set(tmp_path):
    """Where backtest.columns.<key> is not set, the held-out log is read with columns.<key>
    (another extract of the same export); where that names a column the held-out log lacks,
    the error says that columns.<key> was used and which backtest.columns key to set."""
    header = "Fall,activity,start_time,end_time,resource"
    log = renamed(tmp_path / "log.csv", header, cases=40, offset=0)
    log.write_text(log.read_text().replace("2020-02-", "2020-01-"))
    same = renamed(tmp_path / "same.csv", header)
    res = back_test(log, same, tmp_path / "a", "columns.case_id=Fall")
    assert res.returncode == 0, res.stderr
    cleaning = json.loads((tmp_path / "a" / "cleaning.json").read_text())
    assert cleaning["backtest_log"]["columns_used"]["case_id"] == "Fall"

    other = renamed(tmp_path / "other.csv", "Vorgang,activity,start_time,end_time,resource")
    res = back_test(log, other, tmp_path / "b", "columns.case_id=Fall")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert (
        f"{other}: column 'Fall' given as columns.case_id= (for backtest.log too while "
        "backtest.columns.case_id is not set) is not in the file"
    ) in res.stderr
    assert "pass 'backtest.columns.case_id=<column>' naming one" in res.stderr
    res = back_test(
        log, other, tmp_path / "c", "columns.case_id=Fall", "backtest.columns.case_id=Vorgang"
    )
    assert res.returncode == 0, res.stderr


def test_backtest_columns_without_a_held_out_log_are_refused(tmp_path):
    log = small_log(tmp_path / "log.csv")
    run = tmp_path / "r"
    res = run_sim("calibrate", f"log={log}", "backtest.columns.case_id=x", f"hydra.run.dir={run}")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "backtest.columns.case_id: names how to read the held-out log, but no backtest.log" in (
        res.stderr
    )
    assert not run.exists()


def test_an_empty_end_column_of_the_held_out_log_names_its_key(tmp_path):
    log = small_log(tmp_path / "log.csv")
    held = renamed(tmp_path / "held.csv", "case_id,activity,start_time,Ende,resource")
    lines = held.read_text().splitlines()
    held.write_text(
        "\n".join(
            [
                lines[0],
                *(line.rsplit(",", 2)[0] + ",," + line.rsplit(",", 1)[1] for line in lines[1:]),
            ]
        )
        + "\n"
    )
    res = back_test(log, held, tmp_path / "a", "backtest.columns.end=Ende")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert (
        f"{held}: column 'Ende', the end/completion timestamp column, is empty in all 40 rows"
        in (res.stderr)
    )
    assert "(pass backtest.columns.end= to name another column)" in res.stderr


def test_a_role_column_named_otherwise_is_mapped_by_columns_role(tmp_path):
    """columns.role names the column of the resources' roles (XES logs often call it
    org:group): calibration takes those roles, named so."""
    text = small_log(tmp_path / "teams.csv").read_text().splitlines()
    text = [text[0] + ",Team"] + [
        ln + (",Front" if ln.endswith("r1") else ",Back") for ln in text[1:]
    ]
    log = tmp_path / "teams.csv"
    log.write_text("\n".join(text) + "\n")
    res = calibrate_only(log, tmp_path / "a", "columns.role=Team")
    assert res.returncode == 0, res.stderr
    model = yaml.safe_load((tmp_path / "a" / "model.yaml").read_text())
    assert set(model["roles"]) == {"Front", "Back"}
    assert model["steps"]["a"]["role"] == "Front" and model["steps"]["b"]["role"] == "Back"
    assert "roles from the log's role column: Back, Front" in res.stdout + res.stderr
    # unmapped, the column is an attribute like any other: roles are grouped by activities
    res = calibrate_only(log, tmp_path / "b")
    assert res.returncode == 0, res.stderr
    assert set(yaml.safe_load((tmp_path / "b" / "model.yaml").read_text())["roles"]) == {
        "role_1",
        "role_2",
    }
    # a column that is not in the file is named with the columns found
    res = calibrate_only(log, tmp_path / "c", "columns.role=Group")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "column 'Group' given as columns.role= is not in the file" in res.stderr


def test_a_back_test_that_cannot_run_keeps_the_model_and_marks_the_run_failed(tmp_path):
    """QA 2026-12-05 #3: held-out cases only in hours the training log had no arrivals in. The
    model and its report are written, the error says why and what to do, and run.json says
    failed (it said running for ever)."""
    log = small_log(tmp_path / "log.csv")
    held = tmp_path / "evening.csv"
    held.write_text(
        "case_id,activity,start_time,end_time,resource\n"
        "900,a,2020-02-03 20:00,2020-02-03 20:10,r1\n900,b,2020-02-03 20:20,2020-02-03 20:40,r2\n"
        "901,a,2020-02-03 20:30,2020-02-03 20:40,r1\n901,b,2020-02-03 20:50,2020-02-03 21:10,r2\n"
    )
    run = tmp_path / "r"
    res = run_sim(
        "calibrate", f"log={log}", f"backtest.log={held}", f"hydra.run.dir={run}", "progress=false"
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "error: back-test: the held-out period (Mon 2020-02-03 20:00" in res.stderr
    assert "training log had no arrivals" in res.stderr and "backtest.enabled=false" in res.stderr
    assert (run / "model.yaml").is_file() and (run / "report.html").is_file()
    assert not (run / "backtest.json").exists()
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "failed" and record["error"].startswith("back-test: the held-out")
