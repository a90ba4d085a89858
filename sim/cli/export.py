"""``python -m sim export``: a process model as BPMN (+ Prosimos JSON), Mermaid, DOT, YAML, JSON or PNG."""

from __future__ import annotations

import re
from pathlib import Path

from omegaconf import DictConfig

from sim.cli.common import config_bool, guard_run_dir, load_process, write_run_record
from sim.cli.overwrite import clear_earlier_run
from sim.errors import ConfigError
from sim.model import save

FORMATS = ("bpmn", "mermaid", "dot", "yaml", "json", "png")
_UNSAFE = re.compile(r"[^\w.\-]+")


def file_stem(model_name: str) -> str:
    """A file name for a model inside the run directory: its name with anything but letters,
    digits, ``.``, ``-`` and ``_`` replaced by ``_`` (a name like ``../../x`` or ``/etc/x`` from
    an untrusted model file must not write outside the run directory), at most 100 characters."""
    stem = _UNSAFE.sub("_", model_name).strip("._")[:100]
    return stem or "model"


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> Path:
    """Write the model in ``cfg.format`` into the run directory."""
    fmt = str(cfg.format)
    if fmt not in FORMATS:
        raise ConfigError(f"format: expected one of {list(FORMATS)}, got {fmt!r}")
    allow_loss = config_bool(cfg, "allow_loss")
    model = load_process(cfg, choice=process_choice)
    overwrite = config_bool(cfg, "output.overwrite")
    guard_run_dir(run_dir, (), overwrite=overwrite)  # another export's record stays its own
    if overwrite:  # the earlier run's files go: none may outlive it beside this run's record
        clear_earlier_run(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    name = file_stem(model.name)
    if fmt == "bpmn":
        from sim.model.interchange import save_bpmn

        res = save_bpmn(model, run_dir / f"{name}.bpmn", overwrite=overwrite, allow_loss=allow_loss)
        path = res.bpmn
        print(f"wrote {res.params}")
        if res.lost:
            # never silent: what the files leave out is printed and kept beside them
            lost = run_dir / f"{name}.export_losses.txt"
            lost.write_text(
                "What BPMN + Prosimos JSON cannot express, so the export leaves out or "
                "approximates:\n" + "".join(f"- {x}\n" for x in res.lost),
                encoding="utf-8",
            )
            print(
                f"note: BPMN/Prosimos cannot express {len(res.lost)} feature(s) of this model "
                f"(listed in {lost}; allow_loss=false refuses such an export):"
            )
            for x in res.lost:
                print(f"  - {x}")
    elif fmt in ("yaml", "json"):
        path = save(model, run_dir / f"{name}.{fmt}", overwrite=overwrite)
    else:
        suffix = {"mermaid": ".mmd", "dot": ".dot", "png": ".png"}[fmt]
        path = run_dir / f"{name}{suffix}"
        if path.exists() and not overwrite:
            raise ConfigError(
                f"{path}: exists already; refusing to overwrite it (output.overwrite=true)"
            )
        from sim.report import draw_process_map, save_figure, to_dot, to_mermaid

        if fmt == "png":
            save_figure(draw_process_map(model), path)
        else:
            path.write_text((to_mermaid if fmt == "mermaid" else to_dot)(model), encoding="utf-8")
    print(f"wrote {path}")
    write_run_record(
        run_dir,
        cfg,
        command="export",
        extra={"model": model.name, "format": fmt, "path": str(path)},
    )
    return path
