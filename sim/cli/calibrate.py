"""``python -m sim calibrate``: event log -> calibrated model, fidelity report (back-test)."""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import re
import shlex
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from sim.calibrate import calibrate_model, check_calibration_options, list_outcomes
from sim.calibrate.backtest import backtest
from sim.calibrate.backtest_reading import held_out_extract_note
from sim.calibrate.prepare import RUNAWAY_ADVICE, drop_runaway_cases, find_runaway_cases
from sim.cli.column_keys import COLUMN_TEXT_KEYS
from sim.cli.common import (
    TYPED_PROGRAM,
    config_bool,
    config_float,
    config_int,
    config_str,
    file_digest,
    guard_run_dir,
    jobs_at_once,
    write_json,
    write_run_record,
    written_whole,
)
from sim.cli.memory import available_memory_bytes, event_budget, event_budget_message
from sim.cli.overwrite import clear_earlier_run
from sim.errors import ConfigError, EventLogError, SimError, TooManyRows
from sim.eventlog import (
    DATE_ONLY_DUPLICATES,
    REPRODUCIBLE_GZIP,
    CleaningReport,
    EventLog,
    read_event_log,
    split_by_time,
)
from sim.eventlog.utc_clock import UTC_NOTE, utc_clock_notes
from sim.kpis import split_segment_key
from sim.model import columns as C
from sim.model import save

if TYPE_CHECKING:
    import pandas as pd

RESULTS = ("model.yaml", "backtest.json")
FEW_CASES = 30  # below this, say that the fit is rough
#: ``cleaning.runaway_cases``: what becomes of cases with far more events than the others
#: (``sim.calibrate.prepare.find_runaway_cases``); either way a note names them
RUNAWAY_CASES = ("drop", "keep")
RUNAWAY_KEY = "cleaning.runaway_cases"

# The library's errors and notes name its arguments (activity_key=, train_fraction=); the console
# names the config key a user types instead.
CONFIG_KEYS = {
    "case_id_key": "columns.case_id",
    "activity_key": "columns.activity",
    "start_key": "columns.start",
    "end_key": "columns.end",
    "resource_key": "columns.resource",
    "role_key": "columns.role",
    "segment_key": "columns.segment",
    "lifecycle_key": "columns.lifecycle",
    "time_format": "columns.time_format",
    "timezone": "columns.timezone",
    "naive_times": "columns.naive_times",
    "encoding": "columns.encoding",
    "no_resource": "columns.no_resource",
    "max_rows": "columns.max_rows",
    "date_only_duplicates": "cleaning.date_only_duplicates",
    "dropoff_outcomes": "outcomes.dropoff",
    "abandonment_outcomes": "outcomes.abandonment",
    "train_fraction": "backtest.train_fraction",
    "replications": "backtest.replications",
    **{
        k: f"calibration.{k}"
        for k in (
            "rare_path_threshold",
            "parallel_threshold",
            "role_similarity",
            "calendar_threshold",
            "calendar_minutes",
            "delay_method",
            "delay_time",
            "truncation",
            "max_repeats",
            "criterion",
            "roles_from",
            "segment_priority",
        )
    },
}
_ARGUMENT = re.compile(r"(?<![\w.:'])(" + "|".join(CONFIG_KEYS) + r")(?=\s*=|\s+must\b)")
#: The keys of ``columns`` that say how to read a log, which ``backtest.columns`` sets for the
#: held-out log (``columns.max_rows`` is the run's memory budget, shared by both logs).
READ_KEYS = (*COLUMN_TEXT_KEYS, "encoding", "no_resource")
# the library's arguments that read the held-out log, named by the backtest.columns key
HELD_OUT_KEYS = {
    arg: f"backtest.{key}"
    for arg, key in CONFIG_KEYS.items()
    if key.startswith("columns.") and key.split(".")[1] in READ_KEYS
}
_HELD_OUT_ARGUMENT = re.compile(
    r"(?<![\w.:'])(?P<given>as )?(?P<arg>"
    + "|".join(HELD_OUT_KEYS)
    + r")(?P<rest>\s*=|(?=\s+must\b))"
)


# a column name the library quotes (activity_key='Tätigkeit'), once it names a config key
_COLUMN_VALUE = re.compile(r"(?<![\w.])((?:backtest\.)?columns\.\w+)='([^']*)'")
# what Hydra reads unquoted, spaces inside included ('Case ID')
_PLAIN_VALUE = re.compile(r"^[\w\-+./:@%~ ]+$", re.ASCII)


def config_key_text(text: str) -> str:
    """``text`` with the library's argument names replaced by the config keys that set them,
    and a column name Hydra reads only in quotes (``Tätigkeit``, ``Fall (Nr.)``, the
    placeholder ``<column>``) written as typed in a shell: ``'columns.activity=Tätigkeit'``
    (``python -m sim`` quotes a column name for Hydra, ``sim.cli.main.TEXT_KEYS``)."""
    return _COLUMN_VALUE.sub(_typeable, _ARGUMENT.sub(lambda m: CONFIG_KEYS[m[1]], text))


