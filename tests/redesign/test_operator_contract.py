"""One contract, every redesign operator (like Optuna's ``pytest_storages``).

Each case is an operator applied with fixed arguments to a model. Every case must give a valid
model, leave its input untouched, keep mandatory steps, keep every satisfied ``requires``
satisfied, be deterministic, record the change in ``metadata["changes"]``, survive a YAML round
trip and simulate.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import yaml
from redesign_testkit import (
    build,
    check_model,
    crm,
    crm_space_config,
    fixed,
    linear,
    move_model,
    verdict_model,
)

import sim.redesign as rd
from sim.engine import run_replication
from sim.model import dumps, from_dict, problems, to_dict, validate
from sim.model.process import ProcessModel
from sim.model.scenario import Scenario
from sim.redesign import Check, SearchSpace, done_before, unsatisfied_requirements


@dataclass(frozen=True)
class Case:
    """An operator applied to a model: ``apply(model) -> redesigned model``."""

    model: Callable[[], ProcessModel]
    apply: Callable[[ProcessModel], ProcessModel]
    n_changes: int = 1


def _independent() -> ProcessModel:
    return build(
        {
            "a": {"role": "r1", "duration": fixed(2), "next": "b"},
            "b": {"role": "r2", "duration": fixed(3), "next": "c"},
            "c": {"role": "r1", "duration": fixed(1), "requires": ["a", "b"], "next": "done"},
        }
    )


def _space_apply(model: ProcessModel) -> ProcessModel:
    space = SearchSpace.from_dict(crm_space_config(), model)
    choice = {
        "staffing:sales_dev": 0,
        "simplify:onboarding": 0.8,
        "delegate:quote_approval": True,
        "merge:first_contact+needs_analysis": True,
        "remove:contract_review": True,
        "automate:quote_preparation": True,
    }
    return space.apply(model, choice)


CASES: dict[str, Case] = {
    "remove": Case(linear, lambda m: rd.remove_step(m, "b")),
    "remove_check": Case(
        check_model,
        lambda m: rd.remove_step(
            m, "review", check=Check(catch_rate=0.2, found_at="deliver", rework_to="build")
        ),
    ),
    "remove_check_verdict": Case(
        verdict_model,
        lambda m: rd.remove_step(
            m,
            "approve",
            check=Check(verdict="ok", pass_to="send", found_at="send", rework_to="prepare"),
        ),
    ),
    "remove_crm_contract_review": Case(
        crm,
        lambda m: rd.remove_step(
            m,
            "contract_review",
            check=Check(catch_rate=0.15, found_at="after_sales_service", rework_to="negotiation"),
        ),
    ),
    "remove_crm_parallel_branch": Case(crm, lambda m: rd.remove_step(m, "billing_setup")),
    "merge": Case(linear, lambda m: rd.merge_steps(m, ["a", "b"], role="r1", setup_saving=0.2)),
    "merge_three": Case(linear, lambda m: rd.merge_steps(m, ["a", "b", "c"], role="r2")),
    "merge_crm_mandatory": Case(
        crm,
        lambda m: rd.merge_steps(
            m, ["first_contact", "needs_analysis"], role="account_exec", setup_saving=0.3
        ),
    ),
    "merge_crm_parallel_branch": Case(
        crm, lambda m: rd.merge_steps(m, ["handover_to_delivery", "onboarding"])
    ),
    "move_decision": Case(move_model, lambda m: rd.move_decision(m, "fit")),
    "parallelise": Case(
        _independent,
        lambda m: rd.parallelise_steps(m, ["a", "b"]),
    ),
    "parallelise_crm": Case(crm, lambda m: rd.parallelise_steps(m, ["contract_review", "signing"])),
    "automate": Case(
        crm,
        lambda m: rd.automate_step(
            m, "quote_preparation", duration=fixed(0.1), cost_per_execution=2, one_off_cost=25000
        ),
    ),
    "automate_with_errors": Case(
        crm,
        lambda m: rd.automate_step(
            m, "contract_review", duration=fixed(0.2), error_rate=0.05, rework_to="negotiation"
        ),
    ),
    "simplify": Case(crm, lambda m: rd.simplify_step(m, "onboarding", factor=0.8)),
    "delegate": Case(
        crm,
        lambda m: rd.delegate_step(
            m, "quote_approval", to_role="account_exec", duration_factor=0.5
        ),
    ),
    "staffing": Case(crm, lambda m: rd.change_staffing(m, "legal", headcount=2)),
    "space_apply": Case(crm, _space_apply, n_changes=6),
}


def _renames(after: ProcessModel) -> dict[str, str]:
    """Original step name -> the merged step that now does it."""
    out = {}
    for s in after.steps.values():
        for part in (s.provenance or {}).get("merged_from", ()):
            out[part] = s.name
    return out


def _required_closure(model: ProcessModel) -> dict[str, set[str]]:
    """Node -> every step it requires, directly or through the steps it requires."""
    direct = {n.name: set(n.requires) for n in [*model.steps.values(), *model.decisions.values()]}
    closure = {}
    for node in direct:
        seen: set[str] = set()
        todo = list(direct[node])
        while todo:
            r = todo.pop()
            if r not in seen:
                seen.add(r)
                todo.extend(direct.get(r, ()))
        closure[node] = seen
    return closure


@pytest.fixture(params=sorted(CASES), ids=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


class TestOperatorContract:
    """The contract every operator (and the search space's ``apply``) keeps."""

    def test_output_is_valid(self, case: Case) -> None:
        out = case.apply(case.model())
        assert problems(out) == []
        validate(out)

    def test_input_is_unchanged(self, case: Case) -> None:
        model = case.model()
        before = copy.deepcopy(model)
        before_dict = copy.deepcopy(to_dict(model))
        out = case.apply(model)
        assert out is not model
        assert model == before
        assert to_dict(model) == before_dict
        validate(model)

    def test_mandatory_steps_are_kept(self, case: Case) -> None:
        model = case.model()
        out = case.apply(model)
        renames = _renames(out)
        for s in model.steps.values():
            if s.mandatory:
                name = s.name if s.name in out.steps else renames.get(s.name)
                assert name in out.steps, f"mandatory step {s.name} disappeared"
                assert out.steps[name].mandatory

    def test_requires_stay_satisfied(self, case: Case) -> None:
        model = case.model()
        out = case.apply(model)
        assert unsatisfied_requirements(out) <= unsatisfied_requirements(model)
        # every order constraint the input kept (directly or through removed steps) still holds
        renames = _renames(out)
        done_in, done_out = done_before(model), done_before(out)
        for node, reqs in _required_closure(model).items():
            n2 = renames.get(node, node)
            if n2 not in out.steps and n2 not in out.decisions:
                continue
            for r in reqs:
                r2 = renames.get(r, r)
                if r not in done_in[node] or r2 not in out.steps or r2 == n2:
                    continue
                assert r2 in done_out[n2], f"{n2} can now start before {r2}"

    def test_deterministic(self, case: Case) -> None:
        model = case.model()
        assert case.apply(model) == case.apply(model)

    def test_change_is_recorded(self, case: Case) -> None:
        model = case.model()
        out = case.apply(model)
        before = list(model.metadata.get("changes", ()))
        changes = out.metadata["changes"]
        assert changes[: len(before)] == before
        new = changes[len(before) :]
        assert len(new) == case.n_changes
        for ch in new:
            assert {"operator", "target", "parameters", "one_off_cost", "summary"} <= set(ch)
            assert ch["operator"] in rd.CANONICAL_ORDER
            assert isinstance(ch["summary"], str) and ch["summary"][0].isupper()
            assert isinstance(ch["one_off_cost"], float) and ch["one_off_cost"] >= 0
        yaml.safe_dump(out.metadata)  # plain data only

    def test_round_trips_through_yaml(self, case: Case) -> None:
        out = case.apply(case.model())
        assert from_dict(yaml.safe_load(dumps(out))) == out

    def test_simulates(self, case: Case) -> None:
        out = case.apply(case.model())
        sc = Scenario(horizon_days=3, warmup_days=0, replications=1, drain_days=20)
        trace = run_replication(out, sc, seed=3)
        assert trace.n_cases > 0
        assert (trace.case_outcome >= 0).mean() > 0.5  # most cases finish


def test_canonical_order_is_documented() -> None:
    doc = " ".join(rd.__doc__.split())
    assert " -> ".join(rd.CANONICAL_ORDER) in doc
    assert rd.CANONICAL_ORDER == (
        "remove",
        "merge",
        "move_decision",
        "parallelise",
        "automate",
        "simplify",
        "delegate",
        "staffing",
    )


def test_every_operator_has_a_contract_case() -> None:
    covered = {
        ch["operator"] for c in CASES.values() for ch in c.apply(c.model()).metadata["changes"]
    }
    assert covered == set(rd.CANONICAL_ORDER)
