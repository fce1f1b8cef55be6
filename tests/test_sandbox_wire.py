"""The sandbox's wire format: data round-trips, subclasses arrive as their true base value,
nothing but data is accepted, sizes are capped. No processes are started here."""

from __future__ import annotations

import math
import socket

import numpy as np
import pytest
from PIL import Image

from autograder.sandbox import wire


def roundtrip(value, to_handle=None):
    tree, bufs = wire.encode(value, to_handle=to_handle)
    a, b = socket.socketpair()
    try:
        wire.send_frame(a, {"v": tree}, bufs)
        header, got = wire.recv_frame(b)
    finally:
        a.close()
        b.close()
    return wire.Decoder(got, handle=lambda d: ("handle", d["id"]), exception=wire.rebuild_exception).decode(header["v"])


@pytest.mark.parametrize("value", [
    None, True, False, 0, -5, 2**70, -(2**100), 1.5, "héllo\u2603", "", b"\x00\xffbytes", [1, [2, [3]]],
    (1, "a", None), {"a": 1, "b": [1.5]}, {1: "one", (2, 3): "pair"}, {"~": "not a tag"}, complex(1, -2),
    {1, 2}, frozenset({"x"}), slice(1, None, 2), Ellipsis, range(2, 10, 3),
])
def test_plain_values_roundtrip(value):
    got = roundtrip(value)
    assert got == value and type(got) is type(value)


def test_paths_travel_as_paths_and_subclasses_do_not():
    import pathlib

    for value in (pathlib.Path("models/q11 demo.keras"), pathlib.PurePosixPath("/tmp/x.h5")):
        got = roundtrip(value)
        assert type(got) is pathlib.PosixPath and str(got) == str(value), (value, got)

    class Sneaky(type(pathlib.Path())):  # an overridden __str__ must never be what travels
        def __str__(self):
            return "/etc/shadow"

    with pytest.raises(TypeError, match="cannot be sent"):
        wire.encode(Sneaky("ok.keras"))
    with pytest.raises(wire.WireError, match="bad path"):
        wire.Decoder([]).decode({"~": "path", "v": "a\x00b"})


def test_floats_nan_and_inf():
    got = roundtrip([float("nan"), float("inf"), -float("inf")])
    assert math.isnan(got[0]) and got[1] == math.inf and got[2] == -math.inf


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int64", "float16", "float32", ">f8", "complex128", "bool"])
def test_arrays_roundtrip_exactly(dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    got = roundtrip(a)
    assert type(got) is np.ndarray and got.dtype == a.dtype and got.shape == a.shape
    np.testing.assert_array_equal(got, a)
    assert roundtrip(np.zeros((0, 3), "float32")).shape == (0, 3)
    nc = np.arange(12.0).reshape(3, 4)[:, ::2]  # not contiguous
    np.testing.assert_array_equal(roundtrip(nc), nc)


def test_numpy_scalars_keep_their_type():
    for v in (np.float32(1.25), np.int64(-3), np.uint8(200), np.bool_(True), np.float64(0.1)):
        got = roundtrip(v)
        assert type(got) is type(v) and got == v


def test_pil_images_roundtrip():
    img = Image.fromarray(np.arange(48, dtype=np.uint8).reshape(4, 4, 3))
    got = roundtrip(img)
    assert isinstance(got, Image.Image) and got.mode == "RGB" and got.size == (4, 4)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(img))
    pal = img.convert("P")
    got = roundtrip(pal)
    assert got.mode == "P" and got.getpalette() == pal.getpalette()


