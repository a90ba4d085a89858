"""The entries of a redesign file's section in another order are the same search space.

QA rt_optim F2: swapping two staffing lines of a redesign file (no value changed) refused the
resume with "here the search space is another", naming nothing; a dump with sorted keys did the
same. The study records each variable's parameters by name: compared so, the order of the
entries makes no other search, and a study made before (its hash of the file's order) still
resumes from its unchanged file.
"""

from __future__ import annotations

import copy

import pytest

from sim.errors import ConfigError
from sim.optimize import check_study
from sim.redesign import SearchSpace
from tests.optimize.conftest import search_job
from tests.optimize.test_fingerprint_operator_params import _open, _study_as_made_before

SPACE = {
    "model": "tiny",
    "budget": 10000,
    "remove": ["review"],
    "automate": {
        "intake": {"duration": {"dist": "fixed", "value": 0.1}, "one_off_cost": 500},
        "review": {"duration": {"dist": "fixed", "value": 0.2}, "one_off_cost": 700},
    },
    "staffing": {
        "clerk": {"min": 1, "max": 2, "one_off_cost_per_hire": 100},
        "expert": {"min": 1, "max": 3, "one_off_cost_per_hire": 300},
    },
}


def _reordered(space: dict) -> dict:
    """``space`` with the entries of every section, and the sections, in reverse order."""
    out = {}
    for key in reversed(list(space)):
        value = copy.deepcopy(space[key])
        out[key] = dict(reversed(list(value.items()))) if isinstance(value, dict) else value
    return out


def _job(tiny_model, space: dict, url: str):
    return search_job(tiny_model, SearchSpace.from_dict(space, tiny_model), storage=url)


def test_a_file_with_its_entries_reordered_resumes_the_study(tmp_path, tiny_model):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    made = _job(tiny_model, SPACE, url)
    _open(made)
    swapped = _job(tiny_model, _reordered(SPACE), url)
    # the entries are in another order, so the variables are (file order), the search is not
    assert [v.name for v in swapped.space.variables] != [v.name for v in made.space.variables]
    assert check_study(swapped) == 0
    _open(swapped)  # and as the search opens it
    check_study(_job(tiny_model, copy.deepcopy(SPACE), url))  # the unchanged file still resumes


def test_a_reordered_file_with_an_edit_is_refused_naming_the_edit_only(tmp_path, tiny_model):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    _open(_job(tiny_model, SPACE, url))
    edited = _reordered(SPACE)
    edited["staffing"]["expert"]["one_off_cost_per_hire"] = 400
    with pytest.raises(ConfigError) as refused:
        check_study(_job(tiny_model, edited, url))
    said = str(refused.value)
    assert "here the search space is another (the parameters of staffing:expert differ)" in said
    assert "clerk" not in said and "automate" not in said


def test_another_seed_with_reordered_entries_names_the_seed_alone(tmp_path, tiny_model):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    _open(_job(tiny_model, SPACE, url))
    space = SearchSpace.from_dict(_reordered(SPACE), tiny_model)
    with pytest.raises(ConfigError) as refused:
        check_study(search_job(tiny_model, space, storage=url, seed=7))
    said = str(refused.value)
    assert ": here seed is 7, the study's 1;" in said
    assert "search space" not in said.split(": here ")[1]


def test_a_study_that_recorded_one_hash_says_the_order_may_be_what_differs(tmp_path, tiny_model):
    """A study made before the search space was recorded per variable hashed its variables in
    the file's order: it resumes from its unchanged file, and a reordered one is refused
    saying what that hash may stand for (it said "the search space is another" alone)."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    made = _job(tiny_model, SPACE, url)
    _study_as_made_before(url, made, [])
    with pytest.raises(ConfigError) as refused:
        check_study(_job(tiny_model, _reordered(SPACE), url))
    assert (
        "here the search space is another (the study recorded it as one hash: a variable, its "
        "domain or the budget differs, or the entries of a section are in another order)"
    ) in str(refused.value)
    check_study(_job(tiny_model, copy.deepcopy(SPACE), url))  # its own file: resumed
