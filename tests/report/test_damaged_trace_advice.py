"""What the report advises for a trace it cannot read: more memory only when reading it ran out
of memory; a damaged trace is to be written anew (QA code review: a trace cut short, an
EOFError, was advised a rebuild "with more memory free", on the page and the console)."""

from __future__ import annotations

import re

import pytest
from report_testkit import fake_trace, write_simulate_run

from sim.cli.report import _build_and_say
from sim.model import load
from sim.report import html


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _bottlenecks(run) -> str:
    page = (run / "report.html").read_text(encoding="utf-8")
    m = re.search(r'<section id="bottlenecks">(.*?)</section>', page, flags=re.S)
    assert m, "no bottlenecks section"
    return m.group(1)


def test_a_trace_cut_short_is_advised_to_be_written_anew_not_more_memory(tmp_path, crm, capsys):
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    whole = tmp_path / "whole.csv.gz"
    fake_trace(crm).to_csv(whole, index=False)
    data = whole.read_bytes()
    (run / "trace.csv.gz").write_bytes(data[: len(data) // 2])  # cut in half
    _build_and_say(run, figures=False)
    section = _bottlenecks(run)
    err = capsys.readouterr().err
    warning = next(line for line in err.splitlines() if line.startswith("warning: trace.csv.gz"))
    for said in (section, warning):
        assert "could not be read (EOFError" in said, said
        assert "memory" not in said, said
        assert "simulate again with" in said and "output.trace=true" in said, said
    assert f"python -m sim report run={run}" in warning


class _ArrayMemoryError(MemoryError):
    """Named as numpy's: what ``read_trace_summary`` raises when an array does not fit."""


@pytest.mark.parametrize("error", [MemoryError, _ArrayMemoryError])
def test_a_trace_too_large_for_memory_is_advised_more_memory(
    tmp_path, crm, capsys, monkeypatch, error
):
    run = write_simulate_run(tmp_path / "run", crm)

    def out_of_memory(*args, **kwargs):
        raise error("Unable to allocate 512. MiB for an array with shape (67108864,)")

    monkeypatch.setattr(html, "read_trace_summary", out_of_memory)
    _build_and_say(run, figures=False)
    section = _bottlenecks(run)
    err = capsys.readouterr().err
    warning = next(line for line in err.splitlines() if line.startswith("warning: trace.csv.gz"))
    assert "Rebuild this page with more memory free" in section, section
    assert f"'python -m sim report run={run}' with more memory free rebuilds it" in warning
    for said in (section, warning):
        assert f"({error.__name__}: Unable to allocate" in said, said
        assert "output.trace=true" not in said, said
