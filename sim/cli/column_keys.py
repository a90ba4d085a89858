"""The ``columns.*`` keys whose values are the user's text (names of the log's columns, time
format and zone): kept apart from ``sim.cli.calibrate`` so that ``sim.cli.main``, which quotes
them for Hydra before anything heavy is imported, and the calibrate command share one list."""

COLUMN_TEXT_KEYS = (
    "case_id",
    "activity",
    "start",
    "end",
    "resource",
    "role",
    "segment",
    "lifecycle",
    "time_format",
    "timezone",
)
