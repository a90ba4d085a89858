"""Overrides Hydra cannot compose (a mistyped key, an unknown option of a config group, an
override it cannot parse) are config errors: a message naming the key and what it may be, exit
status 2, no run directory; not Hydra's advice to append the key with ``+``."""

from __future__ import annotations

import sys

import pytest

from tests.simcli import run_sim


def test_a_mistyped_key_names_the_keys_of_its_section(tmp_path):
    run = tmp_path / "run"
    proc = run_sim("simulate", "scenario.replicatons=5", f"hydra.run.dir={run}")
    assert proc.returncode == 2, proc.stderr
    assert (
        "scenario.replicatons: unknown key 'replicatons' in section 'scenario' "
        "(did you mean 'replications'?)" in proc.stderr
    )
    assert "'horizon_days', 'max_cases', 'replications', 'staffing'" in proc.stderr
    assert "+scenario.replicatons" not in proc.stderr  # not Hydra's advice to append it
    assert not run.exists()


def test_a_mistyped_top_level_key_in_a_sweep_names_the_top_level_keys(tmp_path):
    proc = run_sim("optimize", "--multirun", "sede=1,2", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert proc.returncode == 2, proc.stderr
    assert "sede: unknown key 'sede' in the top level of optimize's config" in proc.stderr
    assert "'optimizer', 'output', 'process'" in proc.stderr


@pytest.mark.parametrize(
    ("override", "says"),
    [
        (
            "optimizer=adam",
            "optimizer=adam: no such option; the options of optimizer are "
            "['nsga2', 'random', 'tpe']",
        ),
        ("scenario=busy", "scenario=busy: no such option; the options of scenario are ['default']"),
        (
            "optimizer=nsga",
            "optimizer=nsga: no such option (did you mean 'nsga2'?); the options of optimizer "
            "are ['nsga2', 'random', 'tpe']",
        ),
    ],
)
def test_an_unknown_group_option_lists_the_options(tmp_path, override, says):
    proc = run_sim("optimize", override, f"hydra.run.dir={tmp_path / 'run'}")
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr


def test_an_unparsable_override_is_named_with_the_password_masked(tmp_path):
    # optimizer.storage is quoted for Hydra (QA 11), so its URL is read as typed; a key that is
    # not, given such a URL, still fails Hydra's grammar
    proc = run_sim(
        "optimize",
        "optimizer.study_name=postgresql://ann:s3cret@db/x)",
        f"hydra.run.dir={tmp_path}",
    )
    assert proc.returncode == 2, proc.stderr
    assert "optimizer.study_name=postgresql://ann:***@db/x): cannot be read as an override" in (
        proc.stderr
    )
    assert "s3cret" not in proc.stderr + proc.stdout
    proc = run_sim(
        "optimize", "optimizer.storage=postgresql://ann:s3cret@db/x)", f"hydra.run.dir={tmp_path}"
    )
    assert proc.returncode == 2, proc.stderr
    assert "optimizer.storage: cannot open 'postgresql://ann:***@db/x)'" in proc.stderr
    assert "s3cret" not in proc.stderr + proc.stdout


def test_help_and_cfg_still_work():
    assert run_sim("simulate", "--help").returncode == 0
    shown = run_sim("simulate", "--cfg", "job", "process=mmc")
    assert shown.returncode == 0, shown.stderr
    assert "name: mmc" in shown.stdout


def test_a_mapping_where_a_list_is_expected_says_so_with_an_example(tmp_path):
    """QA 12: OmegaConf's "Cannot merge DictConfig with ListConfig" did not say what to type."""
    run = tmp_path / "run"
    proc = run_sim(
        "optimize", "optimizer.objectives={kpi: cycle_time_mean}", f"hydra.run.dir={run}"
    )
    assert proc.returncode == 2, proc.stderr
    assert (
        "optimizer.objectives: expected a list, got a mapping ({kpi: cycle_time_mean}); give a "
        "list in brackets, e.g. 'optimizer.objectives=[{kpi: cycle_time_mean}]'" in proc.stderr
    )
    assert "Cannot merge" not in proc.stderr
    assert not run.exists()


@pytest.mark.parametrize(
    ("override", "says"),
    [
        (
            "scenario.staffing=[1,2]",
            "scenario.staffing: expected a mapping, got a list ([1,2]); give a mapping in braces, "
            "e.g. 'scenario.staffing.legal=2' or 'scenario.staffing={legal: 2, sales: 4}'",
        ),
        (
            "scenario.staffing=5",
            "scenario.staffing: expected a mapping of role -> headcount (e.g. "
            "'scenario.staffing.legal=2' or 'scenario.staffing={legal: 2, sales: 4}'), got 5",
        ),
    ],
)
def test_a_scalar_or_list_where_staffing_is_expected_says_so_and_leaves_nothing(
    override, says, tmp_path
):
    """QA 2026-12-04 #2, #3: a list was called "expected a list, got a mapping" (backwards), a
    number was a TypeError traceback that left a half-written run directory."""
    run = tmp_path / "run"
    proc = run_sim("simulate", override, f"hydra.run.dir={run}")
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not run.exists()


@pytest.mark.parametrize(
    ("override", "says"),
    [
        (
            "optimizer.objectives.kpi=cycle_time_mean",
            "optimizer.objectives.kpi: 'optimizer.objectives' is a list (3 items), so 'kpi' is "
            "not a key in it; name an item by its index, e.g. 'optimizer.objectives.0.kpi=...', "
            "or give the list whole, e.g. 'optimizer.objectives=[{kpi: cycle_time_mean, "
            "direction: minimize}]'",
        ),
        ("++optimizer.objectives.kpi=x", "'optimizer.objectives' is a list (3 items)"),
        ("optimizer.objectives.kpi.max=1", "e.g. 'optimizer.objectives.0.kpi.max=...'"),
        ("optimizer.objectives.7.kpi=x", "is a list of 3 items (indices 0 to 2)"),
    ],
)
def test_a_dotted_key_into_a_list_names_the_list_and_how_to_write_it(
    override, says, capsys, monkeypatch
):
    """QA 13: a key into a list by name was OmegaConf's traceback (``ValueError: invalid literal
    for int()``) or 'Index 'kpi' (str) is not an int'. In this process: no subprocess needed."""
    from sim.cli.main import main

    monkeypatch.setattr(sys, "argv", ["sim"])
    with pytest.raises(SystemExit) as exc:
        main(["optimize", override, "--cfg", "job"])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert f"error: config: {override.lstrip('+').partition('=')[0]}: " in err
    assert says in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("override", "says"),
    [
        (
            "scenaro.replications=3",
            "scenaro.replications: unknown section 'scenaro' in the top level of optimize's "
            "config (did you mean 'scenario'?)",
        ),
        (
            "optimizer.samplr.seed=3",
            "optimizer.samplr.seed: unknown section 'samplr' in section 'optimizer' (did you "
            "mean 'sampler'?)",
        ),
    ],
)
def test_a_misspelt_section_is_named_with_a_suggestion(override, says, capsys, monkeypatch):
    """QA 2026-12-04 #7: "unknown key 'replications' in section 'scenaro'" named the wrong part
    and suggested nothing."""
    from sim.cli.main import main

    monkeypatch.setattr(sys, "argv", ["sim"])
    with pytest.raises(SystemExit) as exc:
        main(["optimize", override, "--cfg", "job"])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert says in err


