"""From candidates to mutants: apply one change to the solution's text, check it, pick up to a cap.

A candidate becomes a mutant when the edited source parses, compiles, and its function's syntax
tree is exactly the original with that one node replaced (so the text edit did what the
operator meant), and no earlier mutant has the same code. Anything else is discarded, never
counted. Selection is deterministic for a given solution, seed and cap: each function's
candidates are shuffled by family with a seeded RNG, the families interleaved, and functions
taken round-robin, so every function gets mutants before any gets many.
"""

from __future__ import annotations

import ast
import copy
import difflib
import random
from dataclasses import dataclass

from .discover import Target, functions
from .operators import Candidate, candidates


@dataclass
class Mutant:
    ident: str
    function: str
    family: str
    what: str
    line: int          # absolute line of the change in the solution
    source: str        # the whole mutated module
    diff: str          # unified diff against the solution


class _Text:
    def __init__(self, source: str):
        self.data = source.encode("utf-8")
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def off(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.off(node.lineno, node.col_offset), self.off(node.end_lineno, node.end_col_offset)

    def text(self, a: int, b: int) -> str:
        return self.data[a:b].decode("utf-8")


def _edits(text: _Text, cand: Candidate, mode: str) -> list[tuple[int, int, str]] | None:
    if mode != "preferred":
        a, b = text.span(cand.node)
        new = ast.unparse(cand.new)
        return [(a, b, f"({new})" if mode == "paren" else new)]
    out = []
    for where, what in cand.edits:
        if isinstance(where, tuple) and where[0] == "gap":
            a, b = text.off(where[1].end_lineno, where[1].end_col_offset), text.off(where[2].lineno, where[2].col_offset)
            gap = text.text(a, b)
            old, new = what
            if "#" in gap or old not in gap:
                return None
            out.append((a, b, gap.replace(old, new, 1)))
        elif isinstance(where, tuple) and where[0] == "stmt":
            node = where[1]
            a, b = text.span(node)
            line_start = text.off(node.lineno, 0)
            line_end = text.starts[node.end_lineno] if node.end_lineno < len(text.starts) else len(text.data)
            before, after = text.text(line_start, a), text.text(b, line_end)
            if before.strip() or (after.strip() and not after.strip().startswith("#")):
                return None  # shares a line with other code (`a; b`, `if x: y`): use the generic edit
            out.append((a, b, what))
        else:
            a, b = text.span(where)
            if isinstance(what, tuple) and what[0] == "segment":
                what = text.text(*text.span(what[1]))
            out.append((a, b, what))
    return out


def _apply(text: _Text, edits: list[tuple[int, int, str]]) -> str:
    data = text.data
    for a, b, new in sorted(edits, reverse=True):
        data = data[:a] + new.encode("utf-8") + data[b:]
    return data.decode("utf-8")


def _expected(func: ast.AST, cand: Candidate) -> str:
    tree = copy.deepcopy(func)
    nodes = list(ast.walk(tree))
    old = nodes[cand.index]
    for parent in nodes:
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, copy.deepcopy(cand.new))
                return ast.dump(tree)
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if item is old:
                        value[k] = copy.deepcopy(cand.new)
                        return ast.dump(tree)
    raise AssertionError("candidate node not found in its function")


def materialize(source: str, func: ast.AST, cand: Candidate, text: _Text | None = None) -> tuple[str, str] | None:
    """(mutated module source, dump of the mutated function), or None when no edit gives exactly
    the intended tree or the result does not compile."""
    text = text or _Text(source)
    want = _expected(func, cand)
    if want == ast.dump(func):
        return None  # a change that changes nothing
    for mode in ("preferred", "plain", "paren"):
        if mode == "preferred" and not cand.edits:
            continue
        edits = _edits(text, cand, mode)
        if edits is None:
            continue
        mutated = _apply(text, edits)
        try:
            tree = ast.parse(mutated)
            compile(tree, "<mutant>", "exec")
        except (SyntaxError, ValueError):
            continue
        got = functions(tree).get(cand.target.name)
        if got is not None and ast.dump(got) == want:
            return mutated, want
    return None


def _order(cands: list[Candidate], rng: random.Random) -> list[Candidate]:
    by_family: dict[str, list[Candidate]] = {}
    for c in cands:
        by_family.setdefault(c.family, []).append(c)
    families = sorted(by_family)
    rng.shuffle(families)
    for f in families:
        rng.shuffle(by_family[f])
    ordered = []
    while any(by_family[f] for f in families):
        for f in families:
            if by_family[f]:
                ordered.append(by_family[f].pop(0))
    return ordered


def all_candidates(tree: ast.Module, targets: list[Target]) -> dict[str, list[Candidate]]:
    funcs = functions(tree)
    return {t.name: candidates(funcs[t.name], t) for t in targets}


def generate(source: str, targets: list[Target], cap: int, seed: int, path: str = "solution.py") -> list[Mutant]:
    tree = ast.parse(source)
    funcs = functions(tree)
    text = _Text(source)
    queues = {t.name: _order(candidates(funcs[t.name], t), random.Random(f"{seed}/{t.name}")) for t in targets}
    seen: set[str] = set()
    mutants: list[Mutant] = []
    while len(mutants) < cap and any(queues.values()):
        for t in targets:
            if len(mutants) >= cap:
                break
            queue = queues[t.name]
            while queue:
                cand = queue.pop(0)
                made = materialize(source, funcs[t.name], cand, text)
                if made is None or made[1] in seen:
                    continue
                seen.add(made[1])
                mutated = made[0]
                diff = "".join(difflib.unified_diff(source.splitlines(keepends=True), mutated.splitlines(keepends=True),
                                                    f"a/{path}", f"b/{path}", n=2))
                mutants.append(Mutant(cand.ident, t.name, cand.family, cand.what, cand.node.lineno, mutated, diff))
                break
    return mutants
