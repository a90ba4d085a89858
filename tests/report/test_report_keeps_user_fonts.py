"""Importing ``sim.report`` leaves the user's font settings alone; its figures still get the
installed fallback fonts for wide (CJK) characters, after the user's own font family.

Left out in session 15: where a CJK fallback font was installed, ``import sim.report`` set
``matplotlib.rcParams["font.family"]`` for the whole process (a notebook's serif became
sans-serif). The fallbacks are now applied only while the tool draws and saves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib

from sim.model import load
from sim.report import _mpl, draw_process_map, plot_utilisation, to_png_bytes

ROOT = Path(__file__).resolve().parents[2]
CRM = ROOT / "configs/process/crm_sales.yaml"

# A fallback font counted as installed before sim.report is imported (whatever this machine
# has), so that the import would have changed rcParams under the old code.
SCRIPT = """
import matplotlib
from matplotlib import font_manager
entry = font_manager.fontManager.ttflist[0]
font_manager.fontManager.ttflist.append(
    font_manager.FontEntry(fname=entry.fname, name="Noto Sans CJK JP"))
matplotlib.rcParams["font.family"] = ["serif"]
import sim.report
from sim.report import _mpl
print(list(matplotlib.rcParams["font.family"]), list(_mpl._FALLBACKS_INSTALLED))
"""


def test_importing_the_report_keeps_the_users_font_family(tmp_path):
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("]")[0] == "['serif'"  # unchanged by the import
    assert "Noto Sans CJK JP" in done.stdout  # though the fallback was found


def _families(fig) -> set[tuple[str, ...]]:
    texts = fig.findobj(matplotlib.text.Text)
    return {tuple(t.get_fontfamily()) for t in texts if t.get_text()}


def test_figures_put_the_fallbacks_after_the_users_family(monkeypatch):
    monkeypatch.setattr(_mpl, "_FALLBACKS_INSTALLED", ("DejaVu Serif",))
    with matplotlib.rc_context({"font.family": ["monospace"]}):
        fig = draw_process_map(load(CRM))
        chart = plot_utilisation(
            {
                "roles": [
                    {
                        "role": "a",
                        "headcount": 1,
                        "utilisation": {"mean": 0.5, "ci_low": 0.4, "ci_high": 0.6},
                    }
                ]
            }
        )
        assert list(matplotlib.rcParams["font.family"]) == ["monospace"]
        assert to_png_bytes(fig)[:4] == b"\x89PNG"
    assert _families(fig) == {("monospace", "DejaVu Serif")}
    assert _families(chart) == {("monospace", "DejaVu Serif")}


def test_no_fallback_installed_leaves_the_family_as_it_is(monkeypatch):
    monkeypatch.setattr(_mpl, "_FALLBACKS_INSTALLED", ())
    with matplotlib.rc_context({"font.family": ["serif"]}):
        fig = draw_process_map(load(CRM))
    assert _families(fig) == {("serif",)}
