"""Redesign operators and the redesign search space (layer 2: no Optuna, no pandas, no SimPy).

A redesign operator is a pure function ``ProcessModel -> ProcessModel``: it never changes its
input, returns a new model that passes ``sim.model.validate``, or raises
``sim.errors.RedesignRefused`` with a sentence saying why. Every operator also keeps each
``requires`` that the input satisfied satisfied: a required step is still done, on every path,
before the node that requires it (``sim.redesign.graph.done_before``); a change that would break
that is refused. Each applied change is appended to ``metadata["changes"]`` of the returned model
as a plain dict::

    {"operator": "automate", "target": "handover_to_delivery", "parameters": {...},
     "one_off_cost": 20000.0,
     "summary": "Automate 'handover_to_delivery' (done by customer_success until now; "
                "one-off cost 20,000)"}

(``SearchSpace.apply`` adds ``"variable"`` and ``"value"``), so reports and the optimiser can
explain a redesign and add up its one-off costs.

Operators
---------
``remove_step(model, step, *, check=None, one_off_cost=0)``
    Drop a step that is not ``mandatory``; whatever led to it goes to its successor. Nodes that
    required it now require what it required. A parallel block left with one branch dissolves;
    when it is an inclusive block and that branch ran with probability p < 1, it becomes a
    decision of the same name (the branch with p, straight on with 1 - p), so the branch keeps
    its frequency.
    **Checks.** If the step was a check, ``check=Check(...)`` says what it caught: with
    ``catch_rate`` c, removing it adds a decision ``missed_by_<step>`` right after
    ``found_at``: with probability c the case goes to ``rework_to`` (a step or decision to redo
    work from, or an end such as a lost customer), else on as before. Errors are found on the
    first pass of ``found_at`` after the check; where cases can pass ``found_at`` again before
    passing the check again (a loop, or a ``rework_to`` leading back to it), the chance per
    pass is lowered so that, in total, the errors found are c x the passes of the check that
    reach ``found_at``. Only cases that went through the check carry
    such errors, but the model does not remember which did: where some paths to ``found_at``
    skip it, every case there gets the probability c x the share of the cases reaching
    ``found_at`` that had passed the check (from the routing's expected visits, per segment
    where decisions have segment probabilities), right in total, not case by case. A check
    inside a parallel block that only some cases pass, with ``found_at`` after its join, is
    refused, and so is a ``found_at`` that cases can reach again where some paths to it skip
    the check, and a ``found_at`` or ``rework_to`` inside a parallel block. When the
    check records its outcome in a decision right after it (``verdict``, e.g. CRM
    ``quote_ok`` after ``quote_approval``), that decision goes too: cases continue at
    ``pass_to``, and c defaults to the share the verdict sent back (per segment where the
    verdict has segment probabilities). All of this is ordinary decisions, so the engine
    simulates it unchanged; the check's description lives in the search-space config
    (``checks:``), not on ``Step``.
``merge_steps(model, steps, *, role=None, setup_saving=0, name=None, one_off_cost=0)``
    Consecutive steps (each the only way into the next) become one step named ``"a+b"``, done by
    ``role`` (default: the parts' one common role). Duration: a ``sum`` distribution of the parts
    scaled by ``1 - setup_saving`` (mean ``(a + b)(1 - saving)``); cost: the sum; mandatory /
    value adding if any part is; requires: the parts' requires outside the merge; patience: that
    of the first part that has one. One role does it, so the hand-offs between the parts are gone. Whatever
    required a part now requires the merged step.
``move_decision(model, decision, *, one_off_cost=0)``
    Take a decision right after the last of its ``requires`` is done: the chain of steps between
    there and the decision moves to just after it, on its one branch that goes on; exits (to an
    end, directly or through steps alone, such as a calibrated model's ``delay:X -> X ->
    end:X``) and rework (back upstream) now happen before those steps, so exiting cases skip
    them. When no single branch goes on, the one exit to a successful end, or else the one
    rework branch, takes the steps; otherwise the move is refused.
A timer (no role, and listed in ``metadata["timer_steps"]`` or with ``measured_from: arrival`` or
a ``calendar``) is refused by ``merge_steps``, ``automate_step`` and ``simplify_step``: it is a
wait, not work.
``parallelise_steps(model, (a, b), *, one_off_cost=0)``
    Two consecutive steps that do not require each other run side by side: a parallel block
    ``"a|b"`` joined at ``"a|b/join"``, followed by what followed ``b``.
``automate_step(model, step, *, duration, cost_per_execution=0, one_off_cost=0, error_rate=0,
rework_to=None)``
    No roles (no queue, hand-off or patience), ``duration`` from the automation's distribution,
    ``cost_per_execution`` added to the step's cost. With ``error_rate`` e a decision
    ``<step>_automation_error`` after it sends a share e of passes to ``rework_to`` (default: the
    step itself). With no role, like a timer, its duration is stretched by the case segment's
    ``timer_scale`` (default: its ``duration_scale``). A step no role does is refused: a timer
    is a wait, any other is automated already (a second system would add its cost per
    execution to the first one's); change that step's ``cost``/``duration`` in the model, or
    simplify it.
``simplify_step(model, step, *, factor, one_off_cost=0)``
    Every duration draw multiplied by ``factor`` in (0, 1].
``delegate_step(model, step, *, to_role, duration_factor=1, one_off_cost=0)``
    A decision or approval step is done by ``to_role``, usually the role doing the work before it
    (CRM: ``quote_approval`` from sales_manager + pricing to account_exec): no escalation queue,
    and no hand-off when the previous step is done by the same role.
``change_staffing(model, role, *, headcount, one_off_cost=0)``
    A role's headcount; refused below what one of its steps needs at once.

Search space and canonical order
--------------------------------
``SearchSpace.from_dict(config, model)`` (``sim.redesign.space``; config such as
``configs/redesign/crm_sales.yaml``) lists which operator may apply to which step, decision or
role, with bounds, costs and a budget for one-off costs; bad keys raise ``ConfigError`` naming
them. Its ``variables`` are plain decision variables that an optimiser samples without knowing
the operators: ``remove:contract_review`` in {False, True}, ``staffing:legal`` int in [1, 2],
``simplify:onboarding`` float in [0.6, 1.0] (step 0.05), each with the ``baseline`` value that
changes nothing. ``space.sample(suggest)`` builds a choice define-by-run, skipping variables
that conflict with earlier active ones. ``space.apply(model, choice)`` applies the chosen
operators in this canonical order (and, within an operator, in config order):

    remove -> merge -> move_decision -> parallelise -> automate -> simplify -> delegate -> staffing

Structure first, then the work of single steps, then people. Before building anything it refuses
(``RedesignRefused``) a choice whose one-off costs exceed the budget or that combines an operator
with a step another one removes or merges away, or two of automate / simplify / delegate on one
step. ``describe(choice)`` gives the changes in plain words, ``one_off_cost(choice)`` their cost.

An entry of ``remove``, ``automate``, ``simplify`` or ``delegate`` that lists ``steps:`` (two or
more) changes all of them as one choice, its name a label: the passes of one activity in a
calibrated model (``X``, ``X #2``, ``X (last)``), which nobody would automate on one pass and
not on the next. One variable, the one-off cost paid once, one recorded change (its steps in
``parameters["steps"]``); the conflict rules apply to each of its steps.

``staffing_space(model, spread=0.5)`` (``sim.redesign.generate``) writes a search space for a
model that has none (a calibrated model, a BPMN file): every role's headcount within ``spread``
of today's. What may be removed, merged or automated it leaves to the analyst;
``candidates_text(model)`` (``sim.redesign.candidates``) helps: it lists, as YAML comments with
placeholder values, every remove / merge / move_decision / parallelise / automate / simplify
entry that ``SearchSpace.from_dict`` accepts on the model (steps no role does, such as timers,
left out), most time per case first.
"""

from sim.redesign.candidates import Candidate, candidates_text, find_candidates
from sim.redesign.generate import staffing_space
from sim.redesign.graph import done_before, unsatisfied_requirements
from sim.redesign.operators import (
    Check,
    automate_step,
    change_staffing,
    delegate_step,
    merge_steps,
    move_decision,
    parallelise_steps,
    remove_step,
    simplify_step,
)
from sim.redesign.space import CANONICAL_ORDER, SearchSpace, Variable

__all__ = [
    "CANONICAL_ORDER",
    "Candidate",
    "Check",
    "SearchSpace",
    "Variable",
    "automate_step",
    "candidates_text",
    "change_staffing",
    "delegate_step",
    "done_before",
    "find_candidates",
    "merge_steps",
    "move_decision",
    "parallelise_steps",
    "remove_step",
    "simplify_step",
    "staffing_space",
    "unsatisfied_requirements",
]
