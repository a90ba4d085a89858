"""The map layout's ordering and row placement as they were before they were made fast
(commit 2412c45, scalar Python): the reference that ``test_layout.py`` holds the fast code to.
The same orders, crossing counts and rows are expected, on every input; only the time differs
(minutes on a map of 100+ activities)."""

from __future__ import annotations

from collections import defaultdict

from sim.report.layout import _apply_glue, _initial_order, _Item, initial_rows, lane_cells


def sweep(
    order: list[list[int]],
    items: list[_Item],
    nb: dict[int, list[int]],
    layers: range,
    ref_offset: int,
) -> None:
    for L in layers:
        ref = {v: k for k, v in enumerate(order[L + ref_offset])}
        groups: dict[int, list[int]] = defaultdict(list)
        for i in order[L]:
            if items[i].glued_to is None:
                groups[items[i].lane].append(i)
        new: list[int] = []
        for lane in sorted(groups):
            grp = groups[lane]
            keyed = []
            free_slots = []
            for k, i in enumerate(grp):
                ns = [ref[n] for n in nb.get(i, ()) if n in ref]
                if ns:
                    keyed.append((sum(ns) / len(ns), k, i))
                else:
                    free_slots.append(k)
            keyed.sort()
            slots = [None] * len(grp)
            for k in free_slots:
                slots[k] = grp[k]
            it = iter(keyed)
            for k in range(len(grp)):
                if slots[k] is None:
                    slots[k] = next(it)[2]
            new += slots  # type: ignore[arg-type]
        glued = [i for i in order[L] if items[i].glued_to is not None]
        order[L] = _apply_glue(new + glued, items)


def count_crossings(order: list[list[int]], links: list[tuple[int, int]], items) -> int:
    pos = {}
    for seq in order:
        for k, i in enumerate(seq):
            pos[i] = k
    by_layer: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for a, b in links:
        by_layer[items[a].layer].append((pos[a], pos[b]))
    return sum(inversions(pairs) for pairs in by_layer.values())


def inversions(pairs: list[tuple[int, int]]) -> int:
    """Crossings between the links of one layer: pairs ``(a1, b1)``, ``(a2, b2)`` with
    ``a1 < a2`` and ``b1 > b2`` (links sharing an end do not cross). Sorted by ``(a, b)``, that
    is the number of strict inversions of the ``b`` sequence, counted with a Fenwick tree in
    O(E log E) (Barth, Juenger & Mutzel 2004); pair by pair it took minutes on a map of 100
    activities (QA 2026-12-04: a calibrate report never finished)."""
    pairs = sorted(pairs)
    ranks = {b: r for r, b in enumerate(sorted({b for _a, b in pairs}), start=1)}
    tree = [0] * (len(ranks) + 1)
    total = 0
    for seen, (_a, b) in enumerate(pairs):
        r = ranks[b]
        k, at_most = r, 0  # earlier links ending at or above b's rank
        while k:
            at_most += tree[k]
            k -= k & -k
        total += seen - at_most  # earlier links ending strictly below: they cross this one
        k = r
        while k < len(tree):
            tree[k] += 1
            k += k & -k
    return total


def transpose(
    order: list[list[int]],
    items: list[_Item],
    left_nb: dict[int, list[int]],
    right_nb: dict[int, list[int]],
    anchors: set[int],
) -> None:
    """Swap neighbours in a cell while that removes crossings (loop channels stay put)."""
    pos: dict[int, int] = {}
    for seq in order:
        for k, i in enumerate(seq):
            pos[i] = k

    def cross(u: int, v: int) -> int:  # crossings between u's and v's edges, u above v
        c = 0
        for nb in (left_nb, right_nb):
            for a in nb.get(u, ()):
                for b in nb.get(v, ()):
                    if pos[a] > pos[b]:
                        c += 1
        return c

    for _ in range(4):
        improved = False
        for seq in order:
            for k in range(len(seq) - 1):
                u, v = seq[k], seq[k + 1]
                if items[u].lane != items[v].lane:
                    continue
                if u in anchors or v in anchors or items[u].glued_to is not None:
                    continue
                if items[v].glued_to is not None:
                    continue
                if cross(v, u) < cross(u, v):
                    seq[k], seq[k + 1] = v, u
                    pos[u], pos[v] = k + 1, k
                    improved = True
        if not improved:
            break


