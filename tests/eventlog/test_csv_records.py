"""Where a CSV's records end, as the reading guard sees it, against pandas' own parser.

The guard (``sim.eventlog.csv_text._RecordBreaks``) bounds a record's bytes while the file is
read, so it must split records exactly where pandas does: a line break inside a quoted value
continues the record, any other ends it. pandas is the oracle here, on texts made of the bytes
that matter (quotes, separators, both line breaks) and cut into chunks anywhere.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.errors import EventLogError
from sim.eventlog.csv_text import MAX_RECORD_BYTES, _RecordBreaks

TEXT = st.text(alphabet='ab ,"\r\n;', min_size=1, max_size=24)


def _record_ends(data: bytes, cuts: list[int]) -> np.ndarray:
    """The guard's record-ending breaks of ``data`` fed in the pieces ``cuts`` make."""
    guard = _RecordBreaks(ord(","), lambda at, line: EventLogError(f"{at} {line}"))
    bounds = [0, *cuts, len(data)]
    return np.concatenate([guard.feed(data[a:b]) for a, b in itertools.pairwise(bounds)])


def _breaks_inside_values(data: bytes) -> int:
    """How many line breaks pandas puts inside values (None when it refuses the text)."""
    table = pd.read_csv(
        io.BytesIO(data),
        header=None,
        sep=",",
        dtype=str,
        na_filter=False,
        skip_blank_lines=False,
        names=range(len(data) + 1),  # room for every field
    )
    values = [v for v in table.to_numpy().ravel() if isinstance(v, str)]
    return sum(v.count("\n") + v.count("\r") for v in values)


@settings(max_examples=400, deadline=None)
@given(text=TEXT, data=st.data())
def test_the_guard_ends_records_where_pandas_does(text: str, data) -> None:
    raw = text.encode()
    try:
        inside = _breaks_inside_values(raw)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        assume(False)  # a quote open at the end: pandas refuses the text
    cuts = sorted(data.draw(st.sets(st.integers(1, max(len(raw) - 1, 1)), max_size=4)))
    cuts = [c for c in cuts if c < len(raw)]
    ends = _record_ends(raw, cuts)
    assert raw.count(b"\n") + raw.count(b"\r") - ends.size == inside
    assert all(raw[e] in b"\r\n" for e in ends)


@pytest.mark.parametrize("cuts", [[], [2], [3], [4], [1, 3]])
def test_a_byte_order_mark_does_not_hide_a_quoted_first_field(cuts: list[int]) -> None:
    raw = b'\xef\xbb\xbf"a\nb",c\nd,e\n'
    assert _record_ends(raw, cuts).tolist() == [len(raw) - 5, len(raw) - 1]


@pytest.mark.parametrize("cut", [0, 3, MAX_RECORD_BYTES // 2])
def test_a_record_over_the_bound_is_refused_naming_the_line_it_starts_on(cut: int) -> None:
    raw = b"h1,h2\nx,y\n" + b'1,"' + b"z\n" * (MAX_RECORD_BYTES // 2 + 1) + b'"\n'
    cuts = [10 + cut] if cut else []
    with pytest.raises(EventLogError, match=r"^10 3$"):
        _record_ends(raw, cuts)
