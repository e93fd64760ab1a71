"""What an outsider can work out from published tables: the linear algebra behind suppression.

The published tables are treated as one system of cells tied by linear relations: a total equals the
sum of its parts (a margin such as program -> all programs, a partition such as pairs by status), and
one figure shown in two tables is one unknown. A hidden cell is *exposed* when the published cells
pin it to a single value, either by elimination (it is a fixed combination of published figures: the
null space of the relations restricted to the hidden cells has no component along it) or, failing
that, by bounds: counts are non-negative, and a table can say more (a row marked suppressed is under
the threshold; a row whose estimate is shown has at least the threshold). For the bounds, each
hidden cell's smallest and largest feasible values come from a linear programme over its connected
component; when no other whole number fits between them the cell is exposed.

The publication gate (``mentorship.publication``) uses ``exposed`` to choose complementary
suppressions until no primary cell is exposed; the disclosure auditor (``audit``) uses it as an
attacker would, on the published files alone. Plain numpy and scipy; no Dagster, no pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: A relation is a list of (cell index, coefficient) whose weighted sum is zero: a total is -1, parts +1.
Relation = list[tuple[int, float]]

_TOL = 1e-7


@dataclass
class System:
    """Cells (their values, what is hidden, the bounds an outsider knows) and the relations tying them."""

    value: np.ndarray  # true values for the gate; published values (NaN where hidden) for the auditor
    hidden: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    relations: list[Relation] = field(default_factory=list)

    @classmethod
    def of(cls, value, hidden, lower=None, upper=None, relations=()) -> System:
        value = np.asarray(value, dtype=float)
        n = len(value)
        return cls(
            value=value,
            hidden=np.asarray(hidden, dtype=bool).copy(),
            lower=np.zeros(n) if lower is None else np.asarray(lower, dtype=float),
            upper=np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float),
            relations=[list(r) for r in relations],
        )


def components(system: System) -> list[tuple[np.ndarray, list[int]]]:
    """The hidden cells split into groups no relation connects, each with the relations touching it."""
    hidden = np.flatnonzero(system.hidden)
    parent = {int(i): int(i) for i in hidden}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    touching = []
    for r, rel in enumerate(system.relations):
        cells = [i for i, _ in rel if system.hidden[i]]
        if not cells:
            continue
        touching.append(r)
        root = find(cells[0])
        for c in cells[1:]:
            other = find(c)
            if other != root:
                parent[other] = root
    groups: dict[int, list[int]] = {}
    for i in hidden:
        groups.setdefault(find(int(i)), []).append(int(i))
    rels: dict[int, list[int]] = {}
    for r in touching:
        first = next(i for i, _ in system.relations[r] if system.hidden[i])
        rels.setdefault(find(first), []).append(r)
    return [(np.array(sorted(cells)), rels.get(root, [])) for root, cells in groups.items()]


def component_of(system: System, i: int, member: dict[int, list[int]]) -> tuple[np.ndarray, list[int]]:
    """The hidden cells connected to hidden cell ``i`` through relations, and those relations."""
    cells, rels, frontier = {i}, set(), [i]
    while frontier:
        nxt = []
        for c in frontier:
            for r in member.get(c, []):
                if r in rels:
                    continue
                rels.add(r)
                for j, _ in system.relations[r]:
                    if system.hidden[j] and j not in cells:
                        cells.add(j)
                        nxt.append(j)
        frontier = nxt
    return np.array(sorted(cells)), sorted(rels)


def _equations(system: System, cells: np.ndarray, rels: list[int]) -> tuple[np.ndarray, np.ndarray]:
    col = {int(c): j for j, c in enumerate(cells)}
    a = np.zeros((len(rels), len(cells)))
    b = np.zeros(len(rels))
    for row, r in enumerate(rels):
        for i, coef in system.relations[r]:
            if system.hidden[i]:
                a[row, col[i]] += coef
            else:
                b[row] -= coef * system.value[i]
    return a, b


def exposed(
    system: System,
    bounds: bool = False,
    only: np.ndarray | None = None,
    parts: list[tuple[np.ndarray, list[int]]] | None = None,
) -> dict[int, float]:
    """Hidden cells the published ones pin to one value, with that value.

    ``only`` (a boolean mask) limits the bounds search to those cells (the gate asks about primary
    cells only); elimination is cheap and always covers every hidden cell. ``parts`` limits the work
    to those components (``component_of``).
    """
    out: dict[int, float] = {}
    for cells, rels in components(system) if parts is None else parts:
        if not rels:
            continue
        a, b = _equations(system, cells, rels)
        # Elimination: x_j is fixed by A x = b exactly when no direction in A's null space moves it.
        _, sv, vt = np.linalg.svd(a, full_matrices=True)
        rank = int((sv > _TOL * max(1.0, sv.max(initial=0))).sum())
        null = vt[rank:].T
        fixed = np.abs(null).max(axis=1, initial=0) < 1e-9 if null.size else np.ones(len(cells), bool)
        if fixed.any() and np.isfinite(b).all():
            solution = np.linalg.lstsq(a, b, rcond=None)[0]
            for j in np.flatnonzero(fixed):
                out[int(cells[j])] = float(solution[j])
        if not bounds or not np.isfinite(b).all():
            continue
        ask = [j for j in range(len(cells)) if not fixed[j] and (only is None or only[cells[j]])]
        if ask:
            for j, v in _pinned(a, b, system.lower[cells], system.upper[cells], ask).items():
                out[int(cells[j])] = v
    return out


def _pinned(a, b, lower, upper, ask) -> dict[int, float]:
    """Cells whose feasible range under A x = b and the bounds holds a single whole number."""
    from scipy.optimize import linprog

    n = a.shape[1]
    box = list(zip(lower, [None if not np.isfinite(u) else u for u in upper]))
    out = {}
    for j in ask:
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(n)
            c[j] = sign
            res = linprog(c, A_eq=a, b_eq=b, bounds=box, method="highs")
            if res.status != 0:  # infeasible or unbounded: the relations do not pin anything here
                break
            ends.append(sign * res.fun)
        if len(ends) == 2 and np.floor(ends[1] + 1e-6) <= np.ceil(ends[0] - 1e-6):
            out[j] = float(round(ends[0]))
    return out


def protect(
    system: System, primary: np.ndarray, cost: np.ndarray | None = None, max_rounds: int = 10_000, bounds: bool = False
) -> np.ndarray:
    """Complementary suppression: hide more cells until no primary cell is exposed.

    First no relation may keep a single hidden cell (``_no_singletons``); then, for each primary cell
    elimination still pins, it hides the published cell of least ``cost`` (``default_cost``) whose blank
    protects it, searched outwards from it. Greedy: it can hide more than the fewest cells possible,
    never fewer than safe. Returns the hidden mask.
    """
    primary = np.asarray(primary, dtype=bool)
    system.hidden |= primary
    cost = default_cost(system) if cost is None else np.asarray(cost, float)
    member: dict[int, list[int]] = {}
    for r, rel in enumerate(system.relations):
        for i, _ in rel:
            member.setdefault(i, []).append(r)
    for _ in range(max_rounds):
        _no_singletons(system, cost)
        found = sorted(i for i in exposed(system, bounds=bounds, only=primary) if primary[i])
        if not found:
            return system.hidden
        for n, i in enumerate(found):
            if n and not _still_exposed(system, i, member, bounds):  # an earlier blank this round protected it
                continue
            pick = _complement(system, i, member, cost, bounds)
            if pick is None:
                raise RuntimeError(f"cell {i} cannot be protected: every cell related to it is hidden already")
            system.hidden[pick] = True
    raise RuntimeError("complementary suppression did not settle")


def _no_singletons(system: System, cost: np.ndarray) -> None:
    """The classic first pass: no relation may hold exactly one hidden cell (that cell would be its
    total minus the rest, or, in a link, the figure shown elsewhere), whether that cell is under k or
    hidden to protect one that is. Cheap, and enough for most tables; elimination catches the rest."""
    changed = True
    while changed:
        changed = False
        for rel in system.relations:
            hidden = [i for i, _ in rel if system.hidden[i]]
            if len(hidden) != 1:
                continue
            shown = [j for j, _ in rel if not system.hidden[j]]
            if shown:
                system.hidden[min(shown, key=lambda j: (cost[j], j))] = True
                changed = True


def _still_exposed(system: System, i: int, member, bounds: bool = False) -> bool:
    only = np.zeros(len(system.value), bool)
    only[i] = True
    return i in exposed(system, bounds=bounds, only=only, parts=[component_of(system, i, member)])


def _complement(system: System, i: int, member, cost, bounds: bool = False) -> int | None:
    """The cheapest published cell whose blank leaves cell ``i`` unexposed, searched outwards relation by
    relation (a blank one relation away can close the loop a nearer one leaves open: the fourth corner
    of a rectangle); failing that, the cheapest published cell nearest to ``i``, which still makes
    progress."""
    seen, frontier, levels = {i}, [i], []
    while frontier:
        level, nxt = [], []
        for c in frontier:
            for r in member.get(c, []):
                for j, _ in system.relations[r]:
                    if j not in seen:
                        seen.add(j)
                        nxt.append(j)
                        if not system.hidden[j]:
                            level.append(j)
        levels.append(sorted(level, key=lambda j: (cost[j], j)))
        frontier = nxt
    tries = 0
    for level in levels[:_DEPTH]:
        for j in level:
            if tries >= _TRIES:
                break
            tries += 1
            system.hidden[j] = True
            still = _still_exposed(system, i, member, bounds)
            system.hidden[j] = False
            if not still:
                return j
    for level in levels:
        if level:
            return level[0]
    return None


#: How far out (relations) and how many candidates ``protect`` tries before settling for the cheapest.
_DEPTH = 3
_TRIES = 12


def default_cost(system: System) -> np.ndarray:
    """Blank small counts first and totals last: a total is the figure readers use most. Zeros cost the
    most, since a hidden zero protects little once an outsider knows counts are not negative."""
    cost = np.where(system.value > 0, system.value, np.inf).astype(float)
    for rel in system.relations:
        if len(rel) > 2:
            for j, coef in rel:
                if coef < 0:
                    cost[j] = cost[j] * 10
    return cost