def held_out_key_text(text: str, inherited: set[str]) -> str:
    """``config_key_text`` for what reading ``backtest.log`` said: its arguments are named by
    their ``backtest.columns`` keys; one of ``inherited`` (a ``backtest.columns`` key not set,
    so the held-out log took ``columns``'s value) is named as the ``columns`` key given, with
    the ``backtest.columns`` key that would name the held-out log's own."""

    def name(m: re.Match[str]) -> str:
        own = HELD_OUT_KEYS[m["arg"]]
        if m["given"] and own in inherited:
            return f"as {CONFIG_KEYS[m['arg']]}= (for backtest.log too while {own} is not set)"
        return (m["given"] or "") + own + m["rest"]

    return config_key_text(_HELD_OUT_ARGUMENT.sub(name, text))


def _typeable(m: re.Match[str]) -> str:
    key, value = m[1], m[2]
    if _PLAIN_VALUE.match(value):
        return m[0]
    return shlex.quote(f"{key}={value}")


def _names(
    cfg: DictConfig,
    key: str,
    what: str = "activity names",
    example: str = "[A_DECLINED,A_CANCELLED]",
) -> list[str] | None:
    """The list of names at ``key`` (a single name is a list of one), None when unset."""
    value = OmegaConf.select(cfg, key)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if OmegaConf.is_list(value):
        items = OmegaConf.to_container(value, resolve=True)
        if all(isinstance(v, str | numbers.Real) for v in items):
            return [str(v) for v in items]
    raise ConfigError(
        f"{key}: expected a list of {what}, e.g. {key}={example} ({key}=[] for none), got {value!r}"
    )


def settings(cfg: DictConfig) -> dict[str, Any]:
    """Every value ``run`` uses, typed and checked before any log is read or file written:
    a bad one raises ``ConfigError`` naming its key."""
    if isinstance(OmegaConf.select(cfg, "backtest"), bool):  # backtest=false: a section replaced
        raise ConfigError(
            "backtest: a section of settings, not true or false; to skip the back-test, set "
            "backtest.enabled=false (backtest.enabled=true runs it)"
        )
    calibration = {
        "rare_path_threshold": config_float(cfg, "calibration.rare_path_threshold"),
        "parallel_threshold": config_float(cfg, "calibration.parallel_threshold"),
        "role_similarity": config_float(cfg, "calibration.role_similarity"),
        "calendar_threshold": config_float(cfg, "calibration.calendar_threshold"),
        "calendar_minutes": config_int(cfg, "calibration.calendar_minutes", minimum=1),
        "delay_method": config_str(cfg, "calibration.delay_method"),
        "delay_time": config_str(cfg, "calibration.delay_time"),
        "truncation": config_str(cfg, "calibration.truncation"),
        "max_repeats": config_int(cfg, "calibration.max_repeats", minimum=1),
        "criterion": config_str(cfg, "calibration.criterion"),
        "roles_from": config_str(cfg, "calibration.roles_from"),
    }
    check_calibration_options(**calibration)
    read_options(cfg)
    read_options(cfg, held_out=True)
    _check_held_out_columns(cfg)
    out = {
        "calibration": calibration,
        "seed": config_int(cfg, "seed", minimum=0),
        "name": config_str(cfg, "name", null=True),
        "workers": config_int(cfg, "workers", minimum=1, null=True),
        "max_rows": _max_rows(cfg),
        "date_only_duplicates": _date_only_duplicates(cfg),
        "runaway_cases": _runaway_cases(cfg),
        "dropoff": _names(cfg, "outcomes.dropoff"),
        "abandonment": _names(cfg, "outcomes.abandonment"),
        "segment_priority": _names(
            cfg, "calibration.segment_priority", "segment names", "[key_account]"
        ),
        "replications": config_int(cfg, "backtest.replications", minimum=1),
        "train_fraction": config_float(cfg, "backtest.train_fraction"),
        # every on/off key: 'no' or 'nope' is refused, not taken as true
        **{
            key: config_bool(cfg, key)
            for key in (
                "calibration.extraneous_delays",
                "calibration.deadline_timers",
                "calibration.delay_by_predecessor",
                "calibration.hidden_delays",
                "calibration.role_alternatives",
                "backtest.enabled",
                "backtest.in_sample",
                "backtest.write_traces",
                "progress",
                "output.overwrite",
                "output.report",
                "output.figures",
            )
        },
    }
    if out["backtest.enabled"] and cfg.backtest.log is None and not 0 < out["train_fraction"] < 1:
        raise ConfigError(
            f"backtest.train_fraction: expected a share strictly between 0 and 1, got "
            f"{out['train_fraction']}"
        )
    return out


def _max_rows(cfg: DictConfig) -> int | None:
    """``columns.max_rows``: an integer, or ``None`` for ``auto`` (what memory can hold)."""
    value = OmegaConf.select(cfg, "columns.max_rows")
    if value == "auto":
        return None
    try:
        return config_int(cfg, "columns.max_rows", minimum=1)
    except ConfigError:
        raise ConfigError(
            f"columns.max_rows: expected an integer >= 1 or auto, got {value!r}"
        ) from None


def _date_only_duplicates(cfg: DictConfig) -> str:
    """``cleaning.date_only_duplicates``: ``drop`` (also where the config has no such key) or
    ``keep``."""
    value = OmegaConf.select(cfg, "cleaning.date_only_duplicates", default="drop")
    if value not in DATE_ONLY_DUPLICATES:
        raise ConfigError(
            f"cleaning.date_only_duplicates: expected drop or keep, got {value!r} (what becomes "
            "of exact duplicate rows whose times carry a date and no time of day)"
        )
    return value


