"""``output.overwrite=true`` all or none under a stop, and odd files in the run directory (QA
rt28_files F2, F3, F4, F6 and the "kept ... (report)" line).

F3: a Ctrl-C or SIGTERM right after some of the earlier run's files had been moved into the
hidden ``.overwrite-*`` folder deleted them for good (the folder was removed while the stop was
raised; only an ``OSError`` put them back); a SIGKILL left them there as ``0``, ``1``, ``2``, their
names lost, and every later run kept the folder as "other file". F2, F4: a file named ``.partial``
(or ``report``, rerun with figures) was not refused before the earlier run was removed. F6: a
folder ``main.log`` or a file ``.hydra`` ended the run in Hydra's traceback. The stops are
simulated by raising from a patched ``os.replace`` after its n-th move; no signal is sent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sim.cli.main import RunTerminated
from sim.cli.overwrite import MOVED_ASIDE, clear_earlier_run
from sim.errors import ConfigError
from tests.cli.test_overwrite_all_or_none import _files
from tests.simcli import QUICK_SIMULATE, run_sim


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished simulate run, copied by each test (``run``) rather than run again."""
    run = tmp_path_factory.mktemp("earlier") / "run"
    done = run_sim("simulate", *QUICK_SIMULATE, f"hydra.run.dir={run}")
    assert done.returncode == 0, done.stderr
    return run


@pytest.fixture
def run(earlier_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(earlier_run, copy, symlinks=True)
    return copy


def _rerun(run: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_sim("simulate", *QUICK_SIMULATE, f"hydra.run.dir={run}", *extra)


def _stop_after(monkeypatch, n: int, stop: type[BaseException], on_stop=None) -> None:
    """``os.replace`` that raises ``stop`` right after its ``n``-th move into the hidden folder,
    as a signal arriving then does (``on_stop`` first: what a SIGKILL at that moment leaves)."""
    real, moves = os.replace, []

    def replace(src, dst, *args, **kwargs):
        real(src, dst, *args, **kwargs)
        if MOVED_ASIDE in str(dst):
            moves.append(dst)
            if len(moves) == n:
                if on_stop is not None:
                    on_stop()
                raise stop()

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RunTerminated])
def test_a_stop_mid_overwrite_puts_every_moved_file_back(run, monkeypatch, stop, capsys):
    before = _files(run)
    _stop_after(monkeypatch, 3, stop)
    with pytest.raises(stop):
        clear_earlier_run(run)
    assert _files(run) == before  # config.yaml, kpis.json, ... back, bytes unchanged
    assert not [p for p in run.iterdir() if p.name.startswith(MOVED_ASIDE)]
    assert "the 3 file(s) it had moved were put back" in capsys.readouterr().err


def test_a_killed_overwrite_leaves_the_files_named_and_later_runs_say_what_they_are(
    run, tmp_path, monkeypatch
):
    before = _files(run)
    killed = tmp_path / "killed"  # the run directory as a SIGKILL after the 3rd move leaves it
    _stop_after(
        monkeypatch, 3, KeyboardInterrupt, lambda: shutil.copytree(run, killed, symlinks=True)
    )
    with pytest.raises(KeyboardInterrupt):
        clear_earlier_run(run)
    monkeypatch.undo()
    [aside] = [p for p in killed.iterdir() if p.name.startswith(MOVED_ASIDE)]
    moved = {p.relative_to(aside).as_posix() for p in aside.rglob("*") if p.is_file()}
    assert len(moved) == 3 and moved <= set(before), moved  # their own names, not 0, 1, 2
    kept = _files(killed)
    for extra in ((), ("output.overwrite=true",)):
        again = _rerun(killed, *extra)
        assert again.returncode == 2, again.stderr
        assert "Traceback" not in again.stderr, again.stderr
        assert f"holds {aside.name}/, the earlier run's results that an output." in again.stderr
        assert f"cp -a {aside}/. {killed}/ && rm -r {aside}" in again.stderr, again.stderr
        assert _files(killed) == kept  # nothing removed, the hidden folder neither
    with pytest.raises(ConfigError, match=r"moved aside to remove them"):
        clear_earlier_run(killed)
    subprocess.run(["cp", "-a", f"{aside}/.", f"{killed}/"], check=True)  # the advised command
    shutil.rmtree(aside)
    restored = _files(killed)
    assert {k: v for k, v in restored.items() if k in before} == before


