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
