"""The command line refuses what used to run away or leak (QA 2026-12-05 hardening): a
headcount override far beyond any team (#1), a storage URL whose password holds ``${...}``,
which the config reads as an interpolation and OmegaConf quoted (#3)."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.cli.common import config_error_text
from sim.errors import ConfigError, redact_secrets_of
from sim.optimize.study import open_storage
from tests.simcli import run_sim

MODEL = """
name: mmc
start: service
arrivals:
  interarrival: {dist: exponential, mean: 1.0}
roles:
  server: {headcount: 2}
steps:
  service: {role: server, duration: {dist: exponential, mean: 1.6}, next: done}
ends:
  done: {success: true}
"""

URL = "postgresql+pg8000://alice:Pw${Secret3}@127.0.0.1:55432/optdb"


# ------------------------------------------------------------------------- #1 headcount
def test_a_staffing_override_beyond_any_team_is_refused_naming_its_key(tmp_path):
    model = tmp_path / "mmc.yaml"
    model.write_text(MODEL, encoding="utf-8")
    run = tmp_path / "run"
    res = run_sim(
        f"process={model}",
        "scenario.staffing.server=200000",
        "scenario.replications=1",
        "scenario.horizon_days=1",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith(
        "error: scenario.staffing.server: at most 100,000 people, got 200,000;"
    )
    assert "Traceback" not in res.stderr
    assert not (run / "kpis.json").exists()


# ---------------------------------------------------------------- #3 '${' in a password
def _resolution_error(cfg) -> OmegaConfBaseException:
    """The error OmegaConf raises resolving the optimizer section, as ``optimize`` does."""
    with pytest.raises(OmegaConfBaseException) as caught:
        OmegaConf.to_container(cfg.optimizer, resolve=True)
    return caught.value


def test_an_interpolation_in_a_storage_password_is_masked_and_explained():
    cfg = OmegaConf.create({"optimizer": {"storage": URL, "n_trials": 3}})
    exc = _resolution_error(cfg)
    assert "Secret3" in str(exc)  # what OmegaConf says: part of the password
    said = config_error_text(exc, cfg)
    assert "Secret3" not in said and "Pw$" not in said
    assert said == (
        "optimizer.storage: the password in the URL holds '${', which the config reads as an "
        "interpolation (Interpolation key '***' not found); percent-encode it: '$' as %24, "
        "'{' as %7B, '}' as %7D"
    )


def test_any_other_config_error_is_told_as_before_with_passwords_masked():
    cfg = OmegaConf.create(
        {"optimizer": {"storage": "postgresql://bob:hunter22@db/x", "study_name": "${nope}"}}
    )
    said = config_error_text(_resolution_error(cfg), cfg)
    assert said.startswith("config: Interpolation key 'nope' not found")
    assert "full_key: optimizer.study_name" in said


def test_a_config_error_quoting_a_password_elsewhere_in_the_config_masks_it():
    """The password of one key quoted in the error of another (``${optimizer.secret}``)."""
    cfg = OmegaConf.create(
        {"optimizer": {"storage": "postgresql://bob:hunter22@db/x", "n_trials": "${hunter22}"}}
    )
    said = config_error_text(_resolution_error(cfg), cfg)
    assert "hunter22" not in said
    assert said.startswith("config: Interpolation key '***' not found")


def test_pieces_of_a_password_around_braces_and_its_decoded_form_are_masked():
    assert redact_secrets_of(URL, "Interpolation key 'Secret3' not found") == (
        "Interpolation key '***' not found"
    )
    encoded = "postgresql://alice:Pw%24%7BSecret3%7D@db/x"
    assert "Secret3" not in redact_secrets_of(encoded, "password Pw${Secret3} refused")


@pytest.mark.parametrize("url", [URL.replace("${", "{"), "sqlite:///study-}.db"])
def test_a_storage_url_holding_braces_is_told_to_percent_encode_them(url):
    """Optuna fills ``{SCHEMA_VERSION}`` into a storage URL with ``str.format``: any other
    braces (a password escaped as '\\${Secret3}') gave "KeyError: 'Secret3'"."""
    with pytest.raises(ConfigError) as caught:
        open_storage(url)
    said = str(caught.value)
    assert "write '{' as %7B and '}' as %7D" in said
    assert "Secret3" not in said


def test_a_dollar_brace_in_a_storage_password_is_said_without_the_password(tmp_path):
    """QA 2026-12-05 hardening #5 through the command line: OmegaConf's 'Interpolation key
    'Secret3' not found' showed part of the password."""
    from tests.simcli import run_sim

    url = "postgresql+pg8000://alice:Pw${Secret3}@127.0.0.1:1/x"
    r = run_sim(
        "optimize", "process=mmc", "redesign=staffing", f"optimizer.storage={url}",
        f"hydra.run.dir={tmp_path / 'run'}",
    )  # fmt: skip
    assert r.returncode == 2
    assert "Secret3" not in r.stderr + r.stdout
    assert r.stderr.startswith("error: optimizer.storage: the password in the URL holds '${'")