def test_a_file_named_partial_is_refused_before_anything_is_removed(run):
    (run / ".partial").write_text("mine", encoding="utf-8")
    before = _files(run)
    again = _rerun(run, "output.overwrite=true")
    assert again.returncode == 2, again.stderr
    assert "Traceback" not in again.stderr and "removed" not in again.stdout, again.stderr
    assert f"{run}: holds a file named .partial, where this simulate run writes a folder" in (
        again.stderr
    )
    assert _files(run) == before


def test_a_file_named_report_is_refused_when_the_rerun_writes_figures(run):
    (run / "report").write_text("mine", encoding="utf-8")
    before = _files(run)
    figures = {"output": {"report": True, "figures": True}}
    with pytest.raises(ConfigError, match=r"holds a file named report, where this simulate run"):
        clear_earlier_run(run, figures, command="simulate")
    assert _files(run) == before
    no_figures = {"output": {"report": True, "figures": False}}
    assert clear_earlier_run(run, no_figures, command="simulate") >= 4  # kept: not written over
    assert (run / "report").read_text(encoding="utf-8") == "mine"


def test_kept_files_are_named_by_their_path_not_their_folder(run, capsys):
    (run / "report").mkdir()
    (run / "report" / "99_mine.png").write_bytes(b"png")
    clear_earlier_run(run)
    assert "kept 1 other file(s) (report/99_mine.png)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "folder", "said"),
    [
        ("main.log", True, "holds a folder named main.log"),
        (".hydra", False, "holds a file named .hydra"),
    ],
)
def test_hydra_s_names_of_another_kind_are_refused_in_one_line(tmp_path, name, folder, said):
    run = tmp_path / "run"
    run.mkdir()
    if folder:
        (run / name).mkdir()
    else:
        (run / name).write_text("mine", encoding="utf-8")
    done = _rerun(run)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert f"hydra.run.dir={run}: {said}" in done.stderr, done.stderr
    assert sorted(p.name for p in run.iterdir()) == [name]  # nothing written beside it


def test_a_leftover_folder_of_numbered_files_is_not_offered_back_under_those_numbers(run):
    aside = run / f"{MOVED_ASIDE}abc"  # as the version before names were kept left it
    aside.mkdir()
    for n in "012":
        (aside / n).write_text(n, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"3 file\(s\) \(0, 1, 2\), named by number") as info:
        clear_earlier_run(run)
    assert "cp -a" not in str(info.value) and f"rm -r {aside}" in str(info.value)
    assert sorted(p.name for p in aside.iterdir()) == ["0", "1", "2"]


def test_an_empty_folder_of_a_run_killed_before_any_move_is_no_refusal(tmp_path):
    """A process killed between creating the hidden folder and its first move leaves it empty:
    nothing of the earlier run is in it, so it is removed, not a reason to refuse the folder."""
    from sim.cli.overwrite import MOVED_ASIDE, moved_aside_refusal

    empty = tmp_path / f"{MOVED_ASIDE}abc123"
    (empty / "report").mkdir(parents=True)
    assert moved_aside_refusal(tmp_path) is None
    assert not empty.exists()
    held = tmp_path / f"{MOVED_ASIDE}def456"
    held.mkdir()
    (held / "kpis.json").write_text("{}", encoding="utf-8")
    assert "kpis.json" in moved_aside_refusal(tmp_path)
