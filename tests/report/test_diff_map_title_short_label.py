"""The diff map of a compared scenario is titled by the keys that tell it apart, not by a long
label cut at its end (QA manager15 #4: '...process.roles.clerk.calenda')."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from sim.model import load, save
from sim.report import compare_models

MMC = Path(__file__).resolve().parents[2] / "configs" / "process" / "mmc.yaml"


def _run(tmp_path: Path, name: str, servers: int) -> str:
    model = load(MMC)
    role = next(iter(model.roles))
    roles = dict(model.roles)
    roles[role] = dataclasses.replace(roles[role], headcount=servers)
    folder = tmp_path / name
    folder.mkdir()
    save(dataclasses.replace(model, roles=roles), folder / "model.yaml")
    return str(folder)


def test_the_diff_map_title_names_the_differing_key(tmp_path, monkeypatch):
    long_key = "process.roles.server.a_rather_long_setting_name_that_is_the_same=" + "x" * 40
    base_settings = {long_key: "1", "process.roles.server.headcount": "2"}
    alt_settings = {long_key: "1", "process.roles.server.headcount": "3"}

    def label(settings):
        return " ".join(f"{k}={v}" for k, v in settings.items())

    scenarios = [
        {
            "label": label(base_settings),
            "baseline": True,
            "settings": base_settings,
            "run_dir": _run(tmp_path, "base", 2),
        },
        {
            "label": label(alt_settings),
            "baseline": False,
            "settings": alt_settings,
            "run_dir": _run(tmp_path, "alt", 3),
        },
    ]
    titles = []

    def fake_draw(*args, title, **kwargs):
        titles.append(title)
        raise _Stop

    class _Stop(Exception):
        pass

    import sim.report.diff_map as diff_map

    monkeypatch.setattr(diff_map, "draw_diff_map", fake_draw)
    with pytest.raises(_Stop):
        compare_models.model_changes_section(
            pd.DataFrame(columns=["scenario", "kpi", "base", "diff", "ci_low", "ci_high"]),
            scenarios,
        )
    assert titles == [
        "process.roles.server.headcount=3: what its model changes against the baseline's"
    ]