def _runaway_cases(cfg: DictConfig) -> str:
    """``cleaning.runaway_cases``: ``drop`` (also where the config has no such key) or
    ``keep``."""
    value = OmegaConf.select(cfg, RUNAWAY_KEY, default="drop")
    if value not in RUNAWAY_CASES:
        raise ConfigError(
            f"{RUNAWAY_KEY}: expected drop or keep, got {value!r} (what becomes of cases with "
            "far more events than the others, such as a test case: a note names them either way)"
        )
    return value


def runaway_cases(log: EventLog, mode: str, key: str) -> tuple[EventLog, dict[str, Any] | None]:
    """``log`` without its runaway cases (``mode`` ``drop``: their rows counted in its report's
    ``runaway_rows_removed``, its rows kept and cases recounted) or with them (``keep``), a note
    in its report either way, and what they were for cleaning.json (None where there are none);
    ``key`` names the log (``log``, ``backtest.log``)."""
    held_out = key == "backtest.log"
    if mode == "drop":
        log, found = drop_runaway_cases(
            log,
            keep_hint=f"{RUNAWAY_KEY}=keep keeps them",
            # the held-out log is the back-test's history, not calibrated from (QA retest24 #7)
            removed_from="from the back-test's history" if held_out else "before calibration",
        )
        if found is not None:  # the report counts their rows: it describes the table calibrated
            log = dataclasses.replace(log, report=log.report.with_runaway_cases_removed(log.events))
    else:
        found = find_runaway_cases(log.events)
        if found is not None:
            one = len(found.events) == 1
            log.report.notes.append(
                f"Kept {len(found.events)} runaway case{'' if one else 's'} ({RUNAWAY_KEY}=keep): "
                f"{found.describe()}, so "
                + (
                    f"the history the back-test compares with holds {'it' if one else 'them'}"
                    if held_out
                    else f"{'it makes' if one else 'they make'} most of those activities' "
                    "durations, routing and waits"
                )
                + f" ({RUNAWAY_KEY}=drop leaves {'it' if one else 'them'} out)."
            )
    if found is None:
        return log, None
    return log, found.to_dict() | {"action": "removed" if mode == "drop" else "kept"}


def _timezone_given(cfg: DictConfig, *, held_out: bool = False) -> bool:
    """Whether ``columns.timezone`` (``backtest.columns.timezone`` for the held-out log) is set."""
    return read_options(cfg, held_out=held_out)["timezone"] is not None


def _command_note(note: str) -> str:
    """A note of the library in the keys a user of this command types."""
    return config_key_text(note.replace(f"with {RUNAWAY_ADVICE}", f"with {RUNAWAY_KEY}=drop"))


def _reading_key(cfg: DictConfig, name: str, *, held_out: bool) -> str:
    """The config key that sets ``name`` (a ``READ_KEYS`` item) for a log: for the held-out
    log ``backtest.columns.<name>`` where given, else (and for ``log``) ``columns.<name>``."""
    own = f"backtest.columns.{name}"
    return own if held_out and OmegaConf.select(cfg, own) is not None else f"columns.{name}"


def read_options(cfg: DictConfig, *, held_out: bool = False) -> dict[str, Any]:
    """The arguments of ``read_event_log`` that say how to read ``log`` (``columns.*``) or,
    with ``held_out``, ``backtest.log`` (``backtest.columns.<key>`` where given, else
    ``columns.<key>``). A value of the wrong kind raises ``ConfigError`` naming its key."""

    def text(name: str) -> str | None:
        return config_str(cfg, _reading_key(cfg, name, held_out=held_out), null=True)

    absent = _reading_key(cfg, "no_resource", held_out=held_out)
    return {
        "case_id_key": text("case_id"),
        "activity_key": text("activity"),
        "start_key": text("start"),
        "end_key": text("end"),
        "resource_key": text("resource"),
        "role_key": text("role"),
        "segment_key": text("segment"),
        "lifecycle_key": text("lifecycle"),
        "time_format": text("time_format"),
        "timezone": text("timezone"),
        "naive_times": text("naive_times"),
        "encoding": text("encoding"),
        "no_resource": _names(cfg, absent, "resource values", "[NOT_SET]") or (),
    }


def _inherited(cfg: DictConfig) -> set[str]:
    """The ``backtest.columns`` keys not set whose ``columns`` key is: the held-out log takes
    that value."""
    return {
        f"backtest.columns.{name}"
        for name in READ_KEYS
        if _reading_key(cfg, name, held_out=True) == f"columns.{name}"
        and OmegaConf.select(cfg, f"columns.{name}") not in (None, [])
    }


def _check_held_out_columns(cfg: DictConfig) -> None:
    """Refuse ``backtest.columns.*`` without a ``backtest.log`` to read with them."""
    given = [
        f"backtest.columns.{n}"
        for n in READ_KEYS
        if OmegaConf.select(cfg, f"backtest.columns.{n}") is not None
    ]
    if given and OmegaConf.select(cfg, "backtest.log") is None:
        raise ConfigError(
            f"{given[0]}: names how to read the held-out log, but no backtest.log is given (the "
            "held-out cases are split from log, read with columns.*); give backtest.log=<file>, "
            "or set columns.* for log"
        )


