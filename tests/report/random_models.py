"""Random, valid, structured process models for report tests (known loops and lanes).

A model is a sequence of top-level blocks: a step, an exclusive choice of short branches that
merge again, a drop-off decision, a rework loop (a decision that goes back to the entry of an
earlier block: that entry is on every path to the decision, so the edge is a true loop), or a
parallel block. ``expected_loops`` lists the loop edges, so tests can check the layout finds
exactly those.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sim.model import ProcessModel, from_dict

VERBS = [
    "Check",
    "Review",
    "Validate",
    "Approve",
    "Prepare",
    "Send",
    "Register",
    "Record",
    "Assess",
    "Calculate",
    "Confirm",
    "Archive",
    "Escalate",
    "Notify",
]
NOUNS = [
    "invoice",
    "purchase order",
    "customer application documents",
    "credit history",
    "claim",
    "delivery note",
    "payment",
    "contract amendment",
    "supplier quotation",
    "risk assessment",
    "prescription",
    "goods receipt",
]
ROLES = [
    "clerk",
    "senior_clerk",
    "manager",
    "accountant",
    "purchasing_agent",
    "warehouse",
    "legal_counsel",
    "call_centre_agent",
    "claims_handler",
    "pharmacist",
]


@dataclass
class Generated:
    model: ProcessModel
    expected_loops: set[tuple[str, str]]


def random_model(
    seed: int,
    *,
    n_blocks: int = 10,
    n_roles: int = 5,
    p_loop: float = 0.2,
    p_parallel: float = 0.12,
    p_xor: float = 0.15,
    p_drop: float = 0.1,
) -> Generated:
    """A valid random model of about ``n_blocks`` blocks (seeded, deterministic)."""
    rng = random.Random(seed)
    roles = ROLES[:n_roles]
    steps: dict[str, dict] = {}
    decisions: dict[str, dict] = {}
    parallels: dict[str, dict] = {}
    ends: dict[str, dict] = {"done": {"success": True}}
    loops: set[tuple[str, str]] = set()
    counter = [0]

    def new_step() -> str:
        counter[0] += 1
        name = f"{rng.choice(VERBS)} {rng.choice(NOUNS)} {counter[0]}"
        r = rng.random()
        if r < 0.12:
            role_spec: dict = {}
        elif r < 0.22:
            role_spec = {"roles": rng.sample(roles, 2) if len(roles) > 1 else [roles[0]]}
        else:
            role_spec = {"role": rng.choice(roles)}
        steps[name] = {
            **role_spec,
            "duration": {"dist": "exponential", "mean": 1.0},
            "next": None,
        }
        return name

    # dangling exits: (dict, key) pairs to point at the next block's entry
    dangling: list[tuple[dict | list, str | int]] = []
    entries: list[str] = []

    def connect(entry: str) -> None:
        for d, k in dangling:
            d[k] = entry
        dangling.clear()

    def seq(n: int) -> tuple[str, list[str]]:
        names = [new_step() for _ in range(n)]
        for a, b in zip(names, names[1:], strict=False):
            steps[a]["next"] = b
        return names[0], names

    first = new_step()
    entries.append(first)
    dangling.append((steps[first], "next"))
    for b in range(n_blocks):
        r = rng.random()
        if r < p_loop and len(entries) >= 2:
            name = f"ok_{b}"
            target = rng.choice(entries[-4:])
            p_back = rng.choice([0.1, 0.2, 0.25, 0.3])
            fwd = [None, 1 - p_back]
            decisions[name] = {"branches": [fwd, [target, p_back]]}
            connect(name)
            loops.add((name, target))
            entries.append(name)
            dangling.append((fwd, 0))
        elif r < p_loop + p_parallel:
            name, join = f"split_{b}", f"join_{b}"
            branches = []
            for _ in range(rng.randint(2, 3)):
                head, names = seq(rng.randint(1, 2))
                steps[names[-1]]["next"] = join
                branches.append(head)
            parallels[name] = {"branches": branches, "join": join, "next": None}
            connect(name)
            entries.append(name)
            dangling.append((parallels[name], "next"))
        elif r < p_loop + p_parallel + p_xor:
            name = f"choice_{b}"
            k = rng.randint(2, 3)
            probs = [round(1 / k, 6)] * (k - 1)
            probs.append(round(1 - sum(probs), 6))
            heads = []
            tails = []
            for _ in range(k):
                head, names = seq(rng.randint(1, 2))
                heads.append(head)
                tails.append(names[-1])
            decisions[name] = {"branches": [list(x) for x in zip(heads, probs, strict=True)]}
            connect(name)
            entries.append(name)
            dangling.extend((steps[t], "next") for t in tails)
        elif r < p_loop + p_parallel + p_xor + p_drop:
            name = f"continue_{b}"
            end = f"dropped_{b}"
            ends[end] = {"success": False}
            p_drop_ = rng.choice([0.05, 0.1, 0.3])
            fwd = [None, 1 - p_drop_]
            decisions[name] = {"branches": [fwd, [end, p_drop_]]}
            connect(name)
            entries.append(name)
            dangling.append((fwd, 0))
        else:
            name = new_step()
            connect(name)
            entries.append(name)
            dangling.append((steps[name], "next"))
    connect("done")
    for d in decisions.values():
        d["branches"] = {t: p for t, p in d["branches"]}
    spec = {
        "name": f"random_{seed}",
        "start": first,
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "roles": {r: {"headcount": 2} for r in roles},
        "steps": steps,
        "decisions": decisions,
        "parallel": parallels,
        "ends": ends,
    }
    return Generated(from_dict(spec), loops)
