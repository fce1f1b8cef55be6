"""Question 3: count parameters from the config alone."""
from otter.test_files import test_case

OK_FORMAT = False

name = "q3_count_params"
points = 8


def _check(got, want, what):
    got = {k: got.get(k) for k in want} if isinstance(got, dict) else got
    assert got == want, f"{what}: expected {want}, got {got}"


@test_case(points=3)
def test_yolov3_count(count_parameters, parse_cfg):
    _check(count_parameters(parse_cfg("assets/yolov3.cfg")),
           {"total": 62001757, "trainable": 61949149, "non_trainable": 52608}, "yolov3.cfg")


@test_case(points=2)
def test_tiny_count(count_parameters, parse_cfg):
    # 13 convs, 11 with batch norm over 16+32+...+1024 + 256+512+128+256 = 3184 filters
    _check(count_parameters(parse_cfg("assets/yolov3-tiny.cfg")),
           {"total": 8858734, "trainable": 8858734 - 6368, "non_trainable": 6368}, "yolov3-tiny.cfg")


@test_case(points=2, hidden=True)
def test_small_by_hand(count_parameters, parse_cfg):
    # small.cfg, conv by conv: k*k*c*f (+4f with batch norm, +f bias without)
    convs = [(3, 3, 8, True), (3, 8, 16, True), (1, 16, 8, True), (3, 8, 16, True), (3, 16, 32, True),
             (1, 32, 21, False), (1, 16, 8, True), (3, 24, 16, True), (1, 16, 21, False)]
    total = sum(k * k * c * f + (4 * f if bn else f) for k, c, f, bn in convs)
    non_trainable = sum(2 * f for _, _, f, bn in convs if bn)
    _check(count_parameters(parse_cfg("assets/small.cfg")),
           {"total": total, "trainable": total - non_trainable, "non_trainable": non_trainable},
           "small.cfg (routes to a negative and an absolute layer)")


@test_case(points=1, hidden=True)
def test_unknown_section(count_parameters):
    try:
        count_parameters([("net", {"channels": 3}), ("softmax", {"groups": 1})])
    except ValueError:
        pass
    else:
        raise AssertionError("a [softmax] section is not supported: expected ValueError")
