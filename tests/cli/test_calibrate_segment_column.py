"""``columns.segment`` maps a log's column of case segments, and ``calibration.segment_priority``
is checked against the segments the log has (``sim.calibrate.segments``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.test_calibrate_config import calibrate_only


def channel_log(path: Path) -> Path:
    """60 cases a -> b; every third case of channel 'web', whose steps take 1.5x as long."""
    lines = ["case_id,activity,start_time,end_time,resource,channel"]
    for i in range(60):
        day, h = f"2020-01-{1 + i // 4:02d}", 9 + 2 * (i % 4)
        web = i % 3 == 0
        lines += [
            f"{i},a,{day} {h}:00,{day} {h}:{20 if web else 10},r1,{'web' if web else 'shop'}",
            f"{i},b,{day} {h}:30,{day} {h + 1}:{10 if web else 0},r2,{'web' if web else 'shop'}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_columns_segment_reads_the_segments(tmp_path):
    log = channel_log(tmp_path / "log.csv")
    res = calibrate_only(log, tmp_path / "run", "columns.segment=channel")
    assert res.returncode == 0, res.stderr
    assert "case segments from the log's segment column: 'shop' 67% (40 cases), 'web'" in res.stdout
    model = yaml.safe_load((tmp_path / "run" / "model.yaml").read_text())
    segs = model["arrivals"]["segments"]
    assert set(segs) == {"shop", "web"}
    assert abs(segs["web"]["share"] - 1 / 3) < 1e-5
    assert abs(segs["web"]["duration_scale"] - 1.5) < 0.01  # (20 + 45) / (10 + 30) min


def test_a_segment_priority_the_log_has_not_names_its_key(tmp_path):
    log = channel_log(tmp_path / "log.csv")
    run = tmp_path / "run"
    res = calibrate_only(log, run, "columns.segment=channel", "calibration.segment_priority=[vip]")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "calibration.segment_priority=['vip']: expected distinct segments" in res.stderr
    assert "its segments are ['shop', 'web']" in res.stderr


def test_segment_priority_names_outside_ascii_are_read_as_typed(tmp_path):
    """QA2: 'calibration.segment_priority=[Öffentlich]' failed in Hydra's grammar."""
    log = channel_log(tmp_path / "log.csv")
    log.write_text(log.read_text().replace(",web\n", ",Öffentlich\n"))
    res = calibrate_only(
        log,
        tmp_path / "run",
        "columns.segment=channel",
        "calibration.segment_priority=[Öffentlich]",
    )
    assert res.returncode == 0, res.stderr
    segs = yaml.safe_load((tmp_path / "run" / "model.yaml").read_text())["arrivals"]["segments"]
    assert segs["Öffentlich"]["priority"] < segs["shop"]["priority"]
