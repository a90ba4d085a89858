"""Importing ``sim.report`` and drawing with it leaves the user's matplotlib backend alone.

QA (library use): ``import sim.report`` called ``matplotlib.use("Agg")``, switching a notebook's
backend (``MPLBACKEND=svg`` became Agg). Figures are drawn on their own Agg canvas instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import matplotlib
import sim.report
from sim.model import load
from sim.report import draw_process_map, plot_utilisation, to_png_bytes

fig = draw_process_map(load(sys.argv[1]))
png = to_png_bytes(fig)
chart = to_png_bytes(plot_utilisation({"roles": [{"role": "a", "headcount": 1,
    "utilisation": {"mean": 0.5, "ci_low": 0.4, "ci_high": 0.6}}]}))
print(matplotlib.get_backend(), png[:4] == b"\\x89PNG", chart[:4] == b"\\x89PNG",
      "matplotlib.pyplot" in sys.modules)
"""


def test_import_and_draw_keep_the_backend_the_user_chose(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}  # headless, as on a server
    env["MPLBACKEND"] = "svg"
    env["MPLCONFIGDIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "configs/process/crm_sales.yaml")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    backend, map_png, chart_png, pyplot = done.stdout.split()
    assert backend == "svg"
    assert (map_png, chart_png) == ("True", "True")
    assert pyplot == "False"  # drawn without pyplot's global state
