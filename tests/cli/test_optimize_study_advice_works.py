"""``python -m sim optimize``: the advice of a refused rerun into a run directory works when
pasted.

QA hints23 #4: a rerun into a directory whose own study.db (the default storage) holds a search
made with another sampler or other settings was told "give this search its own study, e.g.
optimizer.study_name=crm_sales_tpe"; pasted, that was refused in turn ("... holds the search of
study 'crm_sales', not 'crm_sales_tpe'; choose another hydra.run.dir"): a run directory holds one
search. The advice now names another directory, and following it runs the search there, leaving
the first search's results as they were.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim

#: an override a message suggests: a study name or run directory, maybe quoted for the shell
_SUGGESTED = re.compile(
    r"'(?:optimizer\.study_name|hydra\.run\.dir)=[^']*'"
    r"|(?<![\w.])(?:optimizer\.study_name|hydra\.run\.dir)=[^\s,;)]+"
)


def _results(run: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(run)): p.read_bytes()
        for p in run.rglob("*")
        if p.is_file() and ".hydra" not in p.parts
    }


@pytest.mark.parametrize(
    ("was", "now", "says"),
    [
        ("optimizer=random", "optimizer=tpe", "was made with RandomSampler, not TPESampler"),
        (
            "optimizer.replications=2",
            "optimizer.replications=3",
            "here optimizer.replications is 3, the study's 2",
        ),
    ],
    ids=["sampler", "replications"],
)
def test_the_printed_run_directory_is_accepted(tmp_path, was, now, says):
    first = [*quick_search_args(tmp_path, 2), "hydra.run.dir=runs/my opt"]
    done = run_sim(*first, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run = tmp_path / "runs" / "my opt"
    before = _results(run)
    assert {"trials.csv", "study.db", "run.json"} <= set(before)

    second = [now if a == was else a for a in first]
    assert second != first
    refused = run_sim(*second, cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    message = refused.stderr.strip().splitlines()[-1]
    assert says in message, message
    # every override the refusal suggests (but a sweep's, ${...}), as the shell reads it
    found = (shlex.split(m)[0] for m in _SUGGESTED.findall(message))
    suggestions = [s for s in found if "${" not in s]
    assert suggestions, message
    for pasted in suggestions:
        # pasted at the end of the refused command, as a user would
        rerun = run_sim(*second, pasted, cwd=tmp_path)
        assert rerun.returncode == 0, f"{pasted} (from: {message}): {rerun.stderr}"
    # the run directory is the one to change: another directory beside it, named
    assert f"{run / 'study.db'}" in message and suggestions[0].startswith("hydra.run.dir="), message
    elsewhere = tmp_path / suggestions[0].partition("=")[2]
    assert elsewhere.parent == run.parent and elsewhere != run
    assert (elsewhere / "trials.csv").is_file() and (elsewhere / "study.db").is_file()
    assert _results(run) == before  # the first search's results as they were
