"""The stubs follow docs/CONVENTIONS.md where a program can tell.

Checked from the stubs' source (ast, no import: yolo would pull in TensorFlow): the lecture's
function names and leading arguments, no exercise named after a library function the lecture
imports, the shared operations' signatures, one LAPLACIAN, and the dtypes docstrings name.
"""
import ast
import re
from pathlib import Path

import pytest
import scipy.signal

ROOT = Path(__file__).resolve().parents[1]
SLUGS = ["image_tensors", "convolution", "activations", "pooling", "classifier_swap", "yolo"]

# Checks an assignment still fails while another engineer brings it in line (issue 14).
# Non-strict so the suite stays green meanwhile; an XPASS means the entry can go.
PENDING = {
}

# (slug, function, leading positional parameters as the lecture writes them)
LECTURE_FUNCTIONS = [
    ("activations", "sigmoid", ["x"]),
    ("activations", "relu", ["x"]),
    ("activations", "leaky_relu", ["x"]),
    ("pooling", "max_pool", ["x", "pool_size"]),
    ("pooling", "average_pool", ["x", "pool_size"]),
    ("classifier_swap", "resize_and_crop_image", ["image_path", "width", "height"]),
]

# Shared operations (CONVENTIONS.md section 5): exact parameter names and defaults.
SHARED = [
    ("image_tensors", "load_image", "(path)"),
    ("image_tensors", "resize_and_crop", "(image, size=224)"),
    ("image_tensors", "thumbnail", "(image, size=224)"),
    ("image_tensors", "to_greyscale", "(image)"),
    ("classifier_swap", "resize_and_crop_image", "(image_path, width, height)"),
    ("convolution", "load_grey", "(path)"),
    ("convolution", "laplacian_edges", "(grey)"),
]

# Names a lecture snippet imports, plus every public function of scipy.signal (where the
# lecture's convolve2d lives): an exercise with one of these names shadows the library.
LECTURE_IMPORTS = {"convolve2d", "block_reduce", "img_to_array", "preprocess_input",
                   "decode_predictions", "load_model", "VGG16", "Image", "ImageOps", "HTML"}
LIBRARY_NAMES = LECTURE_IMPORTS | {n for n in dir(scipy.signal) if not n.startswith("_")}

DTYPE_WORDS = {"uint8", "uint16", "int8", "int16", "int32", "int64", "float16", "float32",
               "float64", "bool"}
# Words that look like dtypes but are not numpy's (a slip such as "float" alone is allowed:
# it means "a float dtype", explained by section 3's rule).
BAD_DTYPE = re.compile(r"\b(uint(?!8\b|16\b)\d+|int(?!8\b|16\b|32\b|64\b)\d+|float(?!16\b|32\b|64\b)\d+)\b")


def _module(slug):
    path = ROOT / "assignments" / slug / f"{slug}.py"
    return ast.parse(path.read_text(), filename=str(path))


def _functions(slug):
    return {node.name: node for node in _module(slug).body if isinstance(node, ast.FunctionDef)}


def _mark(slug, check):
    if slug in PENDING.get(check, ()):
        return pytest.mark.xfail(reason=f"{slug} is being brought in line with docs/CONVENTIONS.md", strict=False)
    return ()


