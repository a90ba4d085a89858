"""A refused search-space entry names the file it is in, not only its key (QA redesignops19:
``error: redesign.automate.b: ...`` left the analyst to find which space file)."""

from __future__ import annotations

from tests.optimize.conftest import TINY_SPACE, quick_search_args
from tests.simcli import run_sim


def test_a_refused_space_entry_names_its_file_and_key(tmp_path):
    space = dict(TINY_SPACE, remove=["no_such_step"])
    args = quick_search_args(tmp_path, 2, space=space)
    res = run_sim(*args, f"hydra.run.dir={tmp_path / 'run'}")
    assert res.returncode == 2, res.stderr
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: redesign={tmp_path / 'space.yaml'}: redesign.remove"), line
    assert "no_such_step" in line
