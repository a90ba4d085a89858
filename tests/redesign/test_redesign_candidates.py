"""Candidate redesigns listed in a generated search space (``sim.redesign.candidates``).

Every candidate written as a comment must, once uncommented, be an entry that
``SearchSpace.from_dict`` accepts; the file as written must stay the staffing-only space.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sim.model import from_dict
from sim.model.interchange.importer import load_bpmn
from sim.model.io import load
from sim.redesign import SearchSpace, candidates_text, find_candidates, staffing_space
from sim.redesign.candidates import MAX_CANDIDATES_PER_OPERATOR

REPO = Path(__file__).resolve().parents[2]
ONE_HOUR = {"dist": "fixed", "value": 1.0}


def crm():
    """The bundled CRM model (its hand-written search space is not used)."""
    return load(REPO / "configs/process/crm_sales.yaml")


def calibrated_like():
    """A model shaped like a calibrated one: 'check' repeats as 'check #2' after a timer."""
    return from_dict(
        {
            "name": "calibrated_like",
            "start": "check",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 4.0}},
            "roles": {"role_1": {"headcount": 2}, "role_2": {"headcount": 1}},
            "steps": {
                "check": {"role": "role_1", "duration": ONE_HOUR, "next": "after:check"},
                "delay:check #2": {"duration": {"dist": "fixed", "value": 30}, "next": "check #2"},
                "check #2": {"role": "role_1", "duration": ONE_HOUR, "next": "decide"},
                "decide": {
                    "role": "role_2",
                    "duration": {"dist": "fixed", "value": 3.0},
                    "next": "done",
                },
            },  # fmt: skip
            "decisions": {
                "after:check": {"branches": {"delay:check #2": 0.5, "decide": 0.5}},
            },
            "ends": {"done": {"success": True}},
            "metadata": {
                "timer_steps": ["delay:check #2"],
                "step_activity": {"check #2": "check"},
            },
        }
    )


def uncomment(text: str) -> str:
    """What the analyst does to take every candidate: drop one leading '# ' of each line of the
    candidates' block (the one that starts with '## ---')."""
    head, marker, block = text.partition("\n## ---")
    lines = (marker + block).splitlines()
    return head + "\n".join(line[2:] if line.startswith("# ") else line for line in lines)


def generated_file(model) -> tuple[dict, str]:
    """The staffing space and the text the CLI writes for it (see sim.cli.optimize)."""
    space = staffing_space(model)
    return space, yaml.safe_dump(space, sort_keys=False) + candidates_text(model)


def listed_entries(text: str) -> dict[str, set[str]]:
    """operator -> the entry names uncommenting ``text`` adds."""
    full = yaml.safe_load(uncomment(text))
    return {op: set(v) for op, v in full.items() if op not in ("model", "description", "staffing")}


def check_file(model) -> None:
    """The file loads as the staffing-only space; with every candidate uncommented it is a
    search space that ``from_dict`` accepts, with one variable per listed entry."""
    space, text = generated_file(model)
    assert yaml.safe_load(text) == space
    as_written = SearchSpace.from_dict(yaml.safe_load(text), model)
    assert {v.operator for v in as_written.variables} == {"staffing"}
    assert len(as_written.variables) == len(model.roles)
    entries = listed_entries(text)
    assert entries, "no candidate listed"
    everything = SearchSpace.from_dict(yaml.safe_load(uncomment(text)), model)
    names = {v.name for v in everything.variables if v.operator != "staffing"}
    assert names == {f"{op}:{e}" for op, es in entries.items() for e in es}


def check_each_candidate(model) -> None:
    """Each candidate alone (its placeholders as written) is accepted, and the text lists it."""
    found = find_candidates(model)
    text = uncomment(candidates_text(model, limit=10**6))
    for op, cands in found.items():
        times = [c.time_per_case for c in cands]
        assert times == sorted(times, reverse=True), f"{op} not ranked by time per case"
        for c in cands:
            space = SearchSpace.from_dict(c.config(), model)
            assert {v.name for v in space.variables} == {f"{op}:{e}" for e in c.entries}
            for line in c.lines():
                assert line in text.splitlines()


