"""The command line: configs compose, errors exit 2 with a message, results are never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hydra import compose, initialize_config_dir

from sim.cli.common import redact, redact_obj
from sim.cli.main import COMMANDS, config_dir
from sim.model import columns as col
from tests.simcli import run_sim

CONFIGS = config_dir()


def primary_configs() -> list[str]:
    return sorted(p.stem for p in CONFIGS.glob("*.yaml") if p.stem in COMMANDS)


@pytest.mark.parametrize("name", primary_configs())
def test_every_primary_config_composes(name):
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name=name)
    assert cfg is not None


@pytest.mark.parametrize(
    "process",
    sorted(p.stem for p in (CONFIGS / "process").glob("*.yaml") if not p.stem.startswith("_")),
)
def test_every_bundled_process_composes_and_validates(process):
    from sim.cli.common import load_process

    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name="simulate", overrides=[f"process={process}"])
    model = load_process(cfg, choice=process)
    assert model.steps


def test_help_lists_every_command():
    res = run_sim("--help")
    assert res.returncode == 0
    for c in COMMANDS:
        assert c in res.stdout


def test_a_mistyped_command_gets_the_command_it_probably_meant(tmp_path):
    res = run_sim("simulat", cwd=tmp_path)
    assert res.returncode == 2
    assert "error: unknown command 'simulat' (did you mean 'simulate'?)" in res.stderr
    res = run_sim("frobnicate", cwd=tmp_path)
    assert "error: unknown command 'frobnicate'\n" in res.stderr  # nothing close: no guess
    assert not any(tmp_path.iterdir())  # nothing written


def test_simulate_writes_results_and_same_seed_gives_same_numbers(tmp_path):
    args = [
        "simulate",
        "process=mmc",
        "scenario.replications=3",
        "scenario.horizon_days=20",
        "seed=5",
        "progress=false",
    ]
    a = run_sim(*args, f"hydra.run.dir={tmp_path / 'a'}", "workers=1", "output.trace=true")
    b = run_sim(*args, f"hydra.run.dir={tmp_path / 'b'}", "workers=2")
    assert a.returncode == 0, a.stderr
    assert b.returncode == 0, b.stderr
    assert "cycle_time_mean" in a.stdout
    ka = json.loads((tmp_path / "a" / "kpis.json").read_text())
    kb = json.loads((tmp_path / "b" / "kpis.json").read_text())
    assert ka["all"] == kb["all"]  # workers do not change the numbers
    run = json.loads((tmp_path / "a" / "run.json").read_text())
    assert run["seed"] == 5 and "simpy" in run["versions"]
    reps = pd.read_csv(tmp_path / "a" / "replications.csv")
    assert len(reps) == 3
    trace = pd.read_csv(tmp_path / "a" / "trace.csv.gz")
    assert set(col.STANDARD) <= set(trace.columns)
    assert trace["replication"].nunique() == 3


def test_refuses_to_overwrite_results(tmp_path):
    args = [
        "process=mmc",
        "scenario.replications=2",
        "scenario.horizon_days=5",
        f"hydra.run.dir={tmp_path}",
    ]
    assert run_sim(*args).returncode == 0
    before = (tmp_path / "kpis.json").read_text()
    res = run_sim(*args, "seed=9")
    assert res.returncode == 2
    assert "already holds results" in res.stderr
    assert (tmp_path / "kpis.json").read_text() == before


def test_refuses_a_directory_holding_any_file_and_leaves_it_untouched(tmp_path):
    # not only this command's results: a user's notes and another command's files too
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "config.yaml").write_text("mine")
    res = run_sim("process=mmc", "scenario.replications=2", f"hydra.run.dir={tmp_path}")
    assert res.returncode == 2
    assert "already holds files (config.yaml, notes.txt)" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "notes.txt"]
    assert (tmp_path / "config.yaml").read_text() == "mine"


def test_a_refused_run_leaves_the_results_hydra_record_untouched(tmp_path):
    args = ["process=mmc", "scenario.replications=2", "scenario.horizon_days=5"]
    assert run_sim(*args, f"hydra.run.dir={tmp_path}").returncode == 0
    record = (tmp_path / ".hydra" / "overrides.yaml").read_text()
    # however the directory is given (Hydra applies the last override, with or without ++)
    for given in (
        [f"++hydra.run.dir={tmp_path}"],
        [f"hydra.run.dir={tmp_path / 'other'}", f"hydra.run.dir={tmp_path}"],
    ):
        res = run_sim(*args, "seed=9", *given)
        assert res.returncode == 2 and "already holds results" in res.stderr
        assert (tmp_path / ".hydra" / "overrides.yaml").read_text() == record


def test_two_runs_into_one_directory_at_once_one_is_refused(tmp_path):
    from sim.cli.common import claim_run_dir, guard_run_dir
    from sim.errors import ConfigError

    # both passed the emptiness check (the default directory is named to the second)...
    guard_run_dir(tmp_path, ("kpis.json",), overwrite=False, claim=False)
    guard_run_dir(tmp_path, ("kpis.json",), overwrite=False, claim=False)
    claim_run_dir(tmp_path)  # ...the first claims it
    with pytest.raises(ConfigError, match="another run started writing"):
        claim_run_dir(tmp_path)


def test_a_run_that_fails_on_a_bad_value_does_not_block_the_corrected_rerun(tmp_path):
    args = ["process=mmc", "scenario.replications=2", "scenario.horizon_days=5"]
    bad = run_sim(*args, "output.trace_format=xlsx", f"hydra.run.dir={tmp_path}")
    assert bad.returncode == 2 and "output.trace_format" in bad.stderr
    assert run_sim(*args, f"hydra.run.dir={tmp_path}").returncode == 0
    assert (tmp_path / "kpis.json").is_file()


def test_the_run_record_holds_the_command_as_typed_and_the_tree_state(tmp_path, crm_path):
    res = run_sim(
        "simulate",
        f"process={crm_path}",
        "scenario.replications=2",
        "scenario.horizon_days=5",
        "progress=false",
        f"hydra.run.dir={tmp_path / 'r'}",
    )
    assert res.returncode == 0, res.stderr
    record = json.loads((tmp_path / "r" / "run.json").read_text())
    assert f"process={crm_path}" in record["argv"]  # not Hydra's process=_from_file rewrite
    assert not any("_from_file" in a for a in record["argv"])
    assert record["git_dirty"] in (True, False, None) and "started_utc" in record


def test_bad_model_exits_2_with_readable_message(tmp_path, crm_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        crm_path.read_text()
        .replace("role: legal", "role: lawyer")
        .replace(
            "{solution_proposal: 0.6, lost_no_fit: 0.4}",
            "{solution_proposal: 0.6, lost_no_fit: 0.3}",
        )
    )
    res = run_sim(f"process={bad}", f"hydra.run.dir={tmp_path / 'out'}")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "steps.contract_review.role: unknown role 'lawyer'" in res.stderr
    assert "'legal'" in res.stderr  # lists the valid choices
    assert "decisions.needs_match.branches: probabilities must sum to 1" in res.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("process=no_such_model", "not a bundled process"),
        ("scenario.replications=0", "scenario.replications"),
        ("scenario.staffing.server=0", "scenario.staffing.server"),
        ("scenario.staffing.nobody=2", "scenario.staffing.nobody: unknown role"),
        ("output.trace_format=xlsx", "output.trace_format"),
        # QA 2026-12-04 #8: near misses get a hint
        ("process=crm_salez", "not a bundled process nor a file (did you mean 'crm_sales'?)"),
        ("scenario.staffing.servr=2", "servr: unknown role (did you mean 'server'?)"),
        # QA 2026-12-04 #10: was "output.overwrite: expected true or false, got None"
        ("output=5", "output: expected a mapping (a section with keys such as"),
    ],
)
def test_bad_config_values_exit_2_naming_the_key(tmp_path, override, message):
    res = run_sim("process=mmc", override, f"hydra.run.dir={tmp_path}")
    assert res.returncode == 2, res.stderr
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_secrets_are_redacted():
    url = "postgresql://alice:s3cret@db.example.com:5432/studies"
    assert redact(url) == "postgresql://alice:***@db.example.com:5432/studies"
    assert "s3cret" not in json.dumps(redact_obj({"optimizer": {"storage": url}, "x": [url]}))
    assert redact("sqlite:///out/study.db") == "sqlite:///out/study.db"


@pytest.mark.parametrize(
    ("command", "override", "says"),
    [
        ("simulate", "seed=-1", "seed: expected an integer >= 0, got -1"),
        ("simulate", "workers=1.5", "workers: expected an integer >= 1 or null, got 1.5"),
        ("optimize", "optimizer.prune_harm=maybe", "optimizer.prune_harm: expected true or false"),
        ("optimize", "workers=0", "workers: expected an integer >= 1 or null, got 0"),
        # QA 6b: blamed optimizer.sampler (its seed is ${seed})
        ("optimize", "seed=abc", "seed: expected an integer >= 0, got 'abc'"),
        # QA 11: a number key given a word or a list was a TypeError traceback (exit 1)
        ("simulate", "scenario.horizon_days=abc", "scenario.horizon_days: expected a finite"),
        ("optimize", "scenario.arrival_scale=[1,2]", "scenario.arrival_scale: expected a finite"),
    ],
)
def test_simulate_and_optimize_name_a_bad_value_and_leave_the_directory_free(
    tmp_path, command, override, says
):
    run = tmp_path / "r"
    res = run_sim(command, "process=crm_sales", override, "progress=false", f"hydra.run.dir={run}")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert says in res.stderr
    # nothing left that looks like a run: not even Hydra's .hydra/ and an empty main.log
    assert not run.exists(), sorted(p.name for p in run.iterdir())


def test_a_model_file_anywhere_can_be_simulated(tmp_path, crm_path):
    """calibrate into 'cal tilde, x=1/' printed a next command that Hydra's grammar refused."""
    odd = tmp_path / "cal tilde, x=1"
    odd.mkdir()
    model = odd / "model.yaml"
    model.write_text(crm_path.read_text())
    for given in (f"process={model}", f"process='{model}'"):
        run = tmp_path / f"r{len(given)}"
        res = run_sim(
            given, "scenario.replications=2", "scenario.horizon_days=5", f"hydra.run.dir={run}"
        )
        assert res.returncode == 0, res.stderr
        assert (run / "kpis.json").is_file()