def _read(path: Any, cfg: DictConfig, key: str, max_rows: int | None, *, held: int = 0):
    """Read and clean one log (``key``: ``log`` or ``backtest.log``, read with
    ``backtest.columns.*``). ``max_rows=None`` (``auto``): at most the events the available
    memory can calibrate, less the ``held`` events of a log already read."""
    held_out = key == "backtest.log"
    try:
        return _read_log(
            path, cfg, key, max_rows, held=held, options=read_options(cfg, held_out=held_out)
        )
    except SimError as exc:  # named by the keys that read this log
        if held_out:
            exc.args = (held_out_key_text(str(exc), _inherited(cfg)), *exc.args[1:])
        raise


# ``${oc.env:NAME}`` or ``${oc.env:NAME,default}`` in a value as the config writes it
_ENV_INTERPOLATION = re.compile(
    r"\$\{oc\.env:\s*(?P<name>[^,}\s]+)\s*(?:,\s*(?P<default>[^}]*))?\}"
)


def _environment_hint(cfg: DictConfig, key: str) -> str:
    """For a missing file at ``key``: the environment variables its path was built from
    (``${oc.env:SIM_SHARED_DATA,../shared/data}`` in an experiment) and what they were, so that
    an unset one's default, relative to this directory, is not taken for the user's path; ""
    where the value names no variable."""
    from sim.cli.sweep import _plain  # the value as the config wrote it

    raw = _plain(cfg, key)
    found = list(_ENV_INTERPOLATION.finditer(raw)) if isinstance(raw, str) else []
    if not found:
        return ""
    said = []
    for m in found:
        name, default = m["name"], m["default"]
        if name in os.environ:
            said.append(f"{name} is set to {os.environ[name]}")
        elif default is not None:
            said.append(
                f"{name} is not set, so its default {default.strip()} was used, relative to "
                f"{Path.cwd()}"
            )
    names = " and ".join(dict.fromkeys(m["name"] for m in found))
    rest = raw[found[0].end() :].lstrip("/")
    folder = (
        f"the folder that holds {rest}"
        if len(found) == 1 and found[0].start() == 0 and rest
        else "the folder it stands for"
    )
    return (
        f"; the config reads it from {raw}, and {'; '.join(said)}: set {names} to {folder}, "
        f"or give {key}=<file>"
    )


def _read_log(
    path: Any,
    cfg: DictConfig,
    key: str,
    max_rows: int | None,
    *,
    held: int,
    options: dict[str, Any],
):
    """``_read`` with the arguments of ``read_event_log`` chosen."""
    p = Path(str(path)).expanduser()
    if p.is_dir():
        raise ConfigError(f"{key}={path}: is a directory; expected an event log file")
    if not p.is_file():
        raise ConfigError(f"{key}={path}: no such file{_environment_hint(cfg, key)}")
    backtest = config_bool(cfg, "backtest.enabled")
    available = available_memory_bytes() if max_rows is None else None
    jobs = jobs_at_once()  # parallel jobs of a sweep each get their share, not all of it
    if available is not None:
        available //= jobs
    budget = event_budget(available, backtest=backtest)
    limit = max_rows or budget - held
    if limit < 1 and available is not None:  # no room at all: say so before reading
        raise EventLogError(
            event_budget_message(p, budget, available, backtest=backtest, held=held, jobs=jobs)
        )
    share = f", this job's 1/{jobs} with {jobs} jobs at once" if jobs > 1 else ""
    room = (
        f" (at most {limit:,} events: what {available / 1e9:.1f} GB of available memory "
        f"holds{share})"
        if available is not None
        else ""
    )
    _phase(cfg, f"reading and cleaning {path}{room} ...")
    try:
        return read_event_log(
            p,
            **options,
            max_rows=limit,
            date_only_duplicates=_date_only_duplicates(cfg),
            keep_attributes=False,  # calibration uses the standard columns only
        )
    except TooManyRows:
        if available is None:
            raise
        raise EventLogError(
            event_budget_message(p, budget, available, backtest=backtest, held=held, jobs=jobs)
        ) from None


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> dict:
    """Read, clean, calibrate, back-test; write the model and the fidelity report."""
    try:
        return _run(cfg, run_dir)
    except SimError as exc:  # say it in the keys the user types
        exc.args = (config_key_text(str(exc)), *exc.args[1:])
        raise


def _phase(cfg: DictConfig, text: str) -> None:
    """One line on stderr as a long phase starts (with ``progress``): a million-row log reads
    and calibrates for minutes, which must not look like a hang."""
    if cfg.get("progress", True):  # checked true or false by settings() before any phase
        # one write, newline included: jobs of a parallel sweep share the terminal
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        sys.stderr.flush()


