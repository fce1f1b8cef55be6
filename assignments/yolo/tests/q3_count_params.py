"""Question 3: count parameters from the config alone."""
from otter.test_files import test_case

from _checks import check_counts as _check
from _checks import expect_raises

OK_FORMAT = False

name = "q3_count_params"
points = 8


def _by_hand(convs):
    """Expected counts from (k, c, f, batch_norm) per conv: k*k*c*f weights, then 4f with batch
    norm (half of them non-trainable) or f biases without."""
    total = sum(k * k * c * f + (4 * f if bn else f) for k, c, f, bn in convs)
    non_trainable = sum(2 * f for _, _, f, bn in convs if bn)
    return {"total": total, "trainable": total - non_trainable, "non_trainable": non_trainable}


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
def test_defaults_and_unknown_section(count_parameters):
    # the smallest config: [net] without channels (3), one conv without size or filters (1 and 1)
    _check(count_parameters([("net", {}), ("convolutional", {})]), _by_hand([(1, 3, 1, False)]),
           "[net] with no options, then a [convolutional] with none (darknet's defaults)")
    sections = [("net", {"channels": 1}),
                ("convolutional", {"size": 3, "filters": 2, "batch_normalize": 1}),   # 0: depth 2
                ("maxpool", {"size": 2, "stride": 2}),                                # 1: 2
                ("upsample", {"stride": 2}),                                          # 2: 2
                ("convolutional", {"size": 1, "filters": 1, "batch_normalize": 0}),   # 3: 1
                ("route", {"layers": -3}),                                            # 4: layer 1, 2
                ("route", {"layers": [0, 3]}),                                        # 5: 2 + 1
                ("convolutional", {"filters": 1}),                                    # 6: 1
                ("shortcut", {"from": -3}),                                           # 7: 1
                ("yolo", {"mask": [0]}),                                              # 8: 1
                ("convolutional", {"filters": 2, "batch_normalize": 1})]              # 9: 2
    _check(count_parameters(sections),
           _by_hand([(3, 1, 2, True), (1, 2, 1, False), (1, 3, 1, False), (1, 1, 2, True)]),
           "a 1-channel config with every layer type (route -3 is layer 1; route 0, 3 joins layers 0 and 3)")
    expect_raises(ValueError, count_parameters, [("net", {"channels": 3}), ("softmax", {"groups": 1})],
                  what="a [softmax] section is not supported")
