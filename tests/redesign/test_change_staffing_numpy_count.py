"""``change_staffing`` takes any integer type (QA, library use: ``headcount=np.int64(2)``, from
an array of candidate headcounts, was refused as "expected an integer")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.errors import RedesignRefused
from sim.model import dumps, load
from sim.redesign.operators import change_staffing

ROOT = Path(__file__).resolve().parents[2]


def test_a_numpy_integer_headcount_is_taken_as_the_plain_one():
    model = load(ROOT / "configs/process/crm_sales.yaml")
    out = change_staffing(model, "legal", headcount=np.int64(2))
    assert out.roles["legal"].headcount == 2 and type(out.roles["legal"].headcount) is int
    assert dumps(out) == dumps(change_staffing(model, "legal", headcount=2))


@pytest.mark.parametrize("headcount", [np.float64(2.0), 2.5, True, "2"])
def test_what_is_no_count_of_people_is_still_refused(headcount):
    model = load(ROOT / "configs/process/crm_sales.yaml")
    with pytest.raises(RedesignRefused, match="headcount must be an integer >= 0"):
        change_staffing(model, "legal", headcount=headcount)
