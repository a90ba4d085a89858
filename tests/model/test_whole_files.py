"""Every writer of result files goes through one rule (``sim.model.whole_files``): a write
stopped half-way leaves the earlier file of that name, or none, never a truncated one. Before,
an event log written by ``write_event_log``, optimize's ``trials.csv``/``recommendations.md``,
figures, compare's page and tables and the BPMN export were written in place."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from sim.eventlog import transform
from sim.model.whole_files import PARTIAL, write_text_whole, written_whole


class Stop(Exception):
    pass


def test_a_write_stopped_half_way_leaves_the_earlier_file_and_no_partial_folder(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("earlier\n")
    with pytest.raises(Stop), written_whole(path) as part:
        part.write_text("half of the new")
        raise Stop
    assert path.read_text() == "earlier\n"
    assert not (tmp_path / PARTIAL).exists()
    write_text_whole(path, "new\n")
    assert path.read_text() == "new\n" and not (tmp_path / PARTIAL).exists()


def test_a_gzip_file_records_its_own_name_so_two_runs_write_the_same_bytes(tmp_path):
    frame = pd.DataFrame({"case_id": ["c1"], "activity": ["a"]})
    one = transform.write_event_log(frame, tmp_path / "a" / "log.csv.gz")
    two = transform.write_event_log(frame, tmp_path / "b" / "log.csv.gz")
    assert one.read_bytes() == two.read_bytes()
    with gzip.open(one, "rt") as fh:
        assert fh.read().startswith("case_id,activity")


def test_write_event_log_stopped_half_way_leaves_no_log(tmp_path, monkeypatch):
    frame = pd.DataFrame({"case_id": ["c1", "c2"], "activity": ["a", "b"]})

    def stopped(self, *args, **kwargs):
        with open(args[0], "w") as fh:
            fh.write("case_id,activity\nc1,a\n")  # one row of two, then the stop
        raise Stop

    monkeypatch.setattr(pd.DataFrame, "to_csv", stopped)
    with pytest.raises(Stop):
        transform.write_event_log(frame, tmp_path / "log.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_figure_stopped_half_way_leaves_no_png(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from sim.report import _mpl

    def stopped(fig, target, **kw):
        target.write_bytes(b"\x89PNG half")
        raise Stop

    monkeypatch.setattr(_mpl, "_savefig", stopped)
    with pytest.raises(Stop):
        _mpl.save_figure(Figure(), tmp_path / "map.png")
    assert not (tmp_path / "map.png").exists() and not (tmp_path / PARTIAL).exists()