def _run(cfg: DictConfig, run_dir: Path) -> dict:
    guard_run_dir(
        run_dir, RESULTS, overwrite=config_bool(cfg, "output.overwrite"), command="calibrate"
    )
    s = settings(cfg)
    t0 = time.perf_counter()
    log = _read(cfg.log, cfg, "log", s["max_rows"])
    log, runaway = runaway_cases(log, s["runaway_cases"], "log")
    log.report.notes.extend(utc_clock_notes(log, timezone_given=_timezone_given(cfg)))
    held_out_runaway = None
    bt = cfg.backtest
    # size and SHA-256 of each input, for the run record (hashed once, also to compare the two)
    inputs = [file_digest(Path(str(cfg.log)).expanduser())]
    if s["backtest.enabled"] and bt.log is not None:
        test = _read(bt.log, cfg, "backtest.log", s["max_rows"], held=log.report.rows_read)
        test, held_out_runaway = runaway_cases(test, s["runaway_cases"], "backtest.log")
        test.report.notes.extend(
            utc_clock_notes(test, timezone_given=_timezone_given(cfg, held_out=True))
        )
        inputs.append(file_digest(Path(str(bt.log)).expanduser()))
        _refuse_the_same_file(inputs, cfg.log, bt.log)
        train = log
    elif s["backtest.enabled"]:
        train, test = split_by_time(log, train_fraction=s["train_fraction"])
        if test.n_cases < 2 or train.n_cases < 2:
            raise ConfigError(
                f"{cfg.log}: splitting its {log.n_cases} cases by time at "
                f"backtest.train_fraction={s['train_fraction']} leaves {train.n_cases} to "
                f"calibrate and {test.n_cases} to test; each needs at least two: give a "
                "held-out log (backtest.log=...), another backtest.train_fraction, or "
                "backtest.enabled=false"
            )
    else:
        train, test = log, None
    _print_cleaning(log, cfg.log)
    if test is not None and bt.log is not None:
        inherited = _inherited(cfg)
        _print_cleaning(test, bt.log, keys=lambda text: held_out_key_text(text, inherited))
        for note in held_out_mismatch(
            train, test, log_key=f"log={cfg.log}", test_key=f"backtest.log={bt.log}"
        ):
            print(f"  note: {note}")
    if train.n_cases < FEW_CASES:
        print(
            f"  note: calibrating from {train.n_cases} cases only: fitted values are rough (see "
            "the sample sizes in model.yaml's provenance)"
        )
    name = s["name"] or Path(str(cfg.log)).name.split(".")[0]
    _phase(
        cfg,
        f"calibrating from {train.n_cases:,} cases (routing, durations, arrivals, staff, "
        "waiting and delays) ...",
    )
    # a drop-off outcome only the held-out cases end in is a real (rare) one, not a typo
    held_out_outcomes = list_outcomes(test) if test is not None and s["dropoff"] else []
    cal = calibrate_model(
        train,
        name=str(name),
        dropoff_outcomes=s["dropoff"],
        held_out_outcomes=held_out_outcomes,
        abandonment_outcomes=s["abandonment"],
        extraneous_delays=s["calibration.extraneous_delays"],
        deadline_timers=s["calibration.deadline_timers"],
        delay_by_predecessor=s["calibration.delay_by_predecessor"],
        hidden_delays=s["calibration.hidden_delays"],
        role_alternatives=s["calibration.role_alternatives"],
        segment_priority=s["segment_priority"],
        seed=s["seed"],
        **s["calibration"],
    )
    t_cal = time.perf_counter() - t0
    # the notes (console, model.yaml, report) in the keys a user of this command types
    notes = [_command_note(n) for n in cal.notes]
    meta = dict(cal.model.metadata) | {
        "notes": [_command_note(n) for n in cal.model.metadata.get("notes", [])]
    }
    cal = dataclasses.replace(cal, notes=notes, model=dataclasses.replace(cal.model, metadata=meta))
    # written once calibration succeeded: a run refused on its log leaves the directory free
    if s["output.overwrite"]:  # the earlier run's files go: none may outlive it beside this run
        reads = [Path(str(cfg.log)).expanduser()]
        if bt.log is not None:
            reads.append(Path(str(bt.log)).expanduser())
        clear_earlier_run(run_dir, cfg, command="calibrate", reads=reads)
    write_run_record(
        run_dir, cfg, command="calibrate", extra={"log": str(cfg.log), "inputs": inputs}
    )
    # the notes in the keys that read each log, as on the console (columns.timezone=, not the
    # library's timezone=)
    write_json(
        run_dir / "cleaning.json",
        {"log": _cleaning_json(log.report, runaway, config_key_text)}
        | (
            {
                "backtest_log": _cleaning_json(
                    test.report,
                    held_out_runaway,
                    lambda text: held_out_key_text(text, _inherited(cfg)),
                )
            }
            if test is not None and bt.log is not None
            else {}
        ),
    )
    _phase(cfg, "writing model.yaml, fits.csv and instances.csv.gz ...")
    save(cal.model, run_dir / "model.yaml", overwrite=True)
    _write_table(cal.fits, run_dir / "fits.csv")
    if not cal.waiting.empty:  # per activity instance: waiting, extraneous delay, processing
        _write_table(cal.waiting, run_dir / "instances.csv.gz", compression=REPRODUCIBLE_GZIP)
    summary = cal.summary() | {
        "seconds": round(t_cal, 2),
        "start_times_estimated": bool(train.start_times_estimated),
        # removed before calibration (cleaning.runaway_cases=drop), in the log's cleaning note
        "runaway_cases_removed": sorted(runaway["cases"])
        if runaway and runaway["action"] == "removed"
        else [],
    }
    write_json(run_dir / "calibration.json", summary)
    print(
        f"calibrated '{cal.model.name}' from {train.n_cases} cases in {t_cal:.1f} s: "
        f"{len(cal.model.steps)} steps, {len(cal.model.decisions)} decisions, {_count(len(cal.model.roles), 'role')}"
    )
    if cfg.outcomes.dropoff is None:
        print(
            f"drop-off outcomes (suggested; set outcomes.dropoff=[...] to choose): {cal.dropoff_outcomes}"
        )
    for note in cal.notes:
        if runaway and f"with {RUNAWAY_KEY}=drop" in note:  # said in the log's cleaning lines
            continue
        print(f"  note: {note}")
    result = {"calibration": summary}
    if test is not None:
        try:
            res = backtest(
                cal.model,
                train,
                test,
                replications=s["replications"],
                seed=s["seed"],
                dropoff_outcomes=cal.dropoff_outcomes,
                truncation=s["calibration"]["truncation"],
                workers=s["workers"],
                progress=s["progress"],
                in_sample=s["backtest.in_sample"],
            )
        except SimError as exc:  # the model is written: its report too, then the error
            if s["output.report"]:
                from sim.cli.report import build

                build(run_dir, figures=s["output.figures"])
            raise SimError(
                f"back-test: {exc}. The calibrated model is written ({run_dir / 'model.yaml'}"
                f"{', report.html' if s['output.report'] else ''}); no backtest.json"
            ) from exc
        write_json(run_dir / "backtest.json", res.to_dict())
        if not res.historical.empty:
            _write_table(res.historical, run_dir / "history.csv.gz", compression=REPRODUCIBLE_GZIP)
        _write_table(res.cycle_times, run_dir / "cycle_times.csv.gz", compression=REPRODUCIBLE_GZIP)
        if s["backtest.write_traces"]:
            for stem, df in res.event_logs().items():
                _write_table(df, run_dir / f"{stem}.csv.gz", compression=REPRODUCIBLE_GZIP)
        result["backtest"] = res.to_dict()
        _print_backtest(res.to_dict())
    if s["output.report"]:
        from sim.cli.report import build

        build(run_dir, figures=s["output.figures"])
    print(f"\nresults in {run_dir}")
    print(
        next_steps(
            run_dir / "model.yaml", staffed=bool(cal.model.roles), backtested="backtest" in result
        )
    )
    return result


