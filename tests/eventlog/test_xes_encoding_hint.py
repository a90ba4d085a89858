"""An XES file whose bytes are not in the encoding its XML declaration names (Latin-1 bytes
declared UTF-8: a broken export) was refused as "malformed XML (invalid token)" with no word of
the encoding, while a CSV with the same problem gets the line, the bytes and an encoding hint
(QA xes17 #6). The message now names the line, the bytes and the declared encoding."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sim.errors import EventLogError
from sim.eventlog import read_event_log, xes

DECLARED_UTF8 = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _body(activity: str, traces: int = 3) -> str:
    """A small log, one trace a line (line 2 onwards), whose first activity is ``activity``."""
    lines = ['<log xes.version="1.0">']
    for i in range(traces):
        lines.append(
            f'<trace><string key="concept:name" value="c{i}"/>'
            f'<event><string key="concept:name" value="{activity}"/>'
            f'<date key="time:timestamp" value="2024-04-0{i + 1}T09:00:00+02:00"/></event>'
            f'<event><string key="concept:name" value="Freigabe"/>'
            f'<date key="time:timestamp" value="2024-04-0{i + 1}T10:00:00+02:00"/></event></trace>'
        )
    return "\n".join(lines) + "\n</log>\n"


def _refusal(path: Path) -> str:
    with pytest.raises(EventLogError) as err:
        read_event_log(path)
    return str(err.value)


def test_latin1_bytes_declared_utf8_get_an_encoding_hint(tmp_path: Path) -> None:
    path = tmp_path / "badenc.xes"
    path.write_bytes((DECLARED_UTF8 + _body("Prüfung")).encode("latin-1"))
    message = _refusal(path)
    assert "malformed XML at line 3" in message  # the first trace is on line 3
    assert "line 3 holds byte(s) 0xfc ('ü' in Windows-1252/Latin-1?)" in message
    assert "not UTF-8, the encoding its XML declaration names" in message
    assert "may not be in its declared encoding" in message
    assert "encoding=" not in message  # the console would read it as columns.encoding=, a CSV's


def test_a_file_without_a_declaration_is_checked_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "nodecl.xes.gz"
    path.write_bytes(gzip.compress(_body("Prüfung").encode("cp1252")))
    message = _refusal(path)
    assert "line 2 holds byte(s) 0xfc" in message
    assert "UTF-8, the encoding of an XML file whose declaration names none" in message


def test_the_line_is_found_far_into_the_file(tmp_path: Path) -> None:
    """Lines of correct UTF-8 before the bad one, a two-byte character split between two of the
    blocks the file is decoded in: the line is counted in bytes, whatever the blocks."""
    block = xes._ENCODING_SCAN_BYTES  # the reader decodes the file in blocks of this size
    head = DECLARED_UTF8 + "<!-- "
    head += " " * (len(head.encode()) % 2 == 0)  # each 'ü' from an odd byte: one spans two blocks
    good = head + "ü" * block + " -->\n" + "\n".join(f"<!-- Prüfung {i} -->" for i in range(4_000))
    data = (good + "\n" + _body("Prüfung")).encode("utf-8")
    path = tmp_path / "late.xes"
    path.write_bytes(data.replace(b'value="Pr\xc3\xbcfung"', b'value="Pr\xfcfung"'))
    assert data[block - 1 : block + 1] == "ü".encode()
    message = _refusal(path)
    line = 1 + 1 + 4_000 + 1 + 1  # declaration, long comment, comments, <log>: the first trace
    assert f"malformed XML at line {line}," in message
    assert f"line {line} holds byte(s) 0xfc" in message


def test_a_declared_single_byte_encoding_is_named(tmp_path: Path) -> None:
    path = tmp_path / "ascii.xes"
    path.write_bytes(('<?xml version="1.0" encoding="US-ASCII"?>\n' + _body("Prüfung")).encode())
    message = _refusal(path)
    assert "line 3 holds byte(s) 0xc3" in message
    assert "not US-ASCII, the encoding its XML declaration names" in message


def test_malformed_xml_in_its_declared_encoding_gets_no_encoding_hint(tmp_path: Path) -> None:
    path = tmp_path / "broken.xes"
    path.write_bytes((DECLARED_UTF8 + _body("Prüfung").replace("<event>", "<event <", 1)).encode())
    message = _refusal(path)
    assert "malformed XML at line 3" in message
    assert "encoding" not in message


def test_a_correctly_declared_latin1_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "latin1.xes"
    head = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    path.write_bytes((head + _body("Prüfung")).encode("latin-1"))
    assert set(read_event_log(path).events["activity"]) == {"Prüfung", "Freigabe"}
