"""The process model as data (layer 0): build, validate, read and write models.

>>> from sim.model import load
>>> model = load("configs/process/crm_sales.yaml")
"""

from sim.model.calendar import ALWAYS, WeeklyRate
from sim.model.distributions import Distribution
from sim.model.io import dumps, from_dict, load, save, to_dict
from sim.model.process import (
    ABANDONED,
    DEFAULT_SEGMENT,
    SCHEMA_VERSION,
    Alternative,
    Arrivals,
    Branch,
    Decision,
    End,
    Parallel,
    ProcessModel,
    Role,
    Segment,
    Step,
)
from sim.model.scenario import Scenario
from sim.model.validate import problems, validate

__all__ = [
    "ABANDONED",
    "ALWAYS",
    "DEFAULT_SEGMENT",
    "SCHEMA_VERSION",
    "Alternative",
    "Arrivals",
    "Branch",
    "Decision",
    "Distribution",
    "End",
    "Parallel",
    "ProcessModel",
    "Role",
    "Scenario",
    "Segment",
    "Step",
    "WeeklyRate",
    "dumps",
    "from_dict",
    "load",
    "problems",
    "save",
    "to_dict",
    "validate",
]