def test_a_sweep_into_a_folder_holding_an_old_sweep_is_refused_untouched(tmp_path):
    sweep = tmp_path / "sweep"
    args = ["--multirun", "process=mmc", "scenario.replications=2", "scenario.horizon_days=3"]
    first = run_sim(*args, "seed=1,2", f"hydra.sweep.dir={sweep}")
    assert first.returncode == 0, first.stderr
    record = (sweep / "0" / ".hydra" / "overrides.yaml").read_text()
    again = run_sim(*args, "seed=3,4", f"hydra.sweep.dir={sweep}")
    assert again.returncode == 2 and "choose another hydra.sweep.dir" in again.stderr
    assert (sweep / "0" / ".hydra" / "overrides.yaml").read_text() == record


def test_a_window_with_no_case_says_so(tmp_path):
    """QA: scenario.horizon_days=0.01 printed '-' for every KPI and exited without a word."""
    run = tmp_path / "r"
    res = run_sim(
        "process=mmc",
        "scenario.horizon_days=0.0001",
        "scenario.warmup_days=0",
        "scenario.replications=2",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    assert "warning: no case arrived in the measurement window" in res.stdout
    assert json.loads((run / "kpis.json").read_text())["warnings"]


def test_a_file_as_run_directory_is_named(tmp_path):
    taken = tmp_path / "results"
    taken.write_text("a file")
    res = run_sim("process=mmc", f"hydra.run.dir={taken}")
    assert res.returncode == 2 and "is a file; expected a directory" in res.stderr


def test_sweeps_over_files_and_bundled_models(tmp_path, crm_path, shared_data):
    """QA: '--multirun log=a.csv,b.csv' became one quoted path ('no such file'), and sweeps over
    bundled models or model files failed too."""
    logs = [
        shared_data / "synth_pharmacy" / "Pharmacy.csv.gz",
        shared_data / "synth_insurance_claims" / "Insurance_Claims.csv.gz",
    ]
    res = run_sim(
        "calibrate",
        "--multirun",
        "log=" + ",".join(map(str, logs)),
        "backtest.enabled=false",
        "output.report=false",
        f"hydra.sweep.dir={tmp_path / 'cal'}",
    )
    assert res.returncode == 0, res.stderr
    assert {p.parent.name for p in (tmp_path / "cal").glob("*/model.yaml")} == {"0", "1"}
    other = tmp_path / "copy.yaml"
    other.write_text(crm_path.read_text())
    small = ["scenario.replications=2", "scenario.horizon_days=3", "output.report=false"]
    for i, models in enumerate(("crm_sales,mmc", f"{crm_path},{other}")):
        sweep = tmp_path / f"sim{i}"
        res = run_sim("--multirun", f"process={models}", *small, f"hydra.sweep.dir={sweep}")
        assert res.returncode == 0, res.stderr
        assert len(list(sweep.glob("*/kpis.json"))) == 2


def test_report_refuses_a_directory_no_run_wrote(tmp_path):
    (tmp_path / "report.html").write_text("mine")
    res = run_sim("report", f"run={tmp_path}")
    assert res.returncode == 2 and "not a run directory" in res.stderr
    assert (tmp_path / "report.html").read_text() == "mine"


def test_export_writes_only_into_a_new_or_empty_directory(tmp_path):
    run = tmp_path / "exp"
    assert run_sim("export", "process=mmc", "format=yaml", f"hydra.run.dir={run}").returncode == 0
    record = (run / "run.json").read_text()
    res = run_sim("export", "process=crm_sales", "format=yaml", f"hydra.run.dir={run}")
    assert res.returncode == 2 and "already holds files" in res.stderr
    assert (run / "run.json").read_text() == record


def test_an_unknown_top_level_key_added_with_plus_is_refused(tmp_path):
    """QA: '+experiment=foo' (when there was no experiment group) ran the default model silently;
    a typo added with '+' still would."""
    res = run_sim("+seeds=3", "scenario.replications=2", f"hydra.run.dir={tmp_path / 'r'}")
    assert res.returncode == 2 and "unknown key(s) ['seeds'] for simulate" in res.stderr
    res = run_sim("+experiment=foo", "scenario.replications=2", f"hydra.run.dir={tmp_path / 's'}")
    assert res.returncode == 2 and "experiment=foo: no such experiment" in res.stderr


def _chain_model(path: Path, n_steps: int) -> Path:
    """A model of ``n_steps`` one-hour steps in a row (one role)."""
    steps = {
        f"s{i}": {
            "role": "clerk",
            "duration": {"dist": "fixed", "value": 1},
            "next": f"s{i + 1}" if i + 1 < n_steps else "done",
        }
        for i in range(n_steps)
    }
    spec = {
        "name": "chain",
        "start": "s0",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 2}},
        "roles": {"clerk": {"headcount": 3}},
        "steps": steps,
        "ends": {"done": {"success": True}},
    }
    path.write_text(yaml.safe_dump(spec))
    return path