def test_a_group_of_another_command_is_named_as_such(capsys, monkeypatch):
    """QA 2026-12-04 #8: `simulate optimizer=tpe` got Hydra's advice to append '+optimizer=tpe',
    which cannot work: simulate has no optimizer."""
    from sim.cli.main import main

    monkeypatch.setattr(sys, "argv", ["sim"])
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "optimizer=tpe", "--cfg", "job"])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "optimizer: simulate has no 'optimizer' options (only optimize has them)" in err
    assert "+optimizer" not in err


def test_a_mistyped_hydra_key_names_the_keys_of_its_section(tmp_path):
    """QA 2026-12-05 (simulate) #7: OmegaConf's "Key 'dri' not in 'RunDir' ... reference_type=
    RunDir object_type=RunDir" for hydra.run.dri, unlike every other misspelt key."""
    res = run_sim("process=mmc", f"hydra.run.dri={tmp_path / 'r'}")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "hydra.run.dri: unknown key 'dri' in section 'hydra.run'" in res.stderr
    assert "['dir']" in res.stderr and "object_type" not in res.stderr
    res = run_sim("process=mmc", "hydra.jb.chdir=true", f"hydra.run.dir={tmp_path / 'j'}")
    assert "hydra.jb: unknown key 'jb' in section 'hydra' (did you mean 'job'?)" in res.stderr


def test_a_sweep_directory_given_to_a_single_run_is_noted(tmp_path):
    """QA 2026-12-05 (simulate) #6: hydra.sweep.dir without --multirun was silently ignored."""
    run = tmp_path / "run"
    res = run_sim(
        "process=mmc",
        "scenario.replications=2",
        "scenario.horizon_days=2",
        "output.report=false",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    assert "note: hydra.sweep.dir names where a --multirun sweep writes" in res.stderr
    assert (run / "kpis.json").is_file() and not (tmp_path / "sweep").exists()