def test_lying_subclasses_arrive_as_their_true_base_value():
    class LyingFloat(float):
        def __eq__(self, other):
            return True
        __hash__ = float.__hash__

        def __float__(self):
            return 42.0

    class LyingInt(int):
        def __eq__(self, other):
            return True
        __hash__ = int.__hash__

        def __int__(self):
            return 7

    class LyingStr(str):
        def __eq__(self, other):
            return True
        __hash__ = str.__hash__

    class LyingArray(np.ndarray):
        def __eq__(self, other):
            return True

        def __array__(self, *a, **k):
            return np.array([1.0, 2.0, 3.0])

    class LyingList(list):
        def __iter__(self):
            return iter([1, 2, 3])

    class LyingDict(dict):
        def items(self):
            return [("fake", 1)]

    class LyingScalar(np.float64):
        def __eq__(self, other):
            return True
        __hash__ = np.float64.__hash__

    got = roundtrip(LyingFloat(-1.0))
    assert type(got) is float and got == -1.0
    got = roundtrip(LyingInt(-3))
    assert type(got) is int and got == -3
    got = roundtrip(LyingStr("no"))
    assert type(got) is str and got == "no" and got != "yes"
    got = roundtrip(np.full(3, -7.0).view(LyingArray))
    assert type(got) is np.ndarray and got.tolist() == [-7.0, -7.0, -7.0]
    assert roundtrip(LyingList([9])) == [9]
    assert roundtrip(LyingDict(real=2)) == {"real": 2}
    got = roundtrip(LyingScalar(-2.5))
    assert type(got) is np.float64 and got == -2.5 and not (got == 3)


def test_objects_become_handles_or_are_refused():
    class Model:
        pass

    seen = []

    def to_handle(obj):
        seen.append(obj)
        return {wire.TAG: "h", "id": len(seen)}

    assert roundtrip([Model(), 1], to_handle=to_handle) == [("handle", 1), 1]
    assert roundtrip(np.array([object()], dtype=object), to_handle=to_handle) == ("handle", 2)
    with pytest.raises(TypeError):
        wire.encode(Model())  # the judge's side sends data only
    with pytest.raises(TypeError):
        wire.encode(np.array(["text"]))  # no string/object arrays either
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError):
        wire.encode(loop)


def test_exceptions_are_rebuilt_as_builtin_types():
    class MyError(ValueError):
        pass

    class Custom(Exception):
        pass

    def rebuilt(e):
        return wire.rebuild_exception(wire.Encoder().exception(e))

    e = rebuilt(MyError("bad size"))
    assert type(e) is ValueError and str(e) == "bad size" and e.remote_type == "MyError"
    e = rebuilt(KeyError("k"))
    assert type(e) is KeyError and e.args == ("k",)
    e = rebuilt(FileNotFoundError(2, "No such file"))
    assert type(e) is FileNotFoundError and e.errno == 2
    for cls in (TypeError, IndexError, NotImplementedError, ZeroDivisionError, AssertionError, MemoryError):
        assert type(rebuilt(cls("m"))) is cls
    e = rebuilt(Custom("x"))
    assert isinstance(e, wire.RemoteError) and "Custom: x" in str(e)
    e = rebuilt(SystemExit(0))
    assert isinstance(e, wire.RemoteError)  # never re-raised as the judge's own SystemExit


def test_oversized_and_malformed_messages_are_refused():
    a, b = socket.socketpair()
    try:
        wire.send_frame(a, {"x": 1}, [b"\0" * 4096])
        with pytest.raises(wire.WireError):
            wire.recv_frame(b, max_bytes=1024)
    finally:
        a.close()
        b.close()
    a, b = socket.socketpair()
    try:
        a.sendall(wire._LEN.pack(5) + b"{nope")
        with pytest.raises(wire.WireError):
            wire.recv_frame(b)
    finally:
        a.close()
        b.close()
    dec = wire.Decoder([bytearray(3)])
    with pytest.raises(wire.WireError):
        dec.decode({wire.TAG: "nd", "dtype": "<f8", "shape": [1], "b": 0})  # size mismatch
    with pytest.raises(wire.WireError):
        dec.decode({wire.TAG: "nd", "dtype": "|O", "shape": [1], "b": 0})  # object dtype
    with pytest.raises(wire.WireError):
        dec.decode({wire.TAG: "h", "id": 1})  # no handles expected here


# --- issue 11: every decoder bounded before it allocates or works ----------------------------

def decode(tree, bufs=()):
    return wire.Decoder(list(bufs), exception=wire.rebuild_exception).decode(tree)


def test_image_claims_are_checked_against_the_bytes_received():
    with pytest.raises(wire.WireError, match="does not match its 16 bytes"):
        decode({"~": "pil", "mode": "RGB", "size": [24000, 24000], "b": 0}, [bytearray(16)])
    with pytest.raises(wire.WireError, match="image mode"):
        decode({"~": "pil", "mode": "BOGUS", "size": [1, 1], "b": 0}, [bytearray(1)])
    with pytest.raises(wire.WireError, match="size"):
        decode({"~": "pil", "mode": "L", "size": [-4, -4], "b": 0}, [bytearray(16)])
    # A bit-packed "1" image: rows padded to whole bytes, as PIL itself packs them.
    img = Image.new("1", (10, 3), 1)
    got = roundtrip(img)
    assert got.mode == "1" and got.size == (10, 3) and got.tobytes() == img.tobytes()


