"""The mutation operators: every one-change variant of a student-written function's code.

Each Candidate says which node of the function changes (its index in `ast.walk` order), what
node replaces it, and the text edits that make that change in the source, so a mutant keeps
the solution's comments and layout everywhere else and its diff shows one change. Families:

  binop   arithmetic swaps (+ -, * /, // /, ** *, & |), also in `x += ...`
  cmp     comparison swaps (< <=, > >=, == !=, in / not in, is / is not)
  bool    and <-> or, a dropped `not`, a dropped unary minus
  const   integers (and whole floats such as 255.0) one up and one down
  slice   slice bounds one up and one down (a missing bound becomes 1 or -1)
  drop    a statement replaced by `pass` (a check, an assignment, a return...)
  axis    `axis=` one up, one down, 0 for None, or dropped
  dtype   dtype swaps (float32 <-> float64, uint8 -> int64...), `dtype=` or `.astype()` dropped
  copy    `.copy()` / `np.copy()` dropped, `np.array` -> `np.asarray`, `copy=` flipped
  args    two neighbouring positional arguments swapped
  call    min <-> max, floor <-> ceil, argmin <-> argmax, sum <-> mean, any <-> all

Nodes inside f-strings and inside the expression of a `raise` (messages) are left alone: a
changed message is not a wrong answer.
"""

from __future__ import annotations

import ast
import copy
import hashlib
from dataclasses import dataclass, field

from .discover import Target

FAMILIES = ("binop", "cmp", "bool", "const", "slice", "drop", "axis", "dtype", "copy", "args", "call")

BINOP_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
              ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.MatMult: ast.Mult, ast.BitAnd: ast.BitOr,
              ast.BitOr: ast.BitAnd}
CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
            ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
          ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.Lt: "<", ast.LtE: "<=",
          ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in",
          ast.Is: "is", ast.IsNot: "is not", ast.And: "and", ast.Or: "or"}
DTYPE_SWAP = {"float32": "float64", "float64": "float32", "float16": "float32", "uint8": "int64",
              "int64": "int32", "int32": "int64", "uint16": "uint8", "bool_": "uint8", "double": "float32",
              "single": "float64"}
CALL_SWAP = {"min": "max", "max": "min", "amin": "amax", "amax": "amin", "minimum": "maximum",
             "maximum": "minimum", "floor": "ceil", "ceil": "floor", "argmin": "argmax", "argmax": "argmin",
             "sum": "mean", "mean": "sum", "nanmax": "nanmin", "nanmin": "nanmax", "any": "all", "all": "any"}


@dataclass
class Candidate:
    target: Target
    family: str
    index: int                 # of the changed node in list(ast.walk(function))
    node: ast.AST              # the original node
    new: ast.AST               # what replaces it (ast.Pass for a dropped statement)
    edits: list = field(default_factory=list)  # [(node_or_span, text)]: preferred text edits
    what: str = ""             # a short description

    @property
    def ident(self) -> str:
        """Stable while the function's code around the change stays the same: the function, the
        family, the line relative to `def` and the column, and a hash of the change itself."""
        change = f"{ast.dump(self.node)}->{ast.dump(self.new)}"
        h = hashlib.sha256(change.encode()).hexdigest()[:6]
        return f"{self.target.name}.{self.family}.L{self.node.lineno - self.target.lineno}C{self.node.col_offset}.{h}"


def _quiet_nodes(func: ast.AST) -> set[int]:
    """ids of nodes inside messages (f-strings, raise expressions, docstrings)."""
    quiet: set[int] = set()
    for node in ast.walk(func):
        roots = []
        if isinstance(node, ast.JoinedStr):
            roots.append(node)
        elif isinstance(node, ast.Raise):
            roots += [n for n in (node.exc, node.cause) if n is not None]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            roots.append(node.body[0])
        for r in roots:
            quiet.update(id(n) for n in ast.walk(r))
    return quiet


