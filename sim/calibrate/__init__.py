"""Calibration (layer 2): event log -> validated ``ProcessModel``, and the back-test report.

Public API::

    calibrate_model(log, *, dropoff_outcomes=None, held_out_outcomes=(),
                    abandonment_outcomes=None, rare_path_threshold=0.0, parallel_threshold=0.05, role_similarity=0.7,
                    calendar_threshold=0.1, extraneous_delays=True, delay_method="pool",
                    delay_time="clock", criterion="aic", ..., truncation="auto",
                    max_repeats=8, seed=0) -> Calibration  # .model, .fits, .notes, .truncation
    check_calibration_options(**options)  # ConfigError naming the first bad option
    suggest_dropoff(log) -> (outcomes, reasons)
    list_outcomes(log) -> outcomes  # what the finished cases end in
    fit_distribution(values, *, families=DEFAULT_FAMILIES, criterion="aic", ...) -> FitResult
    fit_patience(times, abandoned, *, families=PATIENCE_FAMILIES, ...) -> FitResult
    kaplan_meier(times, observed) -> DataFrame
"""

from sim.calibrate.calibrate import (
    Calibration,
    calibrate_model,
    check_calibration_options,
    list_outcomes,
    suggest_dropoff,
    wilson_interval,
)
from sim.calibrate.fitting import (
    DEFAULT_FAMILIES,
    FITTERS,
    PATIENCE_FAMILIES,
    FamilyFit,
    FitError,
    FitResult,
    Fitter,
    fit_distribution,
    fit_patience,
    kaplan_meier,
)

__all__ = [
    "DEFAULT_FAMILIES",
    "FITTERS",
    "PATIENCE_FAMILIES",
    "Calibration",
    "FamilyFit",
    "FitError",
    "FitResult",
    "Fitter",
    "calibrate_model",
    "check_calibration_options",
    "fit_distribution",
    "fit_patience",
    "kaplan_meier",
    "list_outcomes",
    "suggest_dropoff",
    "wilson_interval",
]