def _cleaning_json(
    report: CleaningReport, runaway: dict[str, Any] | None, keys: Callable[[str], str]
) -> dict[str, Any]:
    """One log's entry of cleaning.json: its cleaning report with its runaway cases
    (``runaway_cases``), the notes naming the library's arguments by the config keys ``keys``
    gives (``config_key_text``, ``held_out_key_text``)."""
    out = report.to_dict() | {"runaway_cases": runaway}
    out["notes"] = [keys(note) for note in report.notes]
    return out


def _write_table(table: pd.DataFrame, path: Path, **options: Any) -> None:
    """``table`` as CSV (``options`` as for ``to_csv``: a compression) without its index,
    written whole (``written_whole``): a stop leaves no truncated file under ``path`` (QA: a
    SIGTERM as ``trace_2.csv.gz`` appeared left a valid gzip holding its header alone)."""
    with written_whole(path) as part:
        table.to_csv(part, index=False, **options)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _refuse_the_same_file(digests: list[dict[str, Any]], log: Any, held_out: Any) -> None:
    a, b = (Path(str(x)).expanduser() for x in (log, held_out))
    if a.resolve() == b.resolve() or digests[0]["sha256"] == digests[1]["sha256"]:
        raise ConfigError(
            f"backtest.log={held_out}: the same data as log={log}, so nothing is held out; give "
            "a log of other (later) cases, or leave backtest.log out to split log by time"
        )


def _same_period(train: Any, test: Any) -> str:
    """A note when most held-out cases started within the training log's period (a split by
    case, not by time): the back-test then simulates the held-out cases' arrivals alone over a
    period whose staff also worked the training cases, and cannot show a process that changed
    later (QA 9a #8: the loan log split by even and odd case ids read +33 % held-out, the same
    as in-sample, with no word that the two logs share their dates)."""
    first_train = train.events.groupby(C.CASE, sort=False)[C.START].min()
    first_train = first_train.fillna(train.events.groupby(C.CASE, sort=False)[C.END].min())
    first_test = test.events.groupby(C.CASE, sort=False)[C.START].min()
    first_test = first_test.fillna(test.events.groupby(C.CASE, sort=False)[C.END].min())
    if first_train.empty or first_test.empty:
        return ""
    within = int((first_test <= first_train.max()).sum())
    if within < 0.5 * len(first_test):
        return ""
    return (
        f"{within} of the held-out log's {len(first_test)} cases started within the training "
        f"log's period (up to {first_train.max()}): a sample of the same period, not a later "
        "one. The back-test simulates the held-out cases' arrivals alone, while the same staff "
        "also worked the training cases then, and cannot show a change after the training "
        "period; a held-out log of later cases (or no backtest.log: a split by time) checks that"
    )


def held_out_mismatch(train: Any, test: Any, *, log_key: str, test_key: str) -> list[str]:
    """Notes on a held-out log that does not look like later cases of the same process; raises
    ``ConfigError`` when it shares no activity with the training log."""
    act, case = C.ACTIVITY, C.CASE
    train_acts = set(train.events[act].astype(str))
    test_events = test.events[act].astype(str)
    unknown = test_events[~test_events.isin(train_acts)]
    if len(unknown) == len(test_events):
        raise ConfigError(
            f"{test_key}: none of its {test_events.nunique()} activities occurs in {log_key} "
            f"(e.g. {sorted(set(test_events))[:3]} vs {sorted(train_acts)[:3]}); expected a "
            "held-out part of the same process"
        )
    notes = []
    if len(unknown):
        names = sorted(set(unknown))
        notes.append(
            f"{100 * len(unknown) / len(test_events):.1f} % of the held-out events are activities "
            f"the training log never shows ({len(names)}: {names[:5]}); the model cannot produce them"
        )
    if overlap := _same_period(train, test):
        notes.append(overlap)
    shared = set(test.events[case].astype(str)) & set(train.events[case].astype(str))
    if shared:
        notes.append(
            f"{len(shared)} of the held-out log's {test.n_cases} case ids also occur in the "
            f"training log (e.g. {sorted(shared)[:3]}); a held-out log should hold other cases"
        )
    return notes


