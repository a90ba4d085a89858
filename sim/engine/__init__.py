"""The SimPy engine (the only package that imports SimPy): model -> trace."""

from sim.engine.replications import (
    available_cores,
    check_scenario,
    exit_with_parent,
    run_replications,
    stop_pool,
)
from sim.engine.runner import Replication, run_replication

__all__ = [
    "Replication",
    "available_cores",
    "check_scenario",
    "exit_with_parent",
    "run_replication",
    "run_replications",
    "stop_pool",
]