def test_export_png_of_a_large_model_draws_its_most_visited_part_unless_told_otherwise(tmp_path):
    model = _chain_model(tmp_path / "chain.yaml", 40)
    part = run_sim("export", f"process={model}", "format=png", f"hydra.run.dir={tmp_path / 'a'}")
    assert part.returncode == 0, part.stderr
    assert "the map draws the 30 most visited of the model's 40 steps" in part.stdout
    whole = run_sim(
        "export",
        f"process={model}",
        "format=png",
        "map_steps=null",
        f"hydra.run.dir={tmp_path / 'b'}",
    )
    assert whole.returncode == 0, whole.stderr
    assert "most visited" not in whole.stdout
    # every step drawn: a wider picture than the 30-step one
    from PIL import Image

    with (
        Image.open(tmp_path / "a" / "chain.png") as a,
        Image.open(tmp_path / "b" / "chain.png") as b,
    ):
        assert b.width > a.width
    bad = run_sim(
        "export", f"process={model}", "format=png", "map_steps=0", f"hydra.run.dir={tmp_path / 'c'}"
    )
    assert bad.returncode == 2 and "map_steps" in bad.stderr


def test_a_max_cases_reached_in_the_warm_up_is_named_as_the_cause(tmp_path):
    """QA 9a #3: scenario.max_cases=3 (all three arrive in the 14-day warm-up) told the user to
    'lengthen scenario.horizon_days', which cannot bring a case into the window."""
    res = run_sim(
        "process=mmc",
        "scenario.max_cases=3",
        "scenario.replications=2",
        "scenario.horizon_days=3",
        f"hydra.run.dir={tmp_path / 'r'}",
    )
    assert res.returncode == 0, res.stderr
    assert "scenario.max_cases=3 stops the arrivals after 3 cases" in res.stdout
    assert "set scenario.warmup_days=0 or raise scenario.max_cases" in res.stdout
    assert "lengthen scenario.horizon_days" not in res.stdout
    fine = run_sim(
        "process=mmc",
        "scenario.max_cases=3",
        "scenario.warmup_days=0",
        "scenario.replications=2",
        "scenario.horizon_days=3",
        f"hydra.run.dir={tmp_path / 'w0'}",
    )
    assert fine.returncode == 0, fine.stderr
    assert "warning: no case" not in fine.stdout


