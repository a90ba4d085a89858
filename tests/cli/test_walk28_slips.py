"""Four slips a new user met (QA walk28): report.html's model line, the console KPI table's
units, a missing log whose path came from ``$SIM_SHARED_DATA``'s default, and a ``--help`` that
was mostly the bundled model's YAML."""

from __future__ import annotations

import os
import shutil

from sim.cli.main import command_help, config_dir
from sim.kpis import format_report
from sim.report.html import _map_section, read_run
from tests.simcli import run_sim

CONFIGS = config_dir()


def test_the_reports_model_line_counts_in_words_with_nothing_after_the_file_name(
    tmp_path, crm_path
):
    """'Model read from model.yaml : 13 steps, 3 decisions, 1 parallel blocks, 8 roles': the
    colon after the padded file name read as ' :'; one block is singular."""
    shutil.copy(crm_path, tmp_path / "model.yaml")
    body = _map_section(read_run(tmp_path)).body
    assert (
        "The model in <code>model.yaml</code> has 13 steps, 3 decisions, 1 parallel block and "
        "8 roles." in body
    )
    assert "</code>:" not in body


def _ci(mean: float, half_width: float) -> dict:
    return {"mean": mean, "half_width": half_width}


def test_the_console_table_gives_cases_arrived_its_unit_and_ends_rows_at_their_text():
    """'cases_arrived 246.7 ± 12' had no unit while the by-segment table said 'cases', and a
    percentage row ended in a blank ('57.49 ± 1.8 % ')."""
    report = {
        "model": "m",
        "replications": 3,
        "headline": {
            "cycle_time_mean": _ci(10.0, 1.0),
            "dropoff_rate": _ci(0.5749, 0.018),
            "cases_arrived": _ci(246.7, 12.0),
        },
        "by_segment": [
            {"segment": "a", "cases_arrived": _ci(100.0, 5.0), "conversion_rate": _ci(0.4, 0.1)},
            {"segment": "b", "cases_arrived": _ci(146.7, 9.0), "conversion_rate": _ci(0.3, 0.1)},
        ],
        "steps": [],
        "roles": [],
    }
    lines = format_report(report).splitlines()
    assert [x for x in lines if x != x.rstrip()] == []
    (arrived,) = [x for x in lines if x.split()[:1] == ["cases_arrived"] and "246.7" in x]
    assert arrived.endswith("246.7 ± 12 cases")
    (dropoff,) = [x for x in lines if x.split()[:1] == ["dropoff_rate"] and "57.49" in x]
    assert dropoff.endswith("57.49 ± 1.8 %")


def test_a_missing_log_from_an_unset_variables_default_names_the_variable(tmp_path):
    """Outside a checkout 'calibrate experiment=calibrate_bpic2012_w' said only 'log=../shared/
    data/...: no such file': the path was the default of ${oc.env:SIM_SHARED_DATA,...}."""
    env = {k: v for k, v in os.environ.items() if k != "SIM_SHARED_DATA"}
    run = f"hydra.run.dir={tmp_path / 'run'}"
    res = run_sim("calibrate", "experiment=calibrate_bpic2012_w", run, cwd=tmp_path, env=env)
    assert res.returncode == 2, res.stderr
    assert "log=../shared/data/bpic2012_w/BPIC_2012_W_train.csv.gz: no such file" in res.stderr
    assert (
        f"SIM_SHARED_DATA is not set, so its default ../shared/data was used, relative to "
        f"{tmp_path}: set SIM_SHARED_DATA to the folder that holds "
        "bpic2012_w/BPIC_2012_W_train.csv.gz, or give log=<file>" in res.stderr
    )
    env["SIM_SHARED_DATA"] = str(tmp_path / "nowhere")
    res = run_sim("calibrate", "experiment=calibrate_bpic2012_w", run, cwd=tmp_path, env=env)
    assert res.returncode == 2, res.stderr
    assert f"SIM_SHARED_DATA is set to {tmp_path / 'nowhere'}" in res.stderr
    # a path typed as it is names no variable
    res = run_sim("calibrate", "log=nope.csv", run, cwd=tmp_path, env=env)
    assert res.returncode == 2, res.stderr
    assert "log=nope.csv: no such file" in res.stderr and "SIM_SHARED_DATA" not in res.stderr


def test_help_leaves_the_bundled_models_body_out_and_says_how_to_print_it(tmp_path):
    """'simulate --help' and 'export --help' printed ~330 lines, mostly the CRM model's YAML,
    between the groups and the command's own keys."""
    for command, own in (("simulate", "scenario:\n  horizon_days:"), ("export", "format: bpmn")):
        res = run_sim(command, "--help", cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert len(res.stdout.splitlines()) < 60
        assert "lead_identification" not in res.stdout
        assert (
            "process:  # model crm_sales, 291 lines: --cfg job --package process (in place of "
            "--help) prints it" in res.stdout
        )
        assert own in res.stdout and "process: crm_sales, mmc, or a file" in res.stdout
    # what that line says prints the model
    res = run_sim("simulate", "--cfg", "job", "--package", "process", cwd=tmp_path)
    assert res.returncode == 0 and "lead_identification" in res.stdout


def test_help_keeps_the_settings_of_a_model_given_as_a_file():
    """process=<file>'s path, params, dropoff and pool are keys to set: shown as they are."""
    hydra = (
        "main is powered by Hydra.\n\n== Config ==\nOverride anything in the config "
        "(foo.bar=value)\n\nprocess:\n  path: /m.yaml\n  params: null\nredesign:\n  model: x\n"
        "  checks:\n    a: 1\nseed: 0\n\nPowered by Hydra (https://hydra.cc)\n"
    )
    text = command_help(hydra, "optimize", CONFIGS)
    assert "process:\n  path: /m.yaml\n  params: null\n" in text
    assert "redesign:  # redesign space, 3 lines: --cfg job --package redesign" in text
    assert "\nseed: 0\n\nPowered by Hydra" in text
