"""The advice the command line gives about its overrides, followed as printed (QA hints23):
an override the shell split at a role's spaces is quoted as the user typed it, a group the
command has not is said so before any "did you mean", and a key (or group) deleted with ``~``
and set in the same command is named as deleted, never "unknown (did you mean itself?)"."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from tests.simcli import QUICK_SEARCH, QUICK_SIMULATE, REPO, run_sim

ROLE = "Call Centre Operator"


@pytest.fixture()
def spaced_role_model(tmp_path):
    """The bundled M/M/c model with its role named as a BPMN lane often is: with spaces."""
    text = (REPO / "configs" / "process" / "mmc.yaml").read_text(encoding="utf-8")
    path = tmp_path / "model.yaml"
    path.write_text(text.replace("server", ROLE), encoding="utf-8")
    return path


def _quoted_advice(stderr: str) -> list[str]:
    """The words of the override the message says to quote whole, as a shell reads them."""
    found = re.search(r"quote the override whole, (.+)$", stderr.strip())
    assert found, stderr
    return shlex.split(found[1])


@pytest.mark.parametrize("before", ["progress=false", None])
def test_a_role_split_at_its_spaces_is_quoted_as_typed(tmp_path, spaced_role_model, before):
    """QA hints23 #2: the hint glued the role to the override before it, in the tool's
    rewritten form ('progress=false ++scenario.staffing.Call', 'process.path=...')."""
    process = f"process={spaced_role_model}"
    head = [process, *QUICK_SIMULATE] + ([before] if before else [])
    split = f"scenario.staffing.{ROLE}=3".split()  # as the shell passes it unquoted
    run = tmp_path / "run"
    res = run_sim("simulate", *head, *split, f"hydra.run.dir={run}")
    assert res.returncode == 2, res.stderr
    assert "'scenario.staffing.Call' has no '='" in res.stderr
    words = _quoted_advice(res.stderr)
    assert words == [f"scenario.staffing.{ROLE}=3"]  # one override, as the user typed it
    res = run_sim("simulate", *head, *words, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    config = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))
    assert config["scenario"]["staffing"] == {ROLE: 3}


def test_a_role_split_without_a_value_gets_no_advice_to_quote_the_next_override(
    tmp_path, spaced_role_model
):
    res = run_sim(
        "simulate",
        f"process={spaced_role_model}",
        *f"scenario.staffing.{ROLE}".split(),
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 2, res.stderr
    assert "cannot be read as an override" in res.stderr
    assert "quote the override whole" not in res.stderr  # not '... hydra.run.dir=...'


@pytest.mark.parametrize(
    ("command", "misspelt", "group", "option"),
    [
        ("simulate", "redesign=staffin", "redesign", "staffing"),
        ("calibrate", "process=crm_sale", "process", "crm_sales"),
        ("export", "redesign=staffin", "redesign", "staffing"),
    ],
)
def test_a_group_the_command_has_not_is_said_so_first(tmp_path, command, misspelt, group, option):
    """QA hints23 #3: "did you mean 'staffing'?", then, following it, "simulate has no
    'redesign' options"."""
    res = run_sim(command, misspelt, f"hydra.run.dir={tmp_path / 'a'}")
    assert res.returncode == 2, res.stderr
    assert f"{command} has no '{group}' options" in res.stderr
    assert f"did you mean '{option}'" not in res.stderr
    # nor is another command's group a misspelling of one of this one's keys ('progress')
    assert "did you mean" not in res.stderr
    # the value, spelt right or a file, does not change what is said
    res = run_sim(command, f"{group}={option}", f"hydra.run.dir={tmp_path / 'b'}")
    assert f"{command} has no '{group}' options" in res.stderr


def _suggested(stderr: str, pattern: str) -> list[str]:
    found = re.search(pattern, stderr)
    assert found, stderr
    return shlex.split(found[1])


@pytest.mark.parametrize("order", ["deleted first", "set first"])
def test_a_deleted_key_set_as_told_is_named_as_deleted(tmp_path, order):
    """QA hints23 #5: "set it, e.g. scenario.horizon_days=42", done with the '~' still on the
    line, said "unknown key 'horizon_days' (did you mean 'horizon_days'?)"."""
    quick = [a for a in QUICK_SIMULATE if not a.startswith("scenario.horizon_days")]
    gone = "~scenario.horizon_days"
    res = run_sim("process=mmc", *quick, gone, f"hydra.run.dir={tmp_path / 'a'}")
    assert res.returncode == 2, res.stderr
    told = _suggested(res.stderr, r"set it, e\.g\. (scenario\.horizon_days=\S+)")
    both = [gone, *told] if order == "deleted first" else [*told, gone]
    res = run_sim("process=mmc", *quick, *both, f"hydra.run.dir={tmp_path / 'b'}")
    assert res.returncode == 2, res.stderr
    assert "did you mean 'horizon_days'" not in res.stderr
    assert f"drop {gone} to set it" in res.stderr
    res = run_sim("process=mmc", *quick, *told, f"hydra.run.dir={tmp_path / 'c'}")
    assert res.returncode == 0, res.stderr


