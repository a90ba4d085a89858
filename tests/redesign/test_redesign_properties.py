"""Property tests: any choice over the CRM space gives a valid model or a RedesignRefused."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redesign_testkit import crm, crm_space_config

from sim.errors import RedesignRefused
from sim.model import problems
from sim.redesign import SearchSpace, Variable, unsatisfied_requirements
from sim.redesign.operators import (
    automate_step,
    change_staffing,
    delegate_step,
    merge_steps,
    move_decision,
    parallelise_steps,
    remove_step,
    simplify_step,
)

MODEL = crm()
MODEL_COPY = copy.deepcopy(MODEL)
SPACE = SearchSpace.from_dict(crm_space_config(), MODEL)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def value_of(v: Variable) -> st.SearchStrategy[Any]:
    """Any value of the variable's domain."""
    if v.kind == "categorical":
        return st.sampled_from(v.choices)
    if v.kind == "int":
        return st.integers(int(v.low), int(v.high))
    if v.step:
        return st.sampled_from(v.values())
    return st.floats(v.low, v.high)


CHOICES = st.fixed_dictionaries({}, optional={v.name: value_of(v) for v in SPACE.variables})


def _valid_or_refused(choice: dict[str, Any]) -> None:
    try:
        out = SPACE.apply(MODEL, choice)
    except RedesignRefused as exc:
        assert str(exc)
        return
    assert problems(out) == []
    assert unsatisfied_requirements(out) == set()
    assert len(out.metadata["changes"]) == len(SPACE.active(choice))
    assert sum(c["one_off_cost"] for c in out.metadata["changes"]) == SPACE.one_off_cost(choice)
    if SPACE.budget is not None:
        assert SPACE.one_off_cost(choice) <= SPACE.budget + 1e-6
    assert out == SPACE.apply(MODEL, choice)


@SETTINGS
@given(CHOICES)
def test_any_choice_gives_a_valid_model_or_a_refusal(choice: dict[str, Any]) -> None:
    _valid_or_refused(choice)
    assert MODEL == MODEL_COPY


@SETTINGS
@given(st.data())
def test_sampled_choices_never_combine_conflicting_changes(data: st.DataObject) -> None:
    choice = SPACE.sample(lambda v: data.draw(value_of(v), label=v.name))
    try:
        SPACE.check(choice)
    except RedesignRefused as exc:
        assert "budget" in str(exc)
    _valid_or_refused(choice)


STEP = st.sampled_from(sorted(MODEL.steps))
ROLE = st.sampled_from(sorted(MODEL.roles))
NODE = st.sampled_from(sorted(MODEL.node_names()))
UNIT = st.floats(0.0, 1.0, allow_nan=False)

OPERATOR_CALLS = st.one_of(
    st.tuples(st.just(remove_step), STEP, st.just({})),
    st.tuples(
        st.just(merge_steps),
        st.lists(STEP, min_size=2, max_size=3),
        st.fixed_dictionaries({"role": ROLE, "setup_saving": UNIT}),
    ),
    st.tuples(st.just(move_decision), st.sampled_from(sorted(MODEL.decisions)), st.just({})),
    st.tuples(st.just(parallelise_steps), st.lists(STEP, min_size=2, max_size=2), st.just({})),
    st.tuples(
        st.just(automate_step),
        STEP,
        st.fixed_dictionaries(
            {
                "duration": st.floats(0.0, 5.0).map(lambda x: {"dist": "fixed", "value": x}),
                "error_rate": UNIT,
                "rework_to": NODE,
            }
        ),  # fmt: skip
    ),
    st.tuples(st.just(simplify_step), STEP, st.fixed_dictionaries({"factor": UNIT})),
    st.tuples(st.just(delegate_step), STEP, st.fixed_dictionaries({"to_role": ROLE})),
    st.tuples(
        st.just(change_staffing), ROLE, st.fixed_dictionaries({"headcount": st.integers(-1, 5)})
    ),
)


@SETTINGS
@given(st.lists(OPERATOR_CALLS, min_size=1, max_size=4))
def test_any_sequence_of_operator_calls_gives_a_valid_model_or_a_refusal(calls) -> None:
    model = MODEL
    for op, target, kwargs in calls:
        try:
            model = op(model, target, **kwargs)
        except RedesignRefused:
            continue
        assert problems(model) == []
        assert unsatisfied_requirements(model) == set()
    assert MODEL == MODEL_COPY