def _signature(node):
    """'(a, b=1)' from a FunctionDef, as written."""
    args = node.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    parts = [a.arg if d is None else f"{a.arg}={ast.unparse(d)}" for a, d in zip(positional, defaults)]
    if args.vararg:
        parts.append("*" + args.vararg.arg)
    parts += [a.arg if d is None else f"{a.arg}={ast.unparse(d)}" for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    return "(" + ", ".join(parts) + ")"


def _doc_args(node):
    """{parameter: its description} from the docstring's Args: section."""
    doc = ast.get_docstring(node) or ""
    match = re.search(r"^\s*Args:\n(.*?)(?=^\s*(Returns|Raises|Yields|Example)s?:|\Z)", doc, re.S | re.M)
    if not match:
        return {}
    out, current = {}, None
    for line in match.group(1).splitlines():
        head = re.match(r"\s{4}(\w+)(?:, \w+)*:", line)
        if head:
            current = head.group(1)
            out[current] = line
            for extra in re.findall(r", (\w+)", line.split(":")[0]):
                out[extra] = line
        elif current:
            out[current] += " " + line.strip()
    return out


@pytest.mark.parametrize("slug,name,leading", [pytest.param(*c, marks=_mark(c[0], "lecture"), id=f"{c[0]}.{c[1]}")
                                               for c in LECTURE_FUNCTIONS])
def test_lecture_names_and_leading_arguments(slug, name, leading):
    functions = _functions(slug)
    assert name in functions, f"{slug}.py has no {name}(): the lecture's name for it (CONVENTIONS.md section 1)"
    args = functions[name].args
    positional = [a.arg for a in args.posonlyargs + args.args]
    assert positional[:len(leading)] == leading, (
        f"{slug}.{name} must start with the lecture's arguments {leading}, has {positional}")
    required = len(positional) - len(args.defaults)
    assert required <= len(leading), (
        f"{slug}.{name}: parameters after the lecture's {leading} need defaults so the lecture's call "
        f"works; {positional[len(leading):required]} have none")


@pytest.mark.parametrize("slug,name,signature", [pytest.param(*c, marks=_mark(c[0], "shared"), id=f"{c[0]}.{c[1]}")
                                                 for c in SHARED])
def test_shared_operation_signatures(slug, name, signature):
    functions = _functions(slug)
    assert name in functions, f"{slug}.py has no {name}{signature} (CONVENTIONS.md section 5)"
    assert _signature(functions[name]) == signature, (
        f"{slug}.{name}: expected {name}{signature}, found {name}{_signature(functions[name])}")


@pytest.mark.parametrize("slug", [pytest.param(s, marks=_mark(s, "shadow")) for s in SLUGS])
def test_no_exercise_shadows_a_library_function(slug):
    clashes = sorted(set(_functions(slug)) & LIBRARY_NAMES)
    assert not clashes, (f"{slug}.py defines {clashes}, names of functions the lecture imports or of "
                         "scipy.signal: a student's `from scipy.signal import ...` would be shadowed")


@pytest.mark.parametrize("slug", [pytest.param(s, marks=_mark(s, "dtypes")) for s in SLUGS])
def test_docstring_dtypes_are_numpy_names(slug):
    bad = []
    for name, node in _functions(slug).items():
        for word in BAD_DTYPE.findall(ast.get_docstring(node) or ""):
            bad.append(f"{name}: {word}")
    assert not bad, f"{slug}.py names dtypes numpy does not have: {bad}"


@pytest.mark.parametrize("slug", [pytest.param(s, marks=_mark(s, "image")) for s in SLUGS])
def test_image_arguments_name_their_dtype(slug):
    """A parameter called `image` states its dtype (section 3: uint8 for pictures; "any dtype"
    where the function only moves or weights values)."""
    missing = []
    for name, node in _functions(slug).items():
        params = [a.arg for a in node.args.args]
        if "image" not in params or name.startswith("_"):
            continue
        described = _doc_args(node).get("image", "")
        if not re.search(r"uint8|float(16|32|64)?\b|any (real )?dtype", described):
            missing.append(name)
    assert not missing, f"{slug}.py: the docstring of {missing} does not give the `image` argument's dtype"


@pytest.mark.parametrize("slug", [pytest.param(s, marks=_mark(s, "sizes")) for s in SLUGS])
def test_sizes_documented_height_first(slug):
    """Sizes are (height, width) (section 4): a docstring that writes a "(width, height)" pair
    is about PIL's own API, so it must name PIL (or the lecture's resize_and_crop_image) nearby,
    or darknet's anchors, which keep darknet's order (and say so)."""
    offenders = []
    for name, node in _functions(slug).items():
        doc = ast.get_docstring(node) or ""
        for match in re.finditer(r"\(width, height\)", doc):
            around = doc[max(0, match.start() - 200):match.end() + 200]
            if not re.search(r"PIL|Image\.|ImageOps|size \(width|darknet's\s+(anchor\s+)?order", around):
                offenders.append(name)
    assert not offenders, f"{slug}.py: {sorted(set(offenders))} document a (width, height) size outside PIL's API"


@pytest.mark.parametrize("slug", [pytest.param(s, marks=_mark(s, "scale")) for s in SLUGS])
def test_images_scale_by_255(slug):
    """Section 3: an image becomes [0, 1] by / 255, never / 256 (stub and solution)."""
    for path in (ROOT / "assignments" / slug / f"{slug}.py", ROOT / "solutions" / slug / f"{slug}.py"):
        text = path.read_text()
        assert not re.search(r"/\s*256(\.0*)?\b(?!\s*\*)", text), f"{path.relative_to(ROOT)} divides by 256"


def test_one_laplacian():
    """CONVENTIONS.md section 5: the lecture's edge kernel, the same wherever it is defined."""
    want = [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
    found = 0
    for slug in SLUGS:
        for node in _module(slug).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "LAPLACIAN" for t in node.targets):
                literal = node.value.args[0] if isinstance(node.value, ast.Call) else node.value
                assert ast.literal_eval(literal) == want, f"{slug}.LAPLACIAN differs from the lecture's kernel"
                found += 1
    assert found >= 2, "LAPLACIAN is defined in convolution and activations"


def test_conventions_document_names_the_checked_operations():
    text = (ROOT / "docs" / "CONVENTIONS.md").read_text()
    for _, name, _ in SHARED + [(None, n, None) for _, n, _ in LECTURE_FUNCTIONS]:
        assert f"`{name}(" in text or f"`{name}`" in text, f"docs/CONVENTIONS.md does not name {name}"
