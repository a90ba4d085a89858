"""Rebuild the example images of the README (run from the repository root).

    python docs/images/make_examples.py [--shared ../shared/data]

It simulates the bundled CRM model and one redesign of it with the same random numbers (seed 0,
10 replications of 28 days after 7 of warm-up: ``SEED`` and ``SCENARIO`` below; this script may
simulate, ``sim.report`` never does), then draws with ``sim.report``:

* ``process_map_crm.png``: the CRM map as ``report.html`` draws it: coloured by waiting share of
  cycle time, the bottleneck the KPI report names with a heavy border and the steps tied with it
  dashed;
* ``diff_map_crm.png``: what a redesign changes, coloured where waiting changes significantly;
* ``step_times_crm.png``: waiting and processing per step with 95 % confidence intervals;
* ``process_map_procure_to_pay.png``: the Prosimos procure-to-pay model (24 activities, loops),
  imported from ``../shared/data`` when it is there;
* ``report_crm.png``: the top of the HTML report, rendered by headless Chromium when available.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.model import ProcessModel

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
#: the random numbers of every simulation here (the CLI's default seed)
SEED = 0
#: horizon, warm-up (days) and replications of every simulation here
SCENARIO = {"horizon_days": 28, "warmup_days": 7, "replications": 10}


def crm_process_map(model: ProcessModel, report: Mapping[str, Any]) -> Figure:
    """The map of ``model`` as ``report.html`` draws it from the KPI ``report``: steps coloured
    by waiting share, the bottleneck the report names (not the darkest step) with a heavy border
    and the steps statistically tied with it dashed (``sim.report.html._map_section``)."""
    from sim.report import draw_process_map, waiting_share_kpi
    from sim.report.charts import bottleneck_step, bottleneck_tied_with

    bottleneck = bottleneck_step(report)
    return draw_process_map(
        model,
        kpi=waiting_share_kpi(report) or None,
        bottleneck=bottleneck,
        mark_bottleneck=bottleneck is not None,
        tied_with=bottleneck_tied_with(report) if bottleneck else [],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    from sim.engine import run_replications
    from sim.kpis import kpi_report, kpi_table, paired_comparison
    from sim.model import load, save
    from sim.model.scenario import Scenario
    from sim.redesign import operators as op
    from sim.report import (
        build_report,
        draw_diff_map,
        draw_process_map,
        plot_step_times,
        save_figure,
    )

    model = load(ROOT / "configs" / "process" / "crm_sales.yaml")
    scenario = Scenario(**SCENARIO)
    base_table = kpi_table(run_replications(model, scenario, seed=SEED), model)
    report = kpi_report(base_table, model)
    save_figure(crm_process_map(model, report), HERE / "process_map_crm.png", dpi=72)
    save_figure(plot_step_times(report), HERE / "step_times_crm.png", dpi=80)

    redesign = op.remove_step(model, "contract_review", one_off_cost=1000)
    redesign = op.automate_step(
        redesign, "quote_preparation", duration={"dist": "fixed", "value": 0.1}, one_off_cost=25000
    )
    # one account exec more than the model's 8 (the same headcount would be no change)
    redesign = op.change_staffing(redesign, "account_exec", headcount=9)
    alt_table = kpi_table(run_replications(redesign, scenario, seed=SEED), redesign)
    diffs = paired_comparison(base_table, alt_table)
    save_figure(
        draw_diff_map(model, redesign, waiting_diff=diffs), HERE / "diff_map_crm.png", dpi=72
    )

    p2p = args.shared / "synth_procure_to_pay" / "Procure_to_Pay.bpmn"
    if p2p.is_file():
        from sim.model.interchange import load_bpmn

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            big = load_bpmn(p2p)
        save_figure(draw_process_map(big), HERE / "process_map_procure_to_pay.png", dpi=60)

    browser = next(
        (
            shutil.which(b)
            for b in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(b)
        ),
        None,
    )
    if browser:
        import json

        with tempfile.TemporaryDirectory() as tmp:
            run = Path(tmp) / "run"
            run.mkdir()
            base_table.to_csv(run / "replications.csv", index=False)
            (run / "kpis.json").write_text(json.dumps(report, default=float))
            save(model, run / "model.yaml")
            page = build_report(run)
            shot = Path(tmp) / "shot.png"
            subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--hide-scrollbars", f"--screenshot={shot}",
                 "--window-size=1366,1500", page.as_uri()],
                capture_output=True, timeout=120, check=False,
            )  # fmt: skip
            from PIL import Image

            Image.open(shot).convert("RGB").resize((1024, 1124)).save(
                HERE / "report_crm.png", optimize=True
            )
    for p in sorted(HERE.glob("*.png")):
        print(f"{p.name}: {p.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
