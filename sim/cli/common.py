"""What every command shares: loading the process, the run directory, the run record."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError, SimError, redact
from sim.model import ProcessModel, from_dict, load
from sim.model.jsonio import write_json

PACKAGES = (
    "sim-redesign",
    "simpy",
    "numpy",
    "scipy",
    "pandas",
    "optuna",
    "matplotlib",
    "hydra-core",
)


def redact_obj(obj: Any) -> Any:
    """``redact`` applied to every string in a nested structure."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {k: redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_obj(v) for v in obj]
    return obj


def load_process(cfg: DictConfig, *, choice: str | None = None) -> ProcessModel:
    """The process model a config names: a bundled model (inline mapping) or a file path."""
    proc = cfg.get("process")
    if proc is None:
        raise ConfigError(
            "process: no process given; use process=crm_sales or process=path/to/model.yaml"
        )
    if "path" in proc:
        path = Path(str(proc.path))
        suffix = "".join(path.suffixes[-1:]).lower()
        if suffix == ".bpmn":
            import warnings

            from sim.model.interchange import BpmnImportWarning, load_bpmn

            params = proc.get("params")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", BpmnImportWarning)
                model = load_bpmn(path, params_path=None if params is None else Path(str(params)))
            for w in caught:  # approximations made on import: tell the user, never hide them
                if issubclass(w.category, BpmnImportWarning):
                    print(f"note: {w.message}", file=sys.stderr)
            return model
        if proc.get("params") is not None:
            raise ConfigError("process.params: only used with a BPMN process (process=model.bpmn)")
        return load(path)
    spec = OmegaConf.to_container(proc, resolve=True)
    return from_dict(spec, source=f"process={choice or 'inline'}")


def guard_run_dir(run_dir: Path, results: tuple[str, ...], *, overwrite: bool) -> None:
    """Refuse to write into a run directory that already holds results (unless overwrite)."""
    found = [r for r in results if (run_dir / r).exists()]
    if found and not overwrite:
        raise ConfigError(
            f"{run_dir}: already holds results ({', '.join(found)}); choose another "
            "hydra.run.dir or pass output.overwrite=true"
        )


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the numbers."""
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def git_commit() -> str | None:
    """The repository's commit, when run from a git checkout."""
    try:
        here = Path(__file__).resolve().parent
        res = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return res.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def write_run_record(
    run_dir: Path, cfg: DictConfig, *, command: str, extra: dict[str, Any] | None = None
) -> None:
    """Write ``config.yaml`` (resolved) and ``run.json`` (command, seed, versions) beside results."""
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = redact_obj(OmegaConf.to_container(cfg, resolve=True))
    (run_dir / "config.yaml").write_text(
        OmegaConf.to_yaml(OmegaConf.create(resolved)), encoding="utf-8"
    )
    record = {
        "command": command,
        "argv": redact_obj(["python", "-m", "sim", *sys.argv[1:]]),
        "seed": cfg.get("seed"),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "platform": platform.platform(),
    } | (extra or {})
    write_json(run_dir / "run.json", record)
    _redact_hydra_files(run_dir)


def _redact_hydra_files(run_dir: Path) -> None:
    # Hydra saves the overrides as typed; a password typed on the command line must not stay there.
    for f in (run_dir / ".hydra").glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        clean = redact(text)
        if clean != text:
            f.write_text(clean, encoding="utf-8")


__all__ = [
    "SimError",
    "guard_run_dir",
    "load_process",
    "package_versions",
    "redact",
    "write_json",
    "write_run_record",
]