def _name_of(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _src(node: ast.AST) -> str:
    text = ast.unparse(node).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def _int_value(node) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _number(value) -> ast.expr:
    """A literal as the parser builds it: a negative number is a minus applied to a constant."""
    if value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def candidates(func: ast.AST, target: Target) -> list[Candidate]:
    """Every candidate change of `func` inside the target's regions, in source order."""
    out: list[Candidate] = []
    quiet = _quiet_nodes(func)
    nodes = list(ast.walk(func))

    def add(family, i, node, new, what, edits=()):
        out.append(Candidate(target, family, i, node, new, list(edits), what))

    for i, node in enumerate(nodes):
        if id(node) in quiet or not target.covers(node) or node is func:
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAP:
            new = copy.deepcopy(node)
            new.op = BINOP_SWAP[type(node.op)]()
            add("binop", i, node, new, f"`{SYMBOL[type(node.op)]}` -> `{SYMBOL[type(new.op)]}` in `{_src(node)}`",
                [(("gap", node.left, node.right), (SYMBOL[type(node.op)], SYMBOL[type(new.op)]))])
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINOP_SWAP:
            new = copy.deepcopy(node)
            new.op = BINOP_SWAP[type(node.op)]()
            a, b = SYMBOL[type(node.op)] + "=", SYMBOL[type(new.op)] + "="
            add("binop", i, node, new, f"`{a}` -> `{b}` in `{_src(node)}`", [(("gap", node.target, node.value), (a, b))])
        elif isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in CMP_SWAP:
                    new = copy.deepcopy(node)
                    new.ops[k] = CMP_SWAP[type(op)]()
                    left = node.left if k == 0 else node.comparators[k - 1]
                    a, b = SYMBOL[type(op)], SYMBOL[type(new.ops[k])]
                    add("cmp", i, node, new, f"`{a}` -> `{b}` in `{_src(node)}`",
                        [(("gap", left, node.comparators[k]), (a, b))])
        elif isinstance(node, ast.BoolOp):
            new = copy.deepcopy(node)
            new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            a, b = SYMBOL[type(node.op)], SYMBOL[type(new.op)]
            add("bool", i, node, new, f"`{a}` -> `{b}` in `{_src(node)}`",
                [(("gap", x, y), (a, b)) for x, y in zip(node.values, node.values[1:])])
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)) \
                and not isinstance(node.operand, ast.Constant):
            add("bool", i, node, copy.deepcopy(node.operand), f"`{_src(node)}` -> `{_src(node.operand)}`",
                [(node, ("segment", node.operand))])
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(node.value, bool):
            if isinstance(node.value, float) and not float(node.value).is_integer():
                continue
            for delta in (1, -1):
                value = type(node.value)(node.value + delta)
                add("const", i, node, _number(value), f"`{node.value!r}` -> `{value!r}`")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in DTYPE_SWAP:
            add("dtype", i, node, ast.Constant(DTYPE_SWAP[node.value]),
                f"`{node.value!r}` -> `{DTYPE_SWAP[node.value]!r}`")
        elif isinstance(node, ast.Attribute) and node.attr in DTYPE_SWAP and isinstance(node.ctx, ast.Load):
            new = copy.deepcopy(node)
            new.attr = DTYPE_SWAP[node.attr]
            add("dtype", i, node, new, f"`{_src(node)}` -> `{_src(new)}`")
        elif isinstance(node, ast.Slice):
            for part, missing in (("lower", 1), ("upper", -1)):
                bound = getattr(node, part)
                known = _int_value(bound)
                if bound is None:
                    variants = [_number(missing)]
                elif known is not None:  # y[1:] -> y[2:], not y[1 + 1:]
                    variants = [_number(known + 1), _number(known - 1)]
                else:
                    variants = [ast.BinOp(copy.deepcopy(bound), op(), ast.Constant(1)) for op in (ast.Add, ast.Sub)]
                for v in variants:
                    new = copy.deepcopy(node)
                    setattr(new, part, v)
                    add("slice", i, node, new, f"slice `{_src(node)}` -> `{_src(new)}`")
        elif isinstance(node, ast.stmt):
            add("drop", i, node, ast.Pass(), f"drop `{_src(node).split(':')[0] if isinstance(node, (ast.If, ast.For, ast.With, ast.Try, ast.While)) else _src(node)}`",
                [(("stmt", node), "pass")])
        if isinstance(node, ast.Call):
            _call_candidates(add, i, node)
    return out