def test_a_run_directory_given_as_the_model_names_the_model_file_in_it(tmp_path):
    """QA 9a #9: 'simulate process=out/bpic12' (the calibrate run, not its model.yaml) said
    'no such file' of a directory that exists; a bare relative name said it was not a bundled
    process."""
    run = tmp_path / "bpic12"
    run.mkdir()
    (run / "model.yaml").write_text("schema_version: 1\n")
    for given in (str(run), f"{run}/"):
        res = run_sim(f"process={given}", f"hydra.run.dir={tmp_path / 'r'}")
        assert res.returncode == 2 and "Traceback" not in res.stderr
        assert f"process={given}: a directory, not a file; did you mean process=" in res.stderr
        assert "bpic12/model.yaml" in res.stderr and "no such file" not in res.stderr
    res = run_sim("process=bpic12", f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)
    assert res.returncode == 2 and "did you mean process=bpic12/model.yaml" in res.stderr
    (run / "model.yaml").unlink()
    res = run_sim(f"process={run}", f"hydra.run.dir={tmp_path / 'r'}")
    assert res.returncode == 2 and "a directory, not a file; expected a .yaml" in res.stderr
    assert not (tmp_path / "r").exists()


def test_a_staffing_mapping_overrides_headcounts_as_its_config_comment_shows(tmp_path):
    """QA 9b: `scenario.staffing={server: 3}`, the form configs/scenario/default.yaml's comment
    gives (`e.g. {legal: 2}`), was refused with "unknown key 'staffing' in section 'scenario'
    (did you mean 'staffing'?)"."""
    run = tmp_path / "r"
    res = run_sim(
        "process=mmc",
        "scenario.staffing={server: 3}",
        "scenario.replications=2",
        "scenario.horizon_days=3",
        "progress=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    kpis = json.loads((run / "kpis.json").read_text())
    assert {r["role"]: r["headcount"] for r in kpis["roles"]} == {"server": 3}


def test_the_staffing_the_warning_suggests_for_a_role_named_with_spaces_can_be_pasted(tmp_path):
    """QA 9d: a role named after its BPMN lane ('Call Centre Operator', the insurance claims
    model) got the suggestion `scenario.staffing.Call Centre Operator=39`, which a shell splits
    and which, quoted, Hydra refused ("cannot be read as an override"): the warning's own advice
    could not be followed. It is printed shell-quoted, and read as typed."""
    import shlex

    model = yaml.safe_load((CONFIGS / "process" / "mmc.yaml").read_text())
    model["roles"] = {"Call Centre Operator": {"headcount": 1}}
    model["steps"]["service"]["role"] = "Call Centre Operator"
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(model))
    common = ["scenario.replications=2", "scenario.horizon_days=7", "progress=false"]
    res = run_sim(f"process={path}", *common, f"hydra.run.dir={tmp_path / 'a'}")
    assert res.returncode == 0, res.stderr
    advice = res.stdout + res.stderr
    assert "Add staff: 'scenario.staffing.Call Centre Operator=2'" in advice
    pasted = shlex.split(advice.split("Add staff: ")[1].split(". This is")[0])
    assert pasted == ["scenario.staffing.Call Centre Operator=2"]
    res = run_sim(f"process={path}", *common, *pasted, f"hydra.run.dir={tmp_path / 'b'}")
    assert res.returncode == 0, res.stderr
    kpis = json.loads((tmp_path / "b" / "kpis.json").read_text())
    assert {r["role"]: r["headcount"] for r in kpis["roles"]} == {"Call Centre Operator": 2}


