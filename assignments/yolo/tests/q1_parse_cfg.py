"""Question 1: parse a darknet config into an ordered list of typed sections."""
from otter.test_files import test_case

OK_FORMAT = False

name = "q1_parse_cfg"
points = 10


def _as_pairs(sections):
    """Accept (type, options) as tuples or 2-item lists."""
    return [tuple(s) for s in sections]


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
    for asset, line, what in [("broken_header.cfg", 3, "a header without ']'"),
                              ("broken_option.cfg", 6, "an option without '='"),
                              ("orphan_option.cfg", 2, "an option before any section")]:
        try:
            parse_cfg(f"assets/{asset}")
        except ValueError as e:
            assert f"line {line}" in str(e), (
                f"{asset} has {what} on line {line}: the ValueError should say 'line {line}', it says {str(e)!r}")
        else:
            raise AssertionError(f"{asset} has {what} on line {line}: expected ValueError")
    try:
        parse_cfg("assets/no_such.cfg")
    except FileNotFoundError:
        pass
    else:
        raise AssertionError("a missing file: expected FileNotFoundError")


@test_case(points=2, hidden=True)
def test_against_plain_parser(parse_cfg):
    def typed(value):
        if "," in value:
            return [typed(v) for v in value.split(",") if v.strip()]
        value = value.strip()
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                pass
        return value

    def oracle(path):
        sections = []
        for line in open(path):
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                sections.append((line[1:-1], {}))
            else:
                key, value = line.split("=", 1)
                sections[-1][1][key.strip()] = typed(value)
        return sections

    for asset in ("yolov3.cfg", "yolov3-tiny.cfg", "small.cfg", "plant.cfg"):
        want = oracle(f"assets/{asset}")
        got = _as_pairs(parse_cfg(f"assets/{asset}"))
        assert len(got) == len(want), f"{asset}: expected {len(want)} sections, got {len(got)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, f"{asset}, section {i}: expected {w}, got {g}"


@test_case(points=2, hidden=True)
def test_values_typed(parse_cfg):
    net = dict(parse_cfg("assets/yolov3.cfg")[0][1])
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