def _print_cleaning(log: Any, path: Any, *, keys: Callable[[str], str] = config_key_text) -> None:
    """What reading ``path`` did, on the console; ``keys`` names the library's arguments by the
    config keys that read this log."""
    r = log.report
    print(f"read {path}: {r.rows_read:,} rows, kept {r.rows_kept:,} ({log.n_cases:,} cases)")
    if r.columns_used:
        print("  columns: " + ", ".join(f"{k}={v!r}" for k, v in r.columns_used.items()))
    # the clock matters where an offset is not +00:00 (the calendars' hours depend on it), or
    # where times with and without one are mixed
    shifted = any(not k.startswith("+00:00") for k in r.timezone_offsets) or bool(
        r.timezone_aware_values and r.timezone_naive_values
    )
    utc_note = any(UTC_NOTE in n for n in r.notes)
    for note in r.notes:  # each removal and merge, with its count (details in cleaning.json)
        if note.startswith(("Removed", "Merged", "Took", "The log has no start times")) or (
            "placeholder" in note
            or "replications of a simulation" in note
            or (shifted and "UTC offset" in note and not utc_note)
            # what changes the model unless the user acts (QA 2026-12-04: only in cleaning.json)
            or note.startswith(("Activities that differ only in", "Wrote the control"))
            or "often mean missing" in note
            or "no time of day" in note
            or "written to the minute" in note
            or "one of start and end only" in note
            or "runaway case" in note
            or UTC_NOTE in note
            # the library reads both 'Case ID' and 'case_id' as the case id column: which it used
            or "could each be the" in note
            # a lifecycle column not read as one: its own status words (QA crmexport16 #3: only
            # in cleaning.json), or a column not named lifecycle (each start an instance)
            or "no start, complete or other lifecycle transition" in note
            or "like a lifecycle column" in note
            # an XES key given twice in an event (two resources): the later values not read
            or "more than once in one event" in note
            # rows naming nobody: their work is missing from the staff's (QA newuser19 #1)
            or "no resource: " in note
            # starts lost from the data and estimated, or rows left without one (instants):
            # both change durations (QA leftovers23 #35: only in cleaning.json)
            or "without a start time belong to" in note
            or "(completion-only events)" in note
        ):
            print(f"  cleaning: {keys(note)}")


#: after the next commands of a back-tested model: simulate's figures are another measurement
NOT_THE_BACKTEST = (
    "(simulate measures the steady state after a warm-up from an empty start, every case run to "
    "its end, so its figures are not the back-test's, which measures the held-out period as its "
    "extract recorded it)"
)


def next_steps(model_path: Path, *, staffed: bool = True, backtested: bool = False) -> str:
    """The commands that use the calibrated model: simulate it, search its staffing (where the
    model has staff to search), with the program the user typed (``TYPED_PROGRAM``: ``sim`` or
    ``python -m sim``). ``backtested``: and why simulate's figures differ from the back-test's
    just printed."""
    program = " ".join(TYPED_PROGRAM)
    process = shlex.quote(f"process={model_path}")
    note = "\n" + textwrap.fill(NOT_THE_BACKTEST, width=100) if backtested else ""
    if not staffed:
        return f"next: simulate it:\n  {program} simulate {process}{note}"
    objectives = shlex.quote("optimizer.objectives=[{kpi: cycle_time_mean},{kpi: headcount}]")
    return (
        "next: simulate it, or search how many people each role needs:\n"
        f"  {program} simulate {process}\n"
        f"  {program} optimize {process} redesign=staffing {objectives}{note}"
    )


def _print_backtest(b: dict) -> None:
    note = held_out_extract_note(b.get("test") or {})
    if note:
        print("\n" + textwrap.fill(note, width=100))
    n = b.get("settings", {}).get("replications")
    # one replication has no spread to give an interval of (the figures show none)
    errors = "error vs history" if n == 1 else "error vs history, 95 % CI over replications"
    print(
        f"\nback-test over the held-out period ({n} replication{'' if n == 1 else 's'}; {errors}):"
    )
    for line in backtest_lines(b):
        print("  " + line)


def _fmt_err(v: Any) -> str:
    if not isinstance(v, dict) or fmt_num(v.get("mean")) == "-":
        return "-"
    out = f"{100 * v['mean']:+.1f} %"
    if v.get("ci_low") is not None and v.get("ci_high") is not None:
        out += f" [{100 * v['ci_low']:+.1f}, {100 * v['ci_high']:+.1f}]"
    return out


def fmt_num(v: Any) -> str:
    """A figure for the console: ``1,003``, ``22.3``, ``0.267``; ``-`` when missing."""
    if isinstance(v, dict):
        v = v.get("mean")
    if not isinstance(v, numbers.Real) or math.isnan(v):  # missing, or a note such as
        return "-"  # "not installed" for Simod's distances
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.1f}" if abs(v) >= 1 else f"{v:.3g}"


