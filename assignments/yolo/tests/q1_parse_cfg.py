"""Question 1: parse a darknet config into an ordered list of typed sections."""
import ast
import re

from otter.test_files import test_case

from _checks import as_pairs as _as_pairs
from _checks import expect_raises

OK_FORMAT = False

name = "q1_parse_cfg"
points = 10


def _expect_line_error(parse_cfg, asset, line, what):
    """parse_cfg of a config whose line `line` is malformed: a ValueError saying 'line N', and
    naming no other line (a message naming every line would otherwise pass)."""
    e = expect_raises(ValueError, parse_cfg, f"assets/{asset}", what=f"{asset} has {what} on line {line}")
    message = str(e)
    named = sorted({int(n) for n in re.findall(r"(?<![A-Za-z0-9_])line (\d+)", message)})
    shown = message if len(message) <= 300 else message[:300] + "..."
    assert named == [line], (
        f"{asset} has {what} on line {line}: the ValueError should say 'line {line}' and name no other line, "
        f"it says {shown!r}")


@test_case(points=2)
def test_demo_sections(parse_cfg):
    got = _as_pairs(parse_cfg("assets/parse_demo.cfg"))
    types = [t for t, _ in got]
    expected_types = ["net", "convolutional", "convolutional", "shortcut", "route", "route", "yolo"]
    assert types == expected_types, (
        f"parse_demo.cfg has these sections in this order (comments and blank lines skipped, "
        f"repeats kept): expected {expected_types}, got {types}")
    net = {"width": 64, "height": 64, "channels": 3, "hue": 0.1, "steps": [400, 450], "policy": "steps"}
    assert got[0][1] == net, f"[net] options (spaces around '=' ignored, values typed): expected {net}, got {got[0][1]}"
    conv = {"batch_normalize": 1, "filters": 16, "size": 3, "stride": 1, "pad": 1, "activation": "leaky"}
    assert got[1][1] == conv, f"first [convolutional]: expected {conv}, got {got[1][1]}"
    assert got[4][1] == {"layers": [-1, 0]}, f"'layers = -1, 0' is a list of ints: expected {{'layers': [-1, 0]}}, got {got[4][1]}"
    assert got[5][1] == {"layers": -3}, f"'layers=-3' is a single int: expected {{'layers': -3}}, got {got[5][1]}"
    yolo = {"mask": [0, 1, 2], "anchors": [10, 13, 16, 30, 33, 23], "classes": 80, "num": 3, "jitter": 0.3}
    assert got[6][1] == yolo, f"[yolo] options: expected {yolo}, got {got[6][1]}"


@test_case(points=2)
def test_yolov3_structure(parse_cfg):
    got = _as_pairs(parse_cfg("assets/yolov3.cfg"))
    assert len(got) == 108, f"yolov3.cfg has 108 sections ([net] and 107 layers), got {len(got)}"
    assert got[0][0] == "net" and got[0][1]["width"] == 416 and got[0][1]["height"] == 416, (
        f"the first section is [net] with width=height=416, got {got[0][0]} {got[0][1]}")
    first = {"batch_normalize": 1, "filters": 32, "size": 3, "stride": 1, "pad": 1, "activation": "leaky"}
    assert got[1] == ("convolutional", first), f"layer 0: expected ('convolutional', {first}), got {got[1]}"
    assert got[87] == ("route", {"layers": [-1, 61]}), (
        f"layer 86 joins the upsampled map with layer 61: expected ('route', {{'layers': [-1, 61]}}), got {got[87]}")
    last_type, last = got[-1]
    assert last_type == "yolo" and last.get("mask") == [0, 1, 2] and len(last.get("anchors", [])) == 18, (
        f"the last section is [yolo] with mask [0, 1, 2] and 18 anchor numbers, got {got[-1]}")


@test_case(points=2)
def test_errors(parse_cfg):
    # a valid config first: the smallest one, one section with one option
    got = _as_pairs(parse_cfg("assets/edge_one_option.cfg"))
    assert got == [("net", {"width": 1})], (
        f"edge_one_option.cfg ('[net]' then 'width=1'): expected [('net', {{'width': 1}})], got {got}")
    for asset, line, what in [("broken_header.cfg", 3, "a header without ']'"),
                              ("broken_option.cfg", 6, "an option without '='"),
                              ("orphan_option.cfg", 2, "an option before any section")]:
        _expect_line_error(parse_cfg, asset, line, what)
    expect_raises(FileNotFoundError, parse_cfg, "assets/no_such.cfg", what="a missing file")


def _oracle(path):
    """An independent reader: regular expressions for the two kinds of line, and values typed by
    Python's literal syntax ('-1, 61' is a tuple there, so it becomes a list)."""
    sections = []
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.fullmatch(r"\[(.+)\]", line)
        if header:
            sections.append((header.group(1), {}))
            continue
        key, value = (part.strip() for part in re.fullmatch(r"([^=]+)=(.+)", line).groups())
        try:
            typed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            typed = value
        sections[-1][1][key] = list(typed) if isinstance(typed, tuple) else typed
    return sections


@test_case(points=2, hidden=True)
def test_against_plain_parser(parse_cfg):
    for asset in ("yolov3.cfg", "yolov3-tiny.cfg", "small.cfg", "plant.cfg"):
        want = _oracle(f"assets/{asset}")
        got = _as_pairs(parse_cfg(f"assets/{asset}"))
        assert len(got) == len(want), f"{asset}: expected {len(want)} sections, got {len(got)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, f"{asset}, section {i}: expected {w}, got {g}"
    # whitespace and comments anywhere the docstring allows them; line numbers count every line
    got = _as_pairs(parse_cfg("assets/edge_spaces.cfg"))
    want = [("net", {"a": 1.5, "b": ["x", "y"]}), ("yolo", {"mask": 6}), ("x", {}), ("yolo", {})]
    assert got == want, (
        f"edge_spaces.cfg (indented lines, tabs, a one-letter section, an empty last section): "
        f"expected {want}, got {got}")
    for asset, line, what in [("edge_empty_header.cfg", 3, "a header with an empty name"),
                              ("edge_empty_key.cfg", 3, "an option with an empty key"),
                              ("edge_empty_value.cfg", 4, "an option with an empty value"),
                              ("edge_bare_word.cfg", 3, "a line that is neither a header nor key=value"),
                              ("edge_late_orphan.cfg", 4, "an option before any section"),
                              ("edge_unclosed_first.cfg", 1, "a header without ']'")]:
        _expect_line_error(parse_cfg, asset, line, what)


@test_case(points=2, hidden=True)
def test_values_typed(parse_cfg):
    net = dict(_as_pairs(parse_cfg("assets/yolov3.cfg"))[0][1])
    for key, kind in [("batch", int), ("decay", float), ("hue", float), ("policy", str), ("steps", list),
                      ("scales", list)]:
        assert isinstance(net.get(key), kind), (
            f"[net] {key} should be parsed as {kind.__name__}, got {net.get(key)!r}")
    assert net["scales"] == [0.1, 0.1] and net["steps"] == [400000, 450000], (
        f"expected steps [400000, 450000] and scales [0.1, 0.1], got {net['steps']} and {net['scales']}")
    tiny = _as_pairs(parse_cfg("assets/yolov3-tiny.cfg"))
    pools = [opts for t, opts in tiny if t == "maxpool"]
    assert [p["stride"] for p in pools] == [2, 2, 2, 2, 2, 1], (
        f"yolov3-tiny's six maxpools have strides [2, 2, 2, 2, 2, 1], got {[p.get('stride') for p in pools]}")
