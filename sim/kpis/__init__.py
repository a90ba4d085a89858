"""KPIs: pure functions from a trace (real or simulated) to key figures with confidence intervals.

Pipeline: ``Trace`` (or a real log's events) -> events and cases tables (``frames``) -> a flat
KPI mapping per replication (``summary.log_kpis``/``replication_kpis``) -> a replications table
(``kpi_table``, saved as ``replications.csv``) -> 95 % confidence intervals and views
(``kpi_report``, saved as ``kpis.json``); a model of two or more case segments adds each
segment's KPIs (``segment_kpis``: ``segment:<segment>:<kpi>`` columns, the ``by_segment``
view). KPI definitions are in ``measures``. Scenarios side by side against a baseline:
``compare.compare_scenarios`` (paired under common random numbers, else Welch).
"""

from sim.kpis.compare import (
    better_direction,
    compare_scenarios,
    compared_kpis,
    unpaired_comparison,
)
from sim.kpis.frames import (
    log_cases,
    trace_cases,
    trace_events,
    trace_open_steps,
    trace_to_event_log,
)
from sim.kpis.stats import (
    Bounds,
    clip_to_domain,
    confidence_interval,
    holm,
    paired_comparison,
    prediction_interval,
    relative_difference,
    summarize,
)
from sim.kpis.summary import (
    HEADLINE,
    SEGMENT_KPIS,
    TIME_IN_PROCESS,
    averaged_cycle_time_kpis,
    cycle_time_kpis,
    cycle_time_part,
    cycle_time_parts_table,
    cycle_time_table,
    format_report,
    kpi_domain,
    kpi_report,
    kpi_row,
    kpi_rows_table,
    kpi_table,
    log_kpis,
    main_path_order,
    pooled_estimates,
    replication_kpis,
    segment_kpis,
    split_segment_key,
    summarize_kpis,
    time_per_case,
)

__all__ = [
    "HEADLINE",
    "SEGMENT_KPIS",
    "TIME_IN_PROCESS",
    "Bounds",
    "averaged_cycle_time_kpis",
    "better_direction",
    "clip_to_domain",
    "compare_scenarios",
    "compared_kpis",
    "confidence_interval",
    "cycle_time_kpis",
    "cycle_time_part",
    "cycle_time_parts_table",
    "cycle_time_table",
    "prediction_interval",
    "format_report",
    "holm",
    "kpi_domain",
    "kpi_report",
    "kpi_row",
    "kpi_rows_table",
    "kpi_table",
    "pooled_estimates",
    "summarize_kpis",
    "log_cases",
    "log_kpis",
    "main_path_order",
    "paired_comparison",
    "relative_difference",
    "replication_kpis",
    "segment_kpis",
    "split_segment_key",
    "summarize",
    "time_per_case",
    "trace_cases",
    "trace_events",
    "trace_open_steps",
    "trace_to_event_log",
    "unpaired_comparison",
]
