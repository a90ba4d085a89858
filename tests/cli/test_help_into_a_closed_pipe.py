"""``python -m sim --help | head -1``: the reader stops after one line and the rest of the usage
meets a closed pipe; the command ends quietly, not with a BrokenPipeError traceback (QA
retest20 #6: 2 to 4 tries in 6)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def test_help_into_a_reader_that_stops_ends_without_a_traceback():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "--help"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        proc.stdout.readline()
        proc.stdout.close()  # as head -1 does
        err = proc.stderr.read().decode()
        proc.stderr.close()
        proc.wait(timeout=60)
        assert "Traceback" not in err and "Exception ignored" not in err, err
