"""``output.overwrite=true`` removes the earlier run's results all or none (QA rt27_files F4).

A result file that could not be removed (immutable, its folder not writable to the user) ended
the run in a ``PermissionError`` traceback after three of the earlier run's files had gone, its
run.json still saying finished; a user's folder named ``kpis.json`` was "kept", the earlier run
removed, and the run ended in an ``IsADirectoryError`` traceback. An unreadable run.json was
not said to be the reason a run's own files were taken for a user's (F8).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.cli.common import HYDRA_OWN
from sim.cli.overwrite import clear_earlier_run
from sim.errors import ConfigError
from tests.simcli import QUICK_SIMULATE, run_sim


def _files(run: Path) -> dict[str, bytes]:
    return {
        p.relative_to(run).as_posix(): p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()
    }


@pytest.fixture
def finished_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    done = run_sim("simulate", *QUICK_SIMULATE, f"hydra.run.dir={run}")
    assert done.returncode == 0, done.stderr
    return run


def test_a_result_that_cannot_be_removed_leaves_the_earlier_run_whole(finished_run, monkeypatch):
    before = _files(finished_run)
    stuck = finished_run / "model.yaml"
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(src) == stuck:  # as chattr +i or a folder the user may not write does
            raise PermissionError(1, "Operation not permitted", str(src))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ConfigError) as info:
        clear_earlier_run(finished_run)
    message = str(info.value)
    assert f"could not remove {stuck}: Operation not permitted" in message, message
    assert "nothing of the earlier run" in message, message
    assert _files(finished_run) == before  # every file back, bytes unchanged
    assert not [p for p in finished_run.iterdir() if p.name.startswith(".overwrite-")]


def test_the_earlier_run_goes_whole_when_every_file_can_be_removed(finished_run):
    (finished_run / "notes.txt").write_text("mine", encoding="utf-8")
    n = clear_earlier_run(finished_run)
    left = sorted(p.name for p in finished_run.iterdir())
    assert n >= 4 and "kpis.json" not in left and "run.json" not in left, left
    assert [n for n in left if n not in HYDRA_OWN] == ["notes.txt"], left


def test_a_folder_named_like_a_result_is_refused_before_anything_is_removed(finished_run):
    (finished_run / "kpis.json").unlink()
    (finished_run / "kpis.json").mkdir()
    (finished_run / "kpis.json" / "mine.txt").write_text("x", encoding="utf-8")
    before = _files(finished_run)
    again = run_sim(
        "simulate", *QUICK_SIMULATE, f"hydra.run.dir={finished_run}", "output.overwrite=true"
    )
    assert again.returncode == 2, again.stderr
    assert "Traceback" not in again.stderr, again.stderr
    assert "holds the folder(s) kpis.json/, where this simulate run writes a file" in again.stderr
    assert _files(finished_run) == before


def test_an_unreadable_run_record_is_named_as_the_reason(finished_run):
    (finished_run / "run.json").write_text("{garbage", encoding="utf-8")
    again = run_sim(
        "simulate", *QUICK_SIMULATE, f"hydra.run.dir={finished_run}", "output.overwrite=true"
    )
    assert again.returncode == 2, again.stderr
    assert "its run.json cannot be read as a run record" in again.stderr, again.stderr
