"""A config's logging (``hydra.job_logging``, ``hydra.hydra_logging``) may log only to the
console and to a file in the run's own directory: Python's logging makes whatever a config
names, so a file handler with ``mode: w`` elsewhere truncated a file of the user's (found after
the callbacks were checked, 2026-12-05). Refused before Hydra sets the logging up, exit 2."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim.cli.main import ForeignCallback, refuse_foreign_logging
from tests.simcli import run_sim, simulate_with_experiment

SIMULATE = ["simulate", "process=mmc", "scenario.replications=2", "workers=1"]


def test_an_experiment_logging_into_a_users_file_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    res, run = simulate_with_experiment(
        tmp_path, f"{{job_logging: {{handlers: {{file: {{filename: {victim}, mode: w}}}}}}}}"
    )
    assert res.returncode == 2, res.stderr
    assert "hydra.job_logging.handlers.file.filename" in res.stderr
    assert victim.read_text() == "keep"
    assert not run.exists()


def test_hydras_own_log_into_a_users_file_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    res = run_sim(
        *SIMULATE,
        "hydra.hydra_logging.handlers.console.class=logging.FileHandler",
        f"+hydra.hydra_logging.handlers.console.filename={victim}",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 2, res.stderr
    assert "hydra.hydra_logging.handlers.console" in res.stderr
    assert victim.read_text() == "keep"


@pytest.mark.parametrize(
    ("tree", "said"),
    [
        ({"handlers": {"h": {"class": "logging.handlers.SMTPHandler"}}}, "h.class"),
        ({"handlers": {"h": {"()": "builtins.open", "file": "/x"}}}, "h.()"),
        ({"filters": {"f": {"()": "os.remove"}}}, "f.()"),
        ({"handlers": {"h": {"class": "logging.StreamHandler", "stream": "ext://os.system"}}}, "h.stream"),
        ({"handlers": {"h": {"class": "logging.FileHandler",
                              "filename": "${hydra.runtime.output_dir}/../../x.log"}}}, "h.filename"),
    ],
)  # fmt: skip
def test_other_handlers_factories_and_files_are_refused(tree, said):
    with pytest.raises(ForeignCallback, match=said.replace("(", r"\(").replace(")", r"\)")):
        refuse_foreign_logging(OmegaConf.create(tree), "hydra.job_logging")


def test_the_bundled_logging_passes():
    default = {
        "handlers": {
            "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
            "file": {
                "class": "logging.FileHandler",
                "filename": "${hydra.runtime.output_dir}/${hydra.job.name}.log",
            },
        },
        "filters": {"redact": {"()": "sim.cli.common.RedactingFilter"}},
    }
    refuse_foreign_logging(OmegaConf.create(default), "hydra.job_logging")
