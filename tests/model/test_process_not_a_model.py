"""A file that is no process model, given as one, says what it is and which command takes it (QA
hydra25 F7: an event log was "expected a mapping, got str", a gzip log "not UTF-8 ... save it as
UTF-8", a Prosimos parameters JSON a list of unknown fields)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sim.errors import ModelError
from sim.model import load
from sim.model.safe_files import read_text
from tests.conftest import sim_in

PROSIMOS = {
    "resource_profiles": [],
    "arrival_time_distribution": {"distribution_name": "expon", "distribution_params": []},
    "task_resource_distribution": [],
}


def _refusal(path: Path) -> str:
    with pytest.raises(ModelError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    return message


def _says_event_log(message: str, path: Path, renamed: str | None = None) -> None:
    """``renamed``: the name calibrate needs (it knows a log by its name: QA rt_files F7)."""
    assert "this looks like an event log" in message, message
    log = path if renamed is None else path.with_name(renamed)
    if renamed is not None:
        assert f"rename it {renamed}," in message, message
    assert f"calibrate a model from it: python -m sim calibrate log={log}" in message, message
    assert "expected a mapping" not in message and "UTF-8" not in message, message


@pytest.mark.parametrize(
    "log",
    [
        "receipt/receipt.csv",
        "bpic2012_w/BPIC_2012_W.csv.gz",
        "helpdesk/helpdesk.xes.gz",
    ],
)
def test_a_shared_event_log_points_to_calibrate(shared_data, log):
    path = shared_data / log
    _says_event_log(_refusal(path), path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("log.xes", b'<?xml version="1.0"?>\n<log xes.version="1.0"></log>\n'),
        ("log.parquet", b"PAR1\x00\x00"),
        ("log.tsv", b"case\tactivity\n1\ta\n"),
    ],
)
def test_an_event_log_is_known_by_its_name(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    _says_event_log(_refusal(path), path)


def test_a_gzip_file_of_any_name_is_known_by_its_first_bytes(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_bytes(gzip.compress(b"case,activity,timestamp\n1,a,2026-01-05\n"))
    message = _refusal(path)
    _says_event_log(message, path, "model.csv.gz")
    assert "gzip-compressed CSV text" in message


def test_a_parquet_file_of_any_name_is_known_by_its_first_bytes(tmp_path):
    path = tmp_path / "model.yml"
    path.write_bytes(b"PAR1" + bytes(range(256)))
    message = _refusal(path)
    _says_event_log(message, path, "model.parquet")
    assert "a parquet file: it starts with the bytes PAR1" in message


def test_an_xes_log_named_xml_is_an_event_log_not_bpmn(tmp_path):
    path = tmp_path / "log.xml"
    path.write_text('<?xml version="1.0"?>\n<log xes.version="1.0">\n</log>\n', encoding="utf-8")
    message = _refusal(path)
    _says_event_log(message, path, "log.xes")
    assert "load_bpmn" not in message


def test_a_shared_prosimos_json_points_to_its_bpmn_model(shared_data):
    path = shared_data / "synth_loan_application" / "Loan_Application.json"
    message = _refusal(path)
    assert "this is a Prosimos parameters file" in message, message
    assert f"process={path.with_suffix('.bpmn')} process.params={path}" in message, message
    assert "unknown field" not in message


@pytest.mark.parametrize("name", ["params.json", "params.yaml"])
def test_prosimos_parameters_without_a_bpmn_beside_name_a_placeholder(tmp_path, name):
    path = tmp_path / name
    path.write_text(json.dumps(PROSIMOS), encoding="utf-8")
    message = _refusal(path)
    assert "this is a Prosimos parameters file (it has resource_profiles" in message, message
    assert f"give the BPMN model with it: process=<model>.bpmn process.params={path}" in message


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("- steps\n- roles\n", "got a list"),
        ("just some words\n", "got text ('just some words')"),
        ("", "got nothing (an empty file)"),
        ("42\n", "got a single value (42)"),
    ],
)
def test_other_non_mapping_yaml_says_a_process_model_was_expected(tmp_path, text, held):
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    message = _refusal(path)
    assert "expected a process model (a mapping with steps, roles, arrivals, ends" in message
    assert message.endswith(held), message


def test_a_gzip_parameters_file_is_not_told_to_be_saved_as_utf8(tmp_path):
    path = tmp_path / "params.json"
    path.write_bytes(gzip.compress(json.dumps(PROSIMOS).encode()))
    with pytest.raises(ModelError) as info:
        read_text(path, "parameters file")
    message = str(info.value)
    assert message.startswith(f"{path}: a gzip-compressed file"), message
    assert "not the parameters file as text; decompress it (gunzip)" in message
    assert "save it as UTF-8" not in message


def test_simulate_given_an_event_log_points_to_calibrate(tmp_path, shared_data):
    log = shared_data / "receipt" / "receipt.csv"
    res = sim_in(tmp_path, "simulate", f"process={log}", "hydra.run.dir=run")
    assert res.returncode == 2, res.stderr
    assert f"error: {log}: this looks like an event log" in res.stderr
    assert f"python -m sim calibrate log={log}" in res.stderr
