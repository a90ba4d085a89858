"""``python -m sim export``: a process model as BPMN (+ Prosimos JSON), Mermaid, DOT, YAML, JSON,
or its map as PNG, SVG or PDF."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from omegaconf import DictConfig

from sim.cli.common import (
    BEFORE_RESULTS,
    HYDRA_OWN,
    config_bool,
    config_int,
    guard_run_dir,
    load_process,
    write_run_record,
    write_text_whole,
)
from sim.cli.overwrite import clear_earlier_run
from sim.errors import ConfigError, ModelError
from sim.model import save
from sim.model.whole_files import PARTIAL

FORMATS = ("bpmn", "mermaid", "dot", "yaml", "json", "png", "svg", "pdf")
#: the formats that draw the map (``draw_process_map``): a picture, or vector text that stays
#: sharp at any zoom (no dpi to cap, so no map too large to read)
MAP_FORMATS = ("png", "svg", "pdf")
#: the longest side of a PDF page Adobe Acrobat shows whole: 14,400 units of 1/72 inch (PDF
#: Reference 1.7, appendix C; matplotlib writes no ``UserUnit`` that would allow more)
PDF_MAX_INCHES = 200
_UNSAFE = re.compile(r"[^\w.\-]+")
# the suffixes of the files an export of each format writes (BPMN: its Prosimos JSON and the
# list of what it leaves out beside it)
SUFFIXES = {
    "bpmn": (".bpmn", ".json", ".export_losses.txt"),
    "mermaid": (".mmd",),
    "dot": (".dot",),
    "yaml": (".yaml",),
    "json": (".json",),
    "png": (".png",),
    "svg": (".svg",),
    "pdf": (".pdf",),
}
# the names of the run's own files in its directory (its record, config, report, Hydra's): an
# exported file under one of them was lost, or refused as already there (QA 2026-12-05)
RUN_OWN = HYDRA_OWN | BEFORE_RESULTS | {PARTIAL, "report.html", "report", "multirun.yaml"}


def file_stem(model_name: str) -> str:
    """A file name for a model inside the run directory: its name with anything but letters,
    digits, ``.``, ``-`` and ``_`` replaced by ``_`` (a name like ``../../x`` or ``/etc/x`` from
    an untrusted model file must not write outside the run directory), at most 100 characters."""
    stem = _UNSAFE.sub("_", model_name).strip("._")[:100]
    return stem or "model"


def export_stem(model_name: str, fmt: str) -> str:
    """``file_stem`` of the model's name, with ``_model`` added (once more each time) while a
    file the export of ``fmt`` writes would take a name of the run's own files (``RUN_OWN``):
    a model named ``config`` exported as YAML is ``config_model.yaml``, not the run's
    ``config.yaml``."""
    stem = file_stem(model_name)
    while any(f"{stem}{suffix}" in RUN_OWN for suffix in SUFFIXES[fmt]):
        stem = f"{stem}_model"
    return stem


def _illegible_note(
    path: Path, size: tuple[float, float], drawn: int, map_steps: int | None
) -> str:
    """The console's note for a PNG map of ``size`` inches and ``drawn`` steps too large to
    keep its text legible (``IllegibleFigureWarning``): how small its text came out, and the
    export's own ways out (``format=svg`` or ``pdf``, fewer ``map_steps``) in the library's
    stead."""
    from sim.report._mpl import saving_dpi

    width, height = size
    dpi = saving_dpi(width, height)
    fewer = 30 if map_steps is None or map_steps > 30 else max(1, map_steps // 2)
    return (
        f"note: {path}: the map of {drawn} steps is {int(width * dpi)} x {int(height * dpi)} px "
        f"at {dpi:.0f} dpi, so its text is {7 * dpi / 72:.1f} px high and cannot be read; "
        f"export it with format=svg (or format=pdf), whose text stays sharp at any zoom, "
        f"or draw fewer steps with map_steps={fewer}"
    )


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> Path:
    """Write the model in ``cfg.format`` into the run directory.

    Everything that can refuse the export (the format, the model, the BPMN loss check with
    ``allow_loss=false``, drawing the map) runs before ``output.overwrite=true`` removes the
    earlier run's files: a refused export leaves the earlier one as it was."""
    fmt = str(cfg.format)
    if fmt not in FORMATS:
        raise ConfigError(f"format: expected one of {list(FORMATS)}, got {fmt!r}")
    allow_loss = config_bool(cfg, "allow_loss")
    model = load_process(cfg, choice=process_choice)
    overwrite = config_bool(cfg, "output.overwrite")
    guard_run_dir(run_dir, (), overwrite=overwrite)  # another export's record stays its own
    name = export_stem(model.name, fmt)
    if name != file_stem(model.name):
        clash = next(
            f"{file_stem(model.name)}{x}"
            for x in SUFFIXES[fmt]
            if f"{file_stem(model.name)}{x}" in RUN_OWN
        )
        print(
            f"note: model '{model.name}': {clash} is the name of one of the run's own files "
            f"(its record, its config, Hydra's); exporting as {name}{SUFFIXES[fmt][0]} instead"
        )
    text: str | None = None
    figure = None
    map_steps: int | None = None
    if fmt == "bpmn":
        from sim.model.interchange import check_bpmn_export, save_bpmn

        # the loss check (ModelError listing the losses with allow_loss=false) and the BPMN
        # structure check, before anything is removed
        try:
            check_bpmn_export(model, run_dir / f"{name}.bpmn", allow_loss=allow_loss)
        except ModelError as exc:  # the library's keyword, in the spelling a command takes
            raise ModelError(str(exc).replace("allow_loss=True", "allow_loss=true")) from None
    elif fmt in ("mermaid", "dot", *MAP_FORMATS):
        from sim.report import draw_process_map, save_figure, to_dot, to_mermaid

        if fmt in MAP_FORMATS:
            map_steps = config_int(cfg, "map_steps", minimum=1, null=True)
            figure = draw_process_map(model, max_steps=map_steps)
            if map_steps is not None and len(model.steps) > map_steps:
                print(
                    f"note: the map draws the {map_steps} most visited of the model's "
                    f"{len(model.steps)} steps; map_steps=null draws every step"
                )
        else:
            text = (to_mermaid if fmt == "mermaid" else to_dot)(model)
    if overwrite:  # the earlier run's files go: none may outlive it beside this run's record
        clear_earlier_run(run_dir, cfg, command="export")
    run_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "bpmn":
        res = save_bpmn(model, run_dir / f"{name}.bpmn", overwrite=overwrite, allow_loss=allow_loss)
        path = res.bpmn
        print(f"wrote {res.params}")
        if res.lost:
            # never silent: what the files leave out is printed and kept beside them
            lost = run_dir / f"{name}.export_losses.txt"
            write_text_whole(
                lost,
                "What BPMN + Prosimos JSON cannot express, so the export leaves out or "
                "approximates:\n" + "".join(f"- {x}\n" for x in res.lost),
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
        path = run_dir / f"{name}{SUFFIXES[fmt][0]}"
        if path.exists() and not overwrite:
            raise ConfigError(
                f"{path}: exists already; refusing to overwrite it (output.overwrite=true)"
            )
        if figure is not None:
            from sim.report._mpl import FALLBACK_FONTS, IllegibleFigureWarning, missing_glyphs

            with (
                missing_glyphs() as missing,  # names are the user's, in any script
                warnings.catch_warnings(record=True) as caught,
            ):
                warnings.simplefilter("always", IllegibleFigureWarning)
                save_figure(figure, path)
            width, height = figure.get_size_inches()
            for w in caught:
                if issubclass(w.category, IllegibleFigureWarning):  # a note, as a command's
                    drawn = (
                        len(model.steps) if map_steps is None else min(len(model.steps), map_steps)
                    )
                    print(_illegible_note(path, (width, height), drawn, map_steps))
                else:  # not ours to hold back
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if fmt == "pdf" and max(width, height) > PDF_MAX_INCHES:
                print(
                    f"note: {path}: the map is {width:.0f} x {height:.0f} inches; Adobe Acrobat "
                    f"shows PDF pages only up to {PDF_MAX_INCHES} inches a side, so it may cut "
                    "or refuse this one (format=svg has no such limit; map_steps=30 draws a "
                    "smaller map)"
                )
            if missing:
                shown = " ".join(sorted(missing)[:12]) + (" ..." if len(missing) > 12 else "")
                print(
                    f"note: the map cannot draw {len(missing)} character(s) of the model's names "
                    f"({shown}): no installed font has them, so they show as empty boxes; "
                    f"install one that has them (matplotlib tries {', '.join(FALLBACK_FONTS[:3])} "
                    "and others) and export again"
                )
        else:
            write_text_whole(path, text or "")
    print(f"wrote {path}")
    write_run_record(
        run_dir,
        cfg,
        command="export",
        extra={"model": model.name, "format": fmt, "path": str(path)},
    )
    return path
