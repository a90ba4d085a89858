"""Merging two branches of one parallel block says why it cannot (QA redesignops19 #5).

QA: ``merge: {p1+p2: {role: ra}}`` with p1 and p2 the branches of one parallel block was refused
with "'p2' does not come right after 'p1'": true, but it did not say that they run side by side,
that merge joins steps in sequence, nor what to do instead.
"""

from __future__ import annotations

import pytest
from redesign_testkit import build, fixed

from sim.errors import ConfigError, RedesignRefused
from sim.redesign import SearchSpace, merge_steps, parallelise_steps


def par(p2_role: str = "r2"):
    """intake -> split {p1 -> p1b (r1) | p2} -> join -> after -> done."""
    return build(
        {
            "intake": {"role": "r1", "duration": fixed(0.3), "next": "split"},
            "p1": {"role": "r1", "duration": fixed(0.3), "next": "p1b"},
            "p1b": {"role": "r1", "duration": fixed(0.3), "next": "join"},
            "p2": {"role": p2_role, "duration": fixed(0.3), "next": "join"},
            "after": {"role": "r2", "duration": fixed(0.3), "next": "done"},
        },
        parallel={"split": {"branches": ["p1", "p2"], "join": "join", "next": "after"}},
    )


@pytest.mark.parametrize("steps", [["p1", "p2"], ["p2", "p1"], ["p1b", "p2"]])
def test_merging_parallel_branches_says_they_run_side_by_side(steps) -> None:
    with pytest.raises(RedesignRefused) as err:
        merge_steps(par(), steps, role="r1")
    text = str(err.value)
    why = (
        f"cannot merge '{steps[0]}' and '{steps[1]}': they are branches of parallel block "
        "'split', so they run side by side, and merge joins steps that run one after the other"
    )
    assert why in text
    assert "does not come right after" not in text
    # what to do instead: delegate to one role, or put them in sequence first
    assert "delegate one of them to the other's role" in text
    assert "first put them one after the other in the model file" in text


def test_branches_done_by_one_role_are_not_told_to_delegate() -> None:
    with pytest.raises(RedesignRefused) as err:
        merge_steps(par(p2_role="r1"), ["p1", "p2"])
    text = str(err.value)
    assert "parallel block 'split'" in text and "delegate" not in text


def test_the_search_space_error_names_the_key_and_the_block() -> None:
    cfg = {"merge": {"p1+p2": {"role": "r1"}}}
    with pytest.raises(ConfigError, match=r"^redesign\.merge\.p1\+p2: cannot merge 'p1' and "
                       r"'p2': they are branches of parallel block 'split'"):  # fmt: skip
        SearchSpace.from_dict(cfg, par())


def test_parallelising_branches_says_they_run_side_by_side_already() -> None:
    with pytest.raises(RedesignRefused, match=r"'p1' and 'p2' run side by side already "
                       r"\(branches of parallel block 'split'\)"):  # fmt: skip
        parallelise_steps(par(), ["p1", "p2"])


def test_steps_in_sequence_that_are_not_adjacent_keep_the_plain_message() -> None:
    with pytest.raises(RedesignRefused, match=r"'p1b' does not come right after 'intake'"):
        merge_steps(par(), ["intake", "p1b"], role="r1")
    # a branch step and the step after the join are in sequence, not side by side
    with pytest.raises(RedesignRefused, match=r"'after' does not come right after 'p2'"):
        merge_steps(par(), ["p2", "after"], role="r2")