def one_role_model(tmp_path: Path, role: str) -> Path:
    """The bundled M/M/c model with its one role named ``role``, one person: saturated."""
    model = yaml.safe_load((CONFIGS / "process" / "mmc.yaml").read_text())
    model["roles"] = {role: {"headcount": 1}}
    model["steps"]["service"]["role"] = role
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(model, allow_unicode=True), encoding="utf-8")
    return path


def advice_to_paste(res) -> list[str]:
    """The overrides of a run's "Add staff: ..." advice, as a shell splits them."""
    import shlex

    advice = res.stdout + res.stderr
    return shlex.split(advice.split("Add staff: ")[1].split(". This is")[0])


def test_a_role_named_in_other_letters_than_ascii_is_staffed_by_its_ascii_spelling(tmp_path):
    """Hydra's command line reads ASCII letters only in a key: a role named after a German BPMN
    lane ('Sachbearbeiter Prüfung') could not be staffed from the command line at all, and the
    saturation warning's advice could not be pasted. It is typed in its ASCII spelling, which
    the warning prints and the run reads as the role; an unknown role's error says so."""
    path = one_role_model(tmp_path, "Sachbearbeiter Prüfung")
    common = ["scenario.replications=2", "scenario.horizon_days=7", "progress=false"]
    res = run_sim(f"process={path}", *common, f"hydra.run.dir={tmp_path / 'a'}")
    assert res.returncode == 0, res.stderr
    pasted = advice_to_paste(res)
    assert pasted == ["scenario.staffing.Sachbearbeiter Prufung=2"]
    res = run_sim(f"process={path}", *common, *pasted, f"hydra.run.dir={tmp_path / 'b'}")
    assert res.returncode == 0, res.stderr
    kpis = json.loads((tmp_path / "b" / "kpis.json").read_text(encoding="utf-8"))
    assert {r["role"]: r["headcount"] for r in kpis["roles"]} == {"Sachbearbeiter Prüfung": 2}
    res = run_sim(
        f"process={path}", *common, "scenario.staffing.Prufung=2", f"hydra.run.dir={tmp_path / 'c'}"
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "type 'Sachbearbeiter Prüfung' as Sachbearbeiter Prufung" in res.stderr


def test_a_role_named_in_letters_without_an_ascii_spelling_is_staffed_as_named(tmp_path):
    """A role named in another alphabet ('営業 部', a Japanese lane) has no ASCII spelling, so it
    could not be staffed from the command line at all (Hydra's grammar reads ASCII only, in keys
    and in mappings). The saturation warning prints it as named, and the run reads that as the
    role, as it reads the role's ASCII key ('xn--...', ``sim.model.scenario.ascii_key``)."""
    from sim.model.scenario import ascii_key

    role = "営業 部"
    path = one_role_model(tmp_path, role)
    common = ["scenario.replications=2", "scenario.horizon_days=7", "progress=false"]
    res = run_sim(f"process={path}", *common, f"hydra.run.dir={tmp_path / 'a'}")
    assert res.returncode == 0, res.stderr
    pasted = advice_to_paste(res)
    assert pasted == [f"scenario.staffing.{role}=2"]
    for run, typed in (("b", pasted[0]), ("c", f"scenario.staffing.{ascii_key(role)}=3")):
        res = run_sim(f"process={path}", *common, typed, f"hydra.run.dir={tmp_path / run}")
        assert res.returncode == 0, res.stderr
        kpis = json.loads((tmp_path / run / "kpis.json").read_text(encoding="utf-8"))
        assert {r["role"]: r["headcount"] for r in kpis["roles"]} == {role: int(typed[-1])}
    res = run_sim(
        f"process={path}", *common, "scenario.staffing.営業=2", f"hydra.run.dir={tmp_path}/d"
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "scenario.staffing.営業: unknown role; valid roles are ['営業 部']" in res.stderr
    assert "xn--" not in res.stderr  # named as typed, not as Hydra was given it
    res = run_sim(
        f"process={path}", *common, "scenario.staffing={営業: 2}", f"hydra.run.dir={tmp_path}/e"
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "give a role named in other letters one at a time, 'scenario.staffing.<role>=<n>'" in (
        res.stderr
    )


def test_a_staffing_key_hydra_cannot_spell_becomes_a_mapping_to_merge():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli.main import rewrite_process_override

    parse = OverridesParser.create().parse_override
    args = ["scenario.staffing.Dr. Who (night), 2=3", "scenario.staffing.legal=2"]
    out = rewrite_process_override(args, CONFIGS)
    assert out[1] == "++scenario.staffing.legal=2"
    assert parse(out[0]).value() == {"Dr. Who (night), 2": 3}
    out = rewrite_process_override(["-m", "+scenario.staffing.Claims Handler=1,2"], CONFIGS)
    assert [dict(v) for v in parse(out[1]).sweep_iterator()] == [
        {"Claims Handler": 1},
        {"Claims Handler": 2},
    ]


def test_a_dotted_path_into_a_constraint_sets_its_bound():
    """QA 2026-12-04 #5: `optimizer.constraints.utilisation_max.max=0.95` became a key
    'utilisation_max.max' beside `utilisation_max: {max: 0.9}`, then a misleading error."""
    from hydra import compose, initialize_config_dir

    from sim.cli.main import rewrite_process_override

    args = rewrite_process_override(
        [
            "optimizer.constraints.utilisation_max.max=0.95",
            "optimizer.constraints.dropoff_rate.max=0.6",
        ],
        CONFIGS,
    )
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name="optimize", overrides=args)
    assert cfg.optimizer.constraints == {
        "utilisation_max": {"max": 0.95},
        "dropoff_rate": {"max": 0.6},
    }


def test_a_constraint_on_another_kpi_is_taken_and_a_bad_field_named(tmp_path, crm_path):
    """QA 9b: `optimizer.constraints={dropoff_rate: {max: 0.9}}` (the form parse_constraints
    documents) was refused with "unknown key 'constraints' in section 'optimizer' (did you
    mean 'constraints'?)", and so was a misspelt bound (`{utilisation_max: {maximum: 0.9}}`):
    no constraint but utilisation_max's max could be given that way."""
    run = tmp_path / "r"
    args = [
        "optimize",
        "process=mmc",
        "redesign=staffing",
        "optimizer=random",
        "optimizer.n_trials=2",
        "optimizer.replications=2",
        "optimizer.min_replications=2",
        "optimizer.confirm_replications=2",
        "optimizer.top_k=1",
        "optimizer.ablate_top=0",
        "scenario.horizon_days=2",
        "scenario.warmup_days=0.5",
        "workers=1",
        "progress=false",
        "output.report=false",
    ]
    res = run_sim(*args, "optimizer.constraints={dropoff_rate: {max: 0.9}}", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    summary = json.loads((run / "confirmation.json").read_text())
    # merged into the default, as Hydra merges a mapping
    assert {c["kpi"]: c["high"] for c in summary["constraints"]} == {
        "utilisation_max": 0.9,
        "dropoff_rate": 0.9,
    }
    bad = tmp_path / "bad"
    res = run_sim(
        *args, "optimizer.constraints={utilisation_max: {maximum: 0.9}}", f"hydra.run.dir={bad}"
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "optimizer.constraints.utilisation_max: unknown field(s) ['maximum']" in res.stderr
    assert "did you mean 'constraints'" not in res.stderr


def test_a_mapping_override_with_a_key_its_section_lacks_names_that_key(tmp_path):
    """QA 9b: a new key inside a mapping given whole was reported as the section itself:
    "optimizer.sampler: unknown key 'sampler' in section 'optimizer' (did you mean
    'sampler'?)"."""
    res = run_sim(
        "optimize", "process=mmc", "optimizer.sampler={seeed: 3}", f"hydra.run.dir={tmp_path / 'r'}"
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "optimizer.sampler.seeed: unknown key 'seeed' in section 'optimizer.sampler'" in (
        res.stderr
    )
    assert "did you mean 'seed'" in res.stderr and "did you mean 'sampler'" not in res.stderr


def test_a_swept_model_file_with_a_comma_is_given_quoted(tmp_path, crm_path):
    """QA 13: ``--multirun process='a,b.yaml',c.yaml`` split the quoted name at its comma
    ("process='a: not a bundled process nor a file"); unquoted, the message says to quote it."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli.main import rewrite_process_override
    from sim.errors import SimError

    comma, plain = tmp_path / "a,b.yaml", tmp_path / "c.yaml"
    for f in (comma, plain):
        f.write_bytes(crm_path.read_bytes())
    out = rewrite_process_override(["-m", f"process='{comma}',{plain}"], CONFIGS)
    assert out[1] == "process=_from_file"
    swept = OverridesParser.create().parse_override(out[2]).sweep_iterator()
    assert [getattr(v, "text", v) for v in swept] == [str(comma), str(plain)]
    out = rewrite_process_override(["-m", f"process='{comma}'"], CONFIGS)  # one file, no sweep
    assert OverridesParser.create().parse_override(out[2]).value() == str(comma)
    with pytest.raises(SimError, match=r"with --multirun the commas make a sweep of .* quote it"):
        rewrite_process_override(["-m", f"process={comma}"], CONFIGS)
    # beside another file too (QA docsaudit: "process=x: not a bundled process nor a file")
    with pytest.raises(SimError, match=r"quote it.*process='[^']*a,b\.yaml',[^ ]*c\.yaml"):
        rewrite_process_override(["-m", f"process={comma},{plain}"], CONFIGS)


def test_a_staffing_key_in_other_letters_is_given_to_hydra_as_its_ascii_key():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli.main import rewrite_process_override
    from sim.model.scenario import ascii_key

    parse = OverridesParser.create().parse_override
    out = rewrite_process_override(
        ["scenario.staffing.営業=3", "scenario.staffing.営業 部=2"], CONFIGS
    )
    assert out[0] == f"++scenario.staffing.{ascii_key('営業')}=3"
    assert parse(out[0]).value() == 3
    assert parse(out[1]).value() == {ascii_key("営業 部"): 2}
    out = rewrite_process_override(["-m", "+scenario.staffing.営業=1,2"], CONFIGS)
    assert [v for v in parse(out[1]).sweep_iterator()] == [1, 2]
    assert parse(out[1]).key_or_group == f"scenario.staffing.{ascii_key('営業')}"
