"""BPMN 2.0 and Prosimos parameters: import and export of process models (layer 0).

>>> from sim.model.interchange import load_bpmn
>>> model = load_bpmn("Loan_Application.bpmn", params_path="Loan_Application.json")

* ``load_bpmn(bpmn_path, *, params_path=None, dropoff=None, pool=None)``: BPMN + Prosimos JSON
  -> validated ``ProcessModel`` (``params_path`` defaults to the ``.json`` next to the ``.bpmn``;
  ``dropoff``: the end events, or the tasks right before one, that lose the case; ``pool``: the
  pool of a collaboration to simulate, by pool name or process id; without it, pools joined by
  a request and its answer run as one case);
* ``from_prosimos_json(params, *, bpmn_path, dropoff=None, pool=None)``: the same with the
  parameters as a mapping or path;
* ``save_bpmn(model, path, *, overwrite=False, allow_loss=False)``: writes ``path`` (.bpmn with a
  diagram bpmn.io can open) and the Prosimos ``.json`` next to it;
* ``to_prosimos_json(model, *, allow_loss=False)``: the Prosimos parameters as a dict;
* ``check_bpmn_export(model, path, *, allow_loss=False)``: what ``save_bpmn`` would lose (or its
  refusal), without writing anything.

XML is parsed with defusedxml only. What the formats cannot express is reported, never dropped
silently: unsupported BPMN raises ``ModelError`` with the element id; approximations on import
are ``BpmnImportWarning`` warnings; features an export would lose make it refuse (listing them)
unless ``allow_loss=True``. The decisions and conventions are documented in the modules
``importer``, ``structure``, ``prosimos`` and ``exporter``.
"""

from sim.model.interchange.exporter import (
    ExportResult,
    check_bpmn_export,
    save_bpmn,
    to_prosimos_json,
)
from sim.model.interchange.importer import BpmnImportWarning, from_prosimos_json, load_bpmn

__all__ = [
    "BpmnImportWarning",
    "ExportResult",
    "check_bpmn_export",
    "from_prosimos_json",
    "load_bpmn",
    "save_bpmn",
    "to_prosimos_json",
]