def _call_candidates(add, i: int, node: ast.Call) -> None:
    name = _name_of(node.func)
    for kw in node.keywords:
        if kw.arg in ("axis", "axes"):
            vals = []
            v = kw.value
            if isinstance(v, ast.Constant) and isinstance(v.value, int) and not isinstance(v.value, bool):
                vals = [_number(v.value + 1), _number(v.value - 1)]
            elif isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub) and isinstance(v.operand, ast.Constant) \
                    and type(v.operand.value) is int:
                vals = [_number(-v.operand.value + 1), _number(-v.operand.value - 1)]
            elif isinstance(v, ast.Constant) and v.value is None:
                vals = [ast.Constant(0)]
            elif isinstance(v, ast.Tuple) and len(v.elts) > 1:
                vals = [ast.Tuple([copy.deepcopy(e) for e in v.elts[:-1]], ast.Load())]
            for val in vals:
                new = copy.deepcopy(node)
                next(k for k in new.keywords if k.arg == kw.arg).value = val
                add("axis", i, node, new, f"`{kw.arg}={_src(v)}` -> `{kw.arg}={_src(val)}` in `{_src(node)}`")
        if kw.arg in ("axis", "axes", "dtype", "copy") and kw.arg is not None:
            new = copy.deepcopy(node)
            new.keywords = [k for k in new.keywords if k.arg != kw.arg]
            family = "axis" if kw.arg in ("axis", "axes") else kw.arg
            add(family, i, node, new, f"drop `{kw.arg}=` from `{_src(node)}`")
        if kw.arg == "copy" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool):
            new = copy.deepcopy(node)
            next(k for k in new.keywords if k.arg == "copy").value = ast.Constant(not kw.value.value)
            add("copy", i, node, new, f"`copy={kw.value.value}` -> `copy={not kw.value.value}`")
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    if name == "astype" and receiver is not None:
        add("dtype", i, node, copy.deepcopy(receiver), f"drop `.astype(...)` from `{_src(node)}`",
            [(node, ("segment", receiver))])
    if name == "copy" and receiver is not None and not node.args and not node.keywords \
            and not (isinstance(receiver, ast.Name) and receiver.id in ("np", "numpy", "copy")):
        add("copy", i, node, copy.deepcopy(receiver), f"drop `.copy()` from `{_src(node)}`",
            [(node, ("segment", receiver))])
    if name == "copy" and len(node.args) == 1 and not node.keywords and isinstance(receiver, ast.Name) \
            and receiver.id in ("np", "numpy"):
        add("copy", i, node, copy.deepcopy(node.args[0]), f"`{_src(node)}` -> `{_src(node.args[0])}`",
            [(node, ("segment", node.args[0]))])
    if name == "array" and isinstance(node.func, ast.Attribute):
        new = copy.deepcopy(node)
        new.func.attr = "asarray"
        add("copy", i, node, new, f"`np.array` -> `np.asarray` in `{_src(node)}`", [(node.func, _src(new.func))])
    if name in CALL_SWAP:
        new = copy.deepcopy(node)
        if isinstance(new.func, ast.Name):
            new.func.id = CALL_SWAP[name]
        else:
            new.func.attr = CALL_SWAP[name]
        add("call", i, node, new, f"`{name}` -> `{CALL_SWAP[name]}` in `{_src(node)}`", [(node.func, ast.unparse(new.func))])
    args = node.args
    if len(args) >= 2 and not any(isinstance(a, ast.Starred) for a in args):
        for k in range(len(args) - 1):
            if ast.dump(args[k]) == ast.dump(args[k + 1]):
                continue
            new = copy.deepcopy(node)
            new.args[k], new.args[k + 1] = new.args[k + 1], new.args[k]
            add("args", i, node, new, f"swap `{_src(args[k])}` and `{_src(args[k + 1])}` in `{_src(node)}`",
                [(args[k], ("segment", args[k + 1])), (args[k + 1], ("segment", args[k]))])