def crossing_reduction(
    items: list[_Item],
    links: list[tuple[int, int]],
    left_nb: dict[int, list[int]],
    right_nb: dict[int, list[int]],
    n_layers: int,
    n_lanes: int,
    iterations: int,
) -> list[list[int]]:
    order = _initial_order(items, n_layers)
    best = [list(s) for s in order]
    best_c = count_crossings(order, links, items)
    anchors = {it.glued_to for it in items if it.glued_to is not None}
    for _ in range(iterations):
        sweep(order, items, left_nb, range(1, n_layers), -1)
        sweep(order, items, right_nb, range(n_layers - 2, -1, -1), +1)
        transpose(order, items, left_nb, right_nb, anchors)
        c = count_crossings(order, links, items)
        if c < best_c:
            best, best_c = [list(s) for s in order], c
        if best_c == 0:
            break
    return best


# ------------------------------------------------------------------------------------- rows
def assign_rows(
    items: list[_Item],
    order: list[list[int]],
    left_nb: dict[int, list[int]],
    right_nb: dict[int, list[int]],
    n_lanes: int,
) -> tuple[dict[int, int], list[int]]:
    """Rows within each lane: cells keep their order; chains stay as straight as possible."""
    cells, n_rows, n_glued = lane_cells(items, order, n_lanes)
    # every item is in a cell (the order holds every item), so every item has a start row
    rows = {i: int(r) for i, r in enumerate(initial_rows(items, cells, n_glued))}
    n_layers = len(order)

    def place(cell: list[int], lane: int) -> None:
        K = n_rows[lane]
        # blocks: glued loop points + their anchor move together
        blocks: list[list[int]] = []
        for i in cell:
            if blocks and items[blocks[-1][-1]].glued_to is not None:
                blocks[-1].append(i)
            else:
                blocks.append([i])
        want = []
        weight = []
        for i in cell:
            ns = [
                rows[n]
                for n in (*left_nb.get(i, ()), *right_nb.get(i, ()))
                if items[n].lane == lane
            ]
            want.append(sum(ns) / len(ns) if ns else float(rows[i]))
            # items with more neighbours in the lane (the main line) bend less
            weight.append(max(1, len(ns)) * (0.5 if items[i].node is None else 1.0))
        starts = place_blocks([len(b) for b in blocks], want, weight, K)
        for j, blk in enumerate(blocks):
            for t, i in enumerate(blk):
                rows[i] = starts[j] + t

    for _ in range(4):
        for L in list(range(n_layers)) + list(range(n_layers - 1, -1, -1)):
            for lane in range(n_lanes):
                cell = cells.get((L, lane))
                if cell:
                    place(cell, lane)
    return rows, n_rows


def place_blocks(sizes: list[int], want: list[float], weight: list[float], K: int) -> list[int]:
    """Start rows of consecutive blocks of ``sizes`` rows in ``[0, K)`` (the scalar programme)."""
    # dp over blocks: start row of each block, strictly increasing, within [0, K)
    offs = [sum(sizes[:j]) for j in range(len(sizes))]
    INF = float("inf")
    nb_ = len(sizes)
    cost = [[INF] * K for _ in range(nb_)]
    arg = [[-1] * K for _ in range(nb_)]
    # the previous block's best start at or below each row (a running minimum: the DP is
    # O(blocks x rows), where a scan per row made it cubic and a map of 100 activities
    # took minutes; QA 2026-12-04)
    low = [INF] * K
    low_arg = [-1] * K
    for j in range(nb_):
        for r in range(K - sizes[j] + 1):
            c_own = sum(
                weight[offs[j] + t] * abs(r + t - want[offs[j] + t]) for t in range(sizes[j])
            )
            c_own += 1e-3 * r  # prefer the upper rows when free
            if j == 0:
                cost[j][r] = c_own
                continue
            top = r - sizes[j - 1]
            if top >= 0 and low_arg[top] >= 0:
                cost[j][r] = low[top] + c_own
                arg[j][r] = low_arg[top]
        best, barg = INF, -1
        for r in range(K):  # the first row of the minimum, as the scan it replaces took
            if cost[j][r] < best:
                best, barg = cost[j][r], r
            low[r], low_arg[r] = best, barg
    r = min(range(K), key=lambda rr: cost[nb_ - 1][rr])
    starts = [0] * nb_
    for j in range(nb_ - 1, -1, -1):
        starts[j] = r
        r = arg[j][r]
    return starts