def test_crm_candidates_are_those_its_hand_written_space_found_applicable():
    model = crm()
    found = find_candidates(model)
    entries = {op: {e for c in cands for e in c.entries} for op, cands in found.items()}
    hand = yaml.safe_load((REPO / "configs/redesign/crm_sales.yaml").read_text())
    assert set(hand["remove"]) <= entries["remove"]
    assert "handover_to_delivery+onboarding" in entries["merge"]
    assert "contract_review|signing" in entries["parallelise"]
    assert set(hand["automate"]) <= entries["automate"]
    assert set(hand["simplify"]) <= entries["simplify"]
    assert entries["move_decision"] == set()  # the hand-written space says none applies
    mandatory = {s for s, step in model.steps.items() if step.mandatory}
    assert mandatory and not mandatory & entries["remove"]
    # first_contact (sales_dev) and needs_analysis (account_exec) have no common role
    assert "first_contact+needs_analysis" not in entries["merge"]
    assert found["remove"][0].entries == {"onboarding": {"one_off_cost": 0}}  # 2.5 h per case
    assert "42 % of cases pass here; 2.52 h of work per case" in found["remove"][0].reason


def test_crm_every_listed_candidate_uncommented_is_accepted():
    check_each_candidate(crm())
    check_file(crm())


def test_bpmn_import_candidates_uncommented_are_accepted(shared_data):
    folder = shared_data / "synth_loan_application"
    model = load_bpmn(
        folder / "Loan_Application.bpmn", params_path=folder / "Loan_Application.json"
    )
    check_each_candidate(model)
    check_file(model)
    found = find_candidates(model)
    assert found["merge"] and found["parallelise"] and found["automate"]


def test_timers_are_left_out_and_repetitions_grouped_with_their_activity():
    model = calibrated_like()
    check_each_candidate(model)
    check_file(model)
    found = find_candidates(model)
    for cands in found.values():
        for c in cands:
            assert not any("delay:" in e for e in c.entries)
    # the passes of 'check' are one entry, so one variable of the search: automating one pass
    # of an activity and not the other is not a change anyone would make
    for op in ("remove", "automate", "simplify"):
        grouped = next(c for c in found[op] if "check" in c.entries)
        assert list(grouped.entries) == ["check"], op
        assert grouped.entries["check"]["steps"] == ["check", "check #2"]
        assert "its 2 steps are the passes of 'check', changed together" in grouped.reason
    assert [list(c.entries) for c in found["automate"]] == [["decide"], ["check"]]
    # check: 1.5 passes x 1 h = 1.5 h of work, decide: 1 x 3 h; the timer's 15 h do not count
    assert [c.time_per_case for c in found["automate"]] == [3.0, 1.5]
    text = candidates_text(model)
    assert "Left out: the 1 step(s) no role does, 1 of them timers" in text
    assert "'delay:check #2'" in text


def test_measured_time_per_case_ranks_the_candidates():
    model = crm()
    measured = {s: 0.0 for s in model.steps} | {"quote_approval": 50.0, "onboarding": 1.0}
    found = find_candidates(model, time_per_case=measured)
    assert list(found["automate"][0].entries) == ["quote_approval"]
    assert "50 h per case (waiting + processing)" in found["automate"][0].reason
    assert "(waiting + processing)." in candidates_text(model, time_per_case=measured)


def test_a_long_list_is_cut_and_says_how_many_more_apply():
    model = crm()
    n = len(find_candidates(model)["automate"])
    assert n > 3
    text = candidates_text(model, limit=3)
    assert f"#   # ... {n - 3} more apply (with less time per case)" in text
    assert len(listed_entries(text)["automate"]) == 3
    assert MAX_CANDIDATES_PER_OPERATOR == 10


