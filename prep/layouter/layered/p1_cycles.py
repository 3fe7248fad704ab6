"""Phase 1, cycle breaking: a depth-first search in declaration order turns
round the relations that close a cycle, so every edge points to a later rank."""

from __future__ import annotations


def break_cycles(lg) -> None:
    """Edges as (u, v) with u ranked before v: a depth-first search in
    declaration order reverses the edges that close a cycle."""
    n = lg.n_real
    out: list[list[int]] = [[] for _ in range(n)]
    lg.edges = []  # (u, v, edge index, reversed)
    for k, (s, t, _kind, _label) in enumerate(lg.spec.edges):
        u, v = lg.index[s], lg.index[t]
        if u != v:
            out[u].append((v, k))
    reverse = back_edges(out)
    for k, (s, t, _kind, _label) in enumerate(lg.spec.edges):
        u, v = lg.index[s], lg.index[t]
        if u == v:
            continue
        lg.edges.append((v, u, k, True) if k in reverse else (u, v, k, False))


def back_edges(out: list[list[tuple[int, object]]]) -> set:
    """The keys of the edges that close a cycle, found by a depth-first
    search from each node in order (`out[u]`: (v, key) for each edge u -> v,
    in order): the edges to a node still on the search's path."""
    n = len(out)
    state = [0] * n   # 0 not seen, 1 on the path, 2 done
    back: set = set()
    for root in range(n):
        if state[root]:
            continue
        stack = [(root, iter(out[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            for v, k in it:
                if state[v] == 1:
                    back.add(k)
                elif state[v] == 0:
                    state[v] = 1
                    stack.append((v, iter(out[v])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back