def test_array_shapes_are_checked_in_exact_arithmetic():
    for shape in ([2**31, 2**31], [2**62, 2**62, 0, 4], [-2, -8], [3, "x"]):
        with pytest.raises(wire.WireError):
            decode({"~": "nd", "dtype": "<f8", "shape": shape, "b": 0}, [bytearray(16)])
    assert decode({"~": "nd", "dtype": "<f8", "shape": [0, 5], "b": 0}, [bytearray(0)]).shape == (0, 5)


def test_keys_built_to_collide_are_refused_quickly():
    import time
    p = 2**61 - 1
    keys = [{"~": "int", "v": hex(k * p)} for k in range(1, 20001)]
    assert len({hash(k * p) for k in range(1, 100)}) == 1  # the premise: they all hash alike
    for tree in ({"~": "set", "v": keys}, {"~": "frozenset", "v": keys}, {"~": "dictp", "v": [[k, 1] for k in keys]},
                 [{"~": "frozenset", "v": keys[:900]}] * 30):
        started = time.process_time()
        with pytest.raises(wire.WireError, match="hash alike"):
            decode(tree)
        assert time.process_time() - started < 2.0  # linear work only (the old decoder: 10 s and more)


def test_large_honest_sets_and_dicts_still_decode():
    value = [set(range(200_000)), {(i, -i): i for i in range(20_000)}, frozenset(str(i) for i in range(50_000))]
    tree, bufs = wire.encode(value)  # no socket: a socketpair would not hold it while one thread sends
    assert decode(tree, bufs) == value


def test_big_ints_and_node_counts_are_capped():
    with pytest.raises(wire.WireError, match="bits"):
        decode({"~": "int", "v": "f" * (wire.MAX_INT_HEX + 1)})
    assert roundtrip(2**4000) == 2**4000
    with pytest.raises(wire.WireError, match="more than"):
        decode([0] * (wire.MAX_NODES + 1))


def test_a_claimed_buffer_size_allocates_nothing_until_the_bytes_arrive():
    import json
    import struct
    import tracemalloc

    a, b = socket.socketpair()
    try:
        head = json.dumps({"bufs": [400 * 2**20]}).encode()
        a.sendall(struct.pack("!I", len(head)) + head + b"x" * 16)
        a.close()
        tracemalloc.start()
        try:
            with pytest.raises(wire.Closed):
                wire.recv_frame(b, max_bytes=512 * 2**20)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 * 2**20, peak  # the old reader allocated the 400 MB up front
    finally:
        b.close()


def test_reply_headers_have_their_own_cap():
    a, b = socket.socketpair()
    try:
        a.sendall(struct_len(wire.REPLY_HEADER_CAP + 1))
        with pytest.raises(wire.WireError, match="over the limit"):
            wire.recv_frame(b, header_cap=wire.REPLY_HEADER_CAP)
    finally:
        a.close()
        b.close()


def struct_len(n: int) -> bytes:
    import struct
    return struct.pack("!I", n)


def test_exception_texts_are_capped():
    exc = wire.rebuild_exception({"type": "E" * 1_000_000, "base": "ValueError", "msg": "M" * 4_000_000,
                                  "args": ["A" * 2_000_000, "B" * 2_000_000], "tb": "T" * 1_000_000})
    assert type(exc) is ValueError
    assert len(str(exc)) < wire.EXC_TEXT_CAP + 100 and "more characters" in str(exc)
    assert len(exc.remote_type) < wire.EXC_TYPE_CAP + 100
    assert len(exc.remote_traceback) == wire.EXC_TB_CAP
    # A runner-side encoding is capped the same way before it is sent.
    d = wire.Encoder().exception(ValueError("x" * 100_000, "y" * 100_000))
    assert len(d["msg"]) <= wire.EXC_TEXT_CAP and d["args"] is None
    # Not a dict at all: still an exception, never a crash of the judge.
    assert isinstance(wire.rebuild_exception([1, 2]), Exception)