def fmt_share(v: Any) -> str:
    """A share for the console in % (``25.7 %`` for 0.257), as the report and the other
    shares of the console show it; ``-`` when missing."""
    if isinstance(v, dict):
        v = v.get("mean")
    if not isinstance(v, numbers.Real) or math.isnan(v):
        return "-"
    return f"{100 * v:.1f} %"


def _segment_rows(hist: dict, model: dict, base: dict) -> list[tuple[str, str, str, str]]:
    """Per case segment (a history with two or more): mean cycle time and drop-off rate."""
    rows = []
    for key in hist:
        if (per_segment := split_segment_key(key)) is None:
            continue
        segment, kpi = per_segment
        if kpi == "cycle_time_mean":
            err = key + "_relerr"
            rows.append(
                (
                    f"  {segment}: mean cycle time (h)",
                    fmt_num(hist[key]),
                    f"{fmt_num(model.get(key))} ({_fmt_err(model.get(err))})",
                    f"{fmt_num(base.get(key))} ({_fmt_err(base.get(err))})",
                )
            )
        elif kpi == "dropoff_rate":
            rows.append(
                (
                    f"  {segment}: drop-off rate",
                    fmt_share(hist[key]),
                    fmt_share(model.get(key)),
                    fmt_share(base.get(key)),
                )
            )
    return rows


def _fmt_emd(section: dict) -> str:
    """A section's cycle-time EMD for the console: ``n/a`` where it is null for want of more
    than one of its bins (``cycle_time_emd_note``), a 0 that would read as a perfect fit
    (QA calib25 F4); else ``fmt_num``'s."""
    dist = section.get("distances") or {}
    if dist.get("cycle_time_emd_note") and fmt_num(dist.get("cycle_time_emd")) == "-":
        return "n/a"
    return fmt_num(dist.get("cycle_time_emd"))


def _emd_notes(model: dict, base: dict) -> list[str]:
    """One line per section whose cycle-time EMD was not measured (in some replications or
    all): why."""
    lines = []
    for who, section in (("model", model), ("naive baseline", base)):
        note = (section.get("distances") or {}).get("cycle_time_emd_note")
        if note:
            lines.append(
                f"cycle-time EMD n/a for the {who}: {note}, where it is 0 whatever the logs are"
            )
    return lines


def backtest_lines(b: dict) -> list[str]:
    """The back-test's headline figures as aligned lines: history, model, naive baseline."""
    hist = (b.get("test") or {}).get("kpis") or {}
    model, base = b.get("model") or {}, b.get("baseline") or {}
    rows = [("", "history", "model", "naive baseline")]
    for key, label in (
        ("cycle_time_mean", "mean cycle time (h)"),
        ("cycle_time_median", "median cycle time (h)"),
        ("cycle_time_p90", "p90 cycle time (h)"),
    ):
        rows.append(
            (
                label,
                fmt_num(hist.get(key)),
                f"{fmt_num(model.get(key))} ({_fmt_err(model.get(key + '_relerr'))})",
                f"{fmt_num(base.get(key))} ({_fmt_err(base.get(key + '_relerr'))})",
            )
        )
    ins = b.get("in_sample") or {}
    if ins.get("model"):  # right under the held-out mean
        rows.insert(
            2,
            (
                "  on the training period",
                fmt_num(ins.get("history_cycle_time_mean")),
                f"{fmt_num(ins['model'].get('cycle_time_mean'))} "
                f"({_fmt_err(ins['model'].get('cycle_time_mean_relerr'))})",
                "",
            ),
        )
    for key, label, in_history in (
        ("dropoff_rate", "drop-off rate", True),
        ("cycle_time_wasserstein_h", "cycle-time Wasserstein (h)", False),
    ):
        fmt = fmt_share if key == "dropoff_rate" else fmt_num
        history = fmt(hist.get(key)) if in_history else ""
        rows.append((label, history, fmt(model.get(key)), fmt(base.get(key))))
        if key == "dropoff_rate":
            rows += _segment_rows(hist, model, base)
    md = (model.get("distances") or {}).get("cycle_time_emd")
    bd = (base.get("distances") or {}).get("cycle_time_emd")
    if md is not None or bd is not None:
        rows.append(("cycle-time EMD (Simod)", "", _fmt_emd(model), _fmt_emd(base)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines += _emd_notes(model, base)
    v = b.get("verdict") or {}

    def yes(key: str) -> str:
        return {True: "yes", False: "no", None: "n/a"}.get(v.get(key), "n/a")

    def off(key: str) -> str:
        err = model.get(key + "_relerr")
        return f"{100 * err['mean']:+.1f} %" if fmt_num(err) != "-" else "-"

    lines.append(
        f"mean cycle time within 10 %: {yes('cycle_time_mean_within_10pct')} (point estimate), "
        f"{yes('cycle_time_mean_ci95_within_10pct')} (whole 95 % CI); the model's median is "
        f"{off('cycle_time_median')}, its p90 {off('cycle_time_p90')} from history's; "
        "model closer than the "
        f"baseline: Wasserstein {yes('cycle_time_wasserstein_below_baseline')}, "
        f"EMD {yes('cycle_time_emd_below_baseline')}"
    )
    for key in ("reading", "dropoff_reading"):
        if v.get(key):
            lines += textwrap.wrap(str(v[key]), width=96)
    return lines
