"""The command ``process=`` suggests for a file that is no process model works when followed (QA
rt_files F7, F9, F10).

An event log whose name does not say so (``loan.gz``, no suffix, an XES log named ``.xml``) was
sent to ``calibrate log=<same path>``, which reads a log by its name and refused it as "unknown
file type"; the advice is now to rename it, and the renamed file is read. The commands are
shell-quoted (a path with a space pasted as two words failed); a gzipped Prosimos JSON is not
called an event log; a CSV log named ``.txt`` is known; ``LOAN.BPMN`` with ``LOAN.JSON`` beside it
names that file.
"""

from __future__ import annotations

import gzip
import io
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import EventLogError, ModelError
from sim.eventlog.read import read_event_log
from sim.model import load
from sim.model.interchange import load_bpmn

pytestmark = pytest.mark.filterwarnings("ignore::sim.model.interchange.BpmnImportWarning")

CSV = "case_id,activity,start_time,end_time,resource\n" + "".join(
    f"c{i},A,2026-01-05 09:{i:02d}:00,2026-01-05 09:{i + 5:02d}:00,ann\n"
    f"c{i},B,2026-01-05 10:{i:02d}:00,2026-01-05 10:{i + 5:02d}:00,bob\n"
    for i in range(5)
)
XES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
    + "".join(
        f'<trace><string key="concept:name" value="c{i}"/>'
        f'<event><string key="concept:name" value="A"/>'
        f'<date key="time:timestamp" value="2026-01-05T09:{i:02d}:00+00:00"/></event>'
        f'<event><string key="concept:name" value="B"/>'
        f'<date key="time:timestamp" value="2026-01-05T10:{i:02d}:00+00:00"/></event></trace>\n'
        for i in range(5)
    )
    + "</log>\n"
)


def _parquet() -> bytes:
    out = io.BytesIO()
    pd.read_csv(io.StringIO(CSV)).to_parquet(out)
    return out.getvalue()


def _refusal(path: Path) -> str:
    with pytest.raises(ModelError) as info:
        load(path)
    return str(info.value)


def _calibrate_args(message: str) -> list[str]:
    """The arguments of the ``python -m sim calibrate`` command ending ``message``, as a shell
    splits it when pasted."""
    found = re.search(r"python -m sim calibrate (.+)$", message)
    assert found, message
    return shlex.split(found[1])


@pytest.mark.parametrize(
    ("name", "content", "renamed"),
    [
        ("loan.gz", gzip.compress(CSV.encode()), "loan.csv.gz"),
        ("loan", gzip.compress(CSV.encode()), "loan.csv.gz"),
        ("help.gz", gzip.compress(XES.encode()), "help.xes.gz"),
        ("rparq", _parquet(), "rparq.parquet"),
        ("help.xml", XES.encode(), "help.xes"),
        ("help.yaml", XES.encode(), "help.xes"),
        ("help", XES.encode(), "help.xes"),
        ("receipt.txt", CSV.encode(), "receipt.csv"),
        ("receipt.yml", CSV.encode(), "receipt.csv"),
        ("receipt", CSV.encode(), "receipt.csv"),
    ],
)
def test_a_log_without_a_log_name_is_to_be_renamed_and_the_renamed_file_is_read(
    tmp_path, name, content, renamed
):
    path = tmp_path / name
    path.write_bytes(content)
    message = _refusal(path)
    assert "this looks like an event log" in message, message
    assert f"rename it {renamed}" in message, message
    (arg,) = _calibrate_args(message)
    new = Path(arg.removeprefix("log="))
    assert new == tmp_path / renamed
    with pytest.raises(EventLogError, match="unknown file type"):
        read_event_log(path)  # as calibrate reads it: by its name
    path.rename(new)
    assert read_event_log(new).events["case_id"].nunique() == 5


def test_calibrate_on_such_a_log_says_the_name_to_give_it(tmp_path):
    path = tmp_path / "loan.gz"
    path.write_bytes(gzip.compress(CSV.encode()))
    with pytest.raises(EventLogError, match=r"unknown file type.*rename it loan\.csv\.gz"):
        read_event_log(path)


def test_a_log_named_as_one_keeps_its_name(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(CSV, encoding="utf-8")
    message = _refusal(path)
    assert "rename" not in message
    assert _calibrate_args(message) == [f"log={path}"]


@pytest.mark.parametrize("name", ["my log.csv", "my log.gz", "it's.xml"])
def test_the_calibrate_command_is_shell_quoted(tmp_path, name):
    folder = tmp_path / "P sp"
    folder.mkdir()
    path = folder / name
    path.write_bytes(gzip.compress(CSV.encode()) if name.endswith(".gz") else CSV.encode())
    if name.endswith(".xml"):
        path.write_text(XES, encoding="utf-8")
    (arg,) = _calibrate_args(_refusal(path))
    assert arg.startswith(f"log={folder}/")


def test_the_prosimos_advice_is_shell_quoted(shared_data, tmp_path):
    folder = tmp_path / "P sp"
    folder.mkdir()
    params = folder / "my params.json"
    shutil.copy(shared_data / "synth_loan_application" / "Loan_Application.json", params)
    bpmn = folder / "my params.bpmn"
    shutil.copy(shared_data / "synth_loan_application" / "Loan_Application.bpmn", bpmn)
    message = _refusal(params)
    found = re.search(r"give the BPMN model with it: (.+)$", message)
    assert found, message
    args = dict(a.split("=", 1) for a in shlex.split(found[1]))
    assert args == {"process": str(bpmn), "process.params": str(params)}
    assert load_bpmn(Path(args["process"]), params_path=Path(args["process.params"])).roles


def test_a_gzipped_prosimos_json_is_not_called_an_event_log(shared_data, tmp_path):
    path = tmp_path / "params.json.gz"
    source = shared_data / "synth_loan_application" / "Loan_Application.json"
    path.write_bytes(gzip.compress(source.read_bytes()))
    message = _refusal(path)
    assert "event log" not in message and "calibrate" not in message, message
    assert "gzip-compressed" in message and "decompress it" in message, message


def test_uppercase_parameters_beside_an_uppercase_bpmn_are_named(shared_data, tmp_path):
    source = shared_data / "synth_loan_application" / "Loan_Application"
    bpmn = tmp_path / "LOAN.BPMN"
    shutil.copy(source.with_suffix(".bpmn"), bpmn)
    shutil.copy(source.with_suffix(".json"), tmp_path / "LOAN.JSON")
    with pytest.raises(ModelError) as info:
        load_bpmn(bpmn)
    message = str(info.value)
    found = re.search(r"LOAN\.JSON is there: give it, (.+), or rename it LOAN\.json", message)
    assert found, message
    (arg,) = shlex.split(found[1])
    assert load_bpmn(bpmn, params_path=Path(arg.removeprefix("process.params="))).roles