def test_the_cli_writes_the_candidates_under_the_staffing_space(tmp_path):
    from sim.cli.optimize import generated_space

    model = crm()
    space = generated_space({"generate": "staffing"}, model, tmp_path)
    text = (tmp_path / "redesign.yaml").read_text()
    assert yaml.safe_load(text) == space  # the search stays staffing-only until uncommented
    assert re.search(r"^# automate:", text, re.M)
    assert re.search(r"^#   onboarding: \{one_off_cost: 0\}  # your estimates$", text, re.M)
    assert "## move_decision: none applies to this model" in text
    full = SearchSpace.from_dict(yaml.safe_load(uncomment(text)), model)
    assert {v.operator for v in full.variables} >= {"remove", "merge", "automate", "staffing"}


def test_the_candidates_of_a_model_with_timers_say_the_timers_stay():
    """A removal or automation leaves the waits before the step; the text says so, and the
    timer it tells the analyst to add to a remove entry is accepted there."""
    model = calibrated_like()
    text = candidates_text(model)
    assert "the case still waits them" in text and "remove accepts them" in text
    timer = next(iter(model.metadata["timer_steps"]))
    SearchSpace.from_dict({"model": model.name, "remove": {timer: {"one_off_cost": 0}}}, model)


def test_the_cli_ranks_the_candidates_by_the_simulated_baseline(tmp_path):
    """Where cases queue counts, not only work: 'intake' (0.9 h, one clerk, a case an hour)
    has less work than 'review' (1.5 h, five experts) but a long queue, so once the baseline is
    simulated it comes first; ranked by work alone (before), 'review' did."""
    from sim.cli.optimize import baseline_time_per_case, generated_space
    from sim.engine import run_replication
    from sim.model.scenario import Scenario

    model = from_dict(
        {
            "name": "queued",
            "start": "intake",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"clerk": {"headcount": 1}, "expert": {"headcount": 5}},
            "steps": {
                "intake": {
                    "role": "clerk",
                    "duration": {"dist": "exponential", "mean": 0.9},
                    "next": "review",
                },
                "review": {
                    "role": "expert",
                    "duration": {"dist": "exponential", "mean": 1.5},
                    "next": "done",
                },
            },
            "ends": {"done": {"success": True}},
        }
    )
    work_first = [c.entries for c in find_candidates(model)["automate"]]
    assert list(work_first[0]) == ["review"]
    trace = run_replication(model, Scenario.from_dict({"horizon_days": 30}), seed=0)
    times = baseline_time_per_case(trace, model)
    assert times["review"] >= 1.2  # about its 1.5 h of work, no queue with five experts
    assert times["intake"] > 2 * times["review"]  # M/M/1 at 90 %: 8.1 h in queue on average
    generated_space({"generate": "staffing"}, model, tmp_path, time_per_case=times)
    text = (tmp_path / "redesign.yaml").read_text()
    assert "(waiting + processing in one replication of today's process)" in text
    automate = yaml.safe_load(uncomment(text))["automate"]  # in the file's order
    assert list(automate) == ["intake", "review"]


def test_a_step_other_roles_may_take_names_them_in_its_reason():
    spec = {
        "name": "alternatives",
        "start": "check",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 4.0}},
        "roles": {"clerk": {"headcount": 2}, "senior": {"headcount": 1}},
        "steps": {
            "check": {
                "role": "clerk",
                "duration": ONE_HOUR,
                "alternatives": {"senior": {"duration": ONE_HOUR, "share": 0.2}},
                "next": "done",
            }
        },
        "ends": {"done": {"success": True}},
    }
    (automate,) = find_candidates(from_dict(spec))["automate"]
    assert automate.reason.startswith("done by clerk (or senior);")


def test_a_move_decision_candidate_names_the_exit_that_skips_the_work():
    """In a calibrated model every exit runs 'delay:X -> X -> end:X'; the candidate says the
    operator's choice: the cancelled cases skip 'consider', which stays on the way to 'design'."""
    from redesign_testkit import cancel_model

    (cand,) = find_candidates(cancel_model())["move_decision"]
    assert cand.entries == {"d": {"one_off_cost": 0}}
    assert "the cases that go to 'delay:cancel' skip 'consider' (1.67 h" in cand.reason
    assert "which stay on the way to 'design'" in cand.reason
