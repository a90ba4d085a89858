"""What a run records of itself (QA determinism18).

- ``run.json``'s ``overrides`` held ``optimizer.storage=${oc.env:SIM_STORAGE_URL}`` resolved (and
  its password masked): a rerun from the record could not open the study. They are kept as
  typed, as ``.hydra/overrides.yaml`` and ``argv`` keep them.
- report.html's "page built" time was local time without a zone, beside a start time in UTC.
- ``versions`` left out the packages that write the run's files (pyarrow, PyYAML, omegaconf...),
  its storage's SQLAlchemy, the joblib launcher and zlib, whose version the gzip bytes depend on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import zlib
from importlib import metadata

import pytest
import yaml

from sim.cli import common
from sim.report.html import html_page
from tests.optimize.conftest import quick_search_args
from tests.simcli import QUICK_SIMULATE, run_sim

TYPED_STORAGE = "optimizer.storage=${oc.env:R18_STORAGE_URL}"


def test_run_json_keeps_an_env_interpolated_storage_as_typed_and_a_rerun_from_it_works(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    env = {**os.environ, "R18_STORAGE_URL": url}
    args = quick_search_args(tmp_path, 2)
    first = tmp_path / "first"
    done = run_sim(
        *args, TYPED_STORAGE, "optimizer.study_name=r18", f"hydra.run.dir={first}", env=env
    )
    assert done.returncode == 0, done.stderr
    record = json.loads((first / "run.json").read_text(encoding="utf-8"))
    typed = yaml.safe_load((first / ".hydra" / "overrides.yaml").read_text(encoding="utf-8"))
    # as typed (sim.cli.main quotes it for Hydra's grammar), not the URL it resolved to
    storage = [o for o in record["overrides"] if o.startswith("optimizer.storage=")]
    assert storage in (
        [TYPED_STORAGE],
        [TYPED_STORAGE.replace("=", "='", 1) + "'"],
    ), storage
    assert record["overrides"] == typed  # as Hydra saved them, nothing resolved
    assert not [o for o in record["overrides"] if str(tmp_path / "study.db") in o]
    # a rerun from the record alone (its command and overrides) reopens the same study
    again = tmp_path / "again"
    rerun = run_sim(record["command"], *record["overrides"], f"hydra.run.dir={again}", env=env)
    assert rerun.returncode == 0, rerun.stderr
    config = yaml.safe_load((again / "config.yaml").read_text(encoding="utf-8"))
    assert config["optimizer"]["storage"] == url
    assert json.loads((again / "run.json").read_text(encoding="utf-8"))["study_trials_before"] == 2


def test_a_sweep_job_records_its_interpolated_override_as_hydra_saved_it(tmp_path):
    """A guard: a sweep's jobs had their overrides right already (Hydra escapes them)."""
    sweep = tmp_path / "s"
    done = run_sim(
        "simulate",
        "--multirun",
        "process=mmc",
        *QUICK_SIMULATE,
        "scenario.replications=2",
        "seed=${scenario.replications}",
        "scenario.staffing.server=2,3",
        f"hydra.sweep.dir={sweep}",
    )
    assert done.returncode == 0, done.stderr
    for job in ("0", "1"):
        record = json.loads((sweep / job / "run.json").read_text(encoding="utf-8"))
        hydra_saved = (sweep / job / ".hydra" / "overrides.yaml").read_text(encoding="utf-8")
        # Hydra's sweeper escapes the interpolation (seed=$\\{scenario.replications\\}): kept
        assert record["overrides"] == yaml.safe_load(hydra_saved)
        assert any(
            o.endswith(f"scenario.staffing.server={2 + int(job)}") for o in record["overrides"]
        )
        assert record["seed"] == 2  # the value it ran with is recorded beside


@pytest.fixture
def new_york_time():
    """The process's local time zone set to New York for the test (``TZ``), restored after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_page_built_time_is_utc_with_its_offset(new_york_time):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    page = html_page("Report", "page built {stamp} by sim.report", [])
    after = dt.datetime.now(dt.UTC)
    shown = page.split("page built ", 1)[1].split(" by sim.report", 1)[0]
    built = dt.datetime.fromisoformat(shown)
    assert built.utcoffset() == dt.timedelta(0), f"no UTC offset in {shown!r}"
    assert before <= built <= after


def test_versions_name_the_packages_that_write_the_files_and_zlib():
    versions = common.package_versions()
    for name in ("pyarrow", "PyYAML", "omegaconf", "defusedxml", "SQLAlchemy", "joblib"):
        assert versions[name] == metadata.version(name)
    assert "hydra-joblib-launcher" in versions
    assert versions["zlib"] == zlib.ZLIB_RUNTIME_VERSION


def test_versions_of_packages_not_installed_are_null(monkeypatch):
    real = metadata.version

    def without_launcher_and_optuna(name: str) -> str:
        if name in ("hydra-joblib-launcher", "optuna"):
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", without_launcher_and_optuna)
    versions = common.package_versions()
    assert versions["hydra-joblib-launcher"] is None
    assert versions["optuna"] is None  # one spelling for both kinds, not "not installed"
    assert versions["pyarrow"] == real("pyarrow")