def test_a_deleted_scenario_given_as_told_is_named_as_deleted(tmp_path):
    """QA hints23 #5: '~scenario' said "give them, e.g. scenario=default", which, added to the
    line, said the same again (Hydra leaves a deleted group out, whatever option is given)."""
    quick = [a for a in QUICK_SIMULATE if not a.startswith("scenario.")]
    res = run_sim("process=mmc", *quick, "~scenario", f"hydra.run.dir={tmp_path / 'a'}")
    assert res.returncode == 2, res.stderr
    told = _suggested(res.stderr, r"give them, e\.g\. (scenario=\S+)")
    res = run_sim("process=mmc", *quick, "~scenario", *told, f"hydra.run.dir={tmp_path / 'b'}")
    assert res.returncode == 2, res.stderr
    assert "drop ~scenario to choose scenario=default" in res.stderr
    assert "no scenario settings" not in res.stderr
    res = run_sim("process=mmc", *quick, *told, f"hydra.run.dir={tmp_path / 'c'}")
    assert res.returncode == 0, res.stderr


def test_a_key_of_a_section_deleted_with_its_option_is_named_as_deleted(tmp_path):
    """'~scenario=default' deletes the section as '~scenario' does: "did you mean" itself
    before, then "unknown section 'scenario'"."""
    res = run_sim(
        "process=mmc", "~scenario=default", "scenario.replications=2", f"hydra.run.dir={tmp_path}"
    )
    assert res.returncode == 2, res.stderr
    assert "scenario.replications: its section was deleted in the same command" in res.stderr
    assert "drop ~scenario=default to set it" in res.stderr
    assert "did you mean" not in res.stderr and "unknown" not in res.stderr


def test_a_list_of_runs_with_a_quote_in_a_path_gets_each_item_quoted(tmp_path):
    """QA hints23a: for `runs=[<dir with it's>,<dir>]` the hint quoted the whole list as a
    string, which compare refused ("runs: expected a list of run directories"); each item is
    quoted for Hydra instead, and the hint pasted through a shell compares the two runs."""
    odd, plain = tmp_path / "it's a run" / "r1", tmp_path / "r2"
    for run in (odd, plain):
        res = run_sim(
            "simulate",
            "scenario.replications=2",
            "scenario.horizon_days=7",
            "scenario.warmup_days=0",
            "progress=false",
            "output.report=false",
            f"hydra.run.dir={run}",
        )
        assert res.returncode == 0, res.stderr
    res = run_sim("compare", f"runs=[{odd},{plain}]", f"hydra.run.dir={tmp_path / 'cmp'}")
    assert res.returncode == 2, res.stderr
    words = _suggested(res.stderr, r"for the shell, (.+)$")
    assert len(words) == 1 and words[0].startswith("runs=[")
    res = run_sim("compare", *words, f"hydra.run.dir={tmp_path / 'cmp'}")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "cmp" / "comparison.csv").is_file()


def test_a_role_constraint_split_in_name_and_value_is_quoted_whole(tmp_path, spaced_role_model):
    """QA retest23b #2: 'optimizer.constraints.utilisation:Call Centre Operator={max: 0.8}'
    typed unquoted got the advice to quote '...Operator={max:', which pasted failed again."""
    split = f"optimizer.constraints.utilisation:{ROLE}={{max: 0.8}}".split()
    head = ["optimize", f"process={spaced_role_model}", *QUICK_SEARCH]
    res = run_sim(*head, *split, f"hydra.run.dir={tmp_path / 'a'}")
    assert res.returncode == 2, res.stderr
    advice = _quoted_advice(res.stderr)
    assert advice == [f"optimizer.constraints.utilisation:{ROLE}={{max: 0.8}}"]
    res = run_sim(*head, *advice, f"hydra.run.dir={tmp_path / 'b'}")
    assert res.returncode == 0, res.stderr
    saved = yaml.safe_load((tmp_path / "b" / "config.yaml").read_text(encoding="utf-8"))
    assert saved["optimizer"]["constraints"][f"utilisation:{ROLE}"] == {"max": 0.8}


@pytest.mark.parametrize("role", ["server", ROLE])
def test_a_bound_of_a_role_constraint_is_read_from_its_dotted_path(tmp_path, role):
    """QA retest23b #3: 'optimizer.constraints.utilisation:server.max=0.8' (also the hint's
    quoted form for a role with spaces) was refused: "expected {max: <number>} and/or {min:
    <number>}", though max was given."""
    text = (REPO / "configs" / "process" / "mmc.yaml").read_text(encoding="utf-8")
    model = tmp_path / "model.yaml"
    model.write_text(text.replace("server", role), encoding="utf-8")
    run = tmp_path / "run"
    res = run_sim(
        "optimize",
        f"process={model}",
        *QUICK_SEARCH,
        f"optimizer.constraints.utilisation:{role}.max=0.8",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    saved = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))
    assert saved["optimizer"]["constraints"][f"utilisation:{role}"] == {"max": 0.8}
