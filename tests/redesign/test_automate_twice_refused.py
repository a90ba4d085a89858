"""A step no role does is automated already: automating it again is refused (QA redesignops19 #1).

QA: ``automate_step`` and a search space's ``automate:`` entry accepted a step that was already
automated (an earlier redesign's, or the bundled CRM model's ``billing_setup``): the new system's
cost per execution was added on top of the old system's (2 + 5 + 3 per run), and the change read
"Automate 'b'" as a new automation, so the optimiser judged a cheaper replacement "worse" on cost.
The candidate list leaves such steps out and delegate refuses them; automate now refuses them too,
saying how to change that system's cost or duration instead.
"""

from __future__ import annotations

import pytest
from redesign_testkit import build, crm, fixed

from sim.errors import ConfigError, RedesignRefused
from sim.redesign import SearchSpace, automate_step, simplify_step


def tandem():
    """a (r1, step cost 1) -> b (r2, step cost 2) -> done."""
    return build(
        {
            "a": {"role": "r1", "duration": fixed(0.5), "cost": 1, "next": "b"},
            "b": {"role": "r2", "duration": fixed(0.6), "cost": 2, "next": "done"},
        }
    )


def test_automating_an_automated_step_again_is_refused_naming_its_cost() -> None:
    once = automate_step(tandem(), "b", duration=fixed(0.1), cost_per_execution=5)
    assert once.steps["b"].roles == () and once.steps["b"].cost == 7  # 2 of its own + 5
    with pytest.raises(RedesignRefused) as err:
        automate_step(once, "b", duration=fixed(0.05), cost_per_execution=3, one_off_cost=100)
    text = str(err.value)
    assert text.startswith("cannot automate 'b': it is already automated (no role does it")
    assert "costs 7 per execution" in text
    assert "add the new system's cost per execution to the old one's" in text
    # how to change the system's cost and duration instead
    assert "process.steps.b.cost=..." in text and "process.steps.b.duration=..." in text
    assert "simplify" in text
    assert once.steps["b"].cost == 7  # the input is untouched


def test_the_suggested_simplify_still_shortens_the_automated_step() -> None:
    once = automate_step(tandem(), "b", duration=fixed(0.1), cost_per_execution=5)
    faster = simplify_step(once, "b", factor=0.5)
    assert faster.steps["b"].duration.mean() == pytest.approx(0.05)
    assert faster.steps["b"].cost == 7


def test_crm_billing_setup_is_automated_in_the_bundled_model_and_refused() -> None:
    m = crm()
    assert m.steps["billing_setup"].roles == ()
    with pytest.raises(RedesignRefused, match=r"cannot automate 'billing_setup': it is already "
                       r"automated .*costs 2 per execution"):  # fmt: skip
        automate_step(m, "billing_setup", duration=fixed(0.05), cost_per_execution=1)


def test_a_search_space_entry_for_an_automated_step_is_a_config_error_naming_the_key() -> None:
    cfg = {"automate": {"billing_setup": {"duration": 0.1, "cost_per_execution": 1}}}
    with pytest.raises(ConfigError) as err:
        SearchSpace.from_dict(cfg, crm())
    text = str(err.value)
    assert text.startswith(
        "redesign.automate.billing_setup: cannot automate 'billing_setup': it is already automated"
    )
    assert "process.steps.billing_setup.cost=..." in text


def test_a_group_entry_names_its_step_that_is_already_automated() -> None:
    m = build(
        {
            "check": {"role": "r1", "duration": fixed(0.5), "next": "check #2"},
            "check #2": {"duration": fixed(0.1), "next": "done"},
        }
    )
    cfg = {"automate": {"check": {"steps": ["check", "check #2"], "duration": 0.1}}}
    with pytest.raises(ConfigError) as err:
        SearchSpace.from_dict(cfg, m)
    text = str(err.value)
    assert text.startswith("redesign.automate.check: cannot automate 'check #2': it is already")
    # a name no command-line override can spell: the model file
    assert "its cost per execution and its duration in the model file" in text
    assert "process.steps." not in text


def test_a_model_without_any_staff_says_so() -> None:
    """A model calibrated from a log without resources has no roles at all (every activity is
    treated as automated): the refusal says how to get the people into the model."""
    m = build(
        {
            "a": {"duration": fixed(0.5), "next": "b"},
            "b": {"duration": fixed(0.6), "next": "done"},
        },
        roles={},
    )
    with pytest.raises(RedesignRefused, match=r"no step of this model has a role.*resource_key"):
        automate_step(m, "a", duration=fixed(0.1))


def test_staffed_steps_are_still_automated() -> None:
    out = automate_step(tandem(), "a", duration=fixed(0.1), cost_per_execution=5)
    assert out.steps["a"].roles == () and out.steps["a"].cost == 6
    assert out.metadata["changes"][-1]["summary"] == (
        "Automate 'a' (done by r1 until now; 5 per execution)"
    )
