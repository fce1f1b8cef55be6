"""The wire between the judge and the runner: framed messages, a JSON header plus raw buffers.

Never pickle. A frame is

    u32 header length | header (UTF-8 JSON) | buffer 0 | buffer 1 | ...

where the header's "bufs" lists the buffers' lengths. Both sizes are capped before anything
is allocated, so a runner cannot make the judge read a terabyte.

Values are encoded by `Encoder` and decoded by `Decoder`. JSON natives carry None, bool, int,
float (NaN and infinities included), str and list; everything else is a tagged object
{"~": tag, ...}: tuple, dict, bytes, complex, set, slice, numpy arrays and scalars (numeric and
bool dtypes only, raw bytes in a buffer), PIL images, exceptions (type name, message, builtin
base), and handles (objects that stay where they live). Subclasses of builtins and of ndarray
are converted to their base value with the base type's own methods, so an overridden
`__eq__`, `__float__` or `__array__` never travels.
"""

from __future__ import annotations

import builtins
import json
import socket
import struct
import time
import traceback
from typing import Any, Callable

import numpy as np

TAG = "~"
_LEN = struct.Struct("!I")
HEADER_CAP = 32 * 1024 * 1024
MAX_DEPTH = 64
ALLOWED_KINDS = frozenset("biufc")  # bool, signed, unsigned, float, complex
MAX_BUFFERS = 1_000_000


class WireError(Exception):
    """A malformed, oversized or unreadable message."""


class Timeout(Exception):
    """No complete message before the deadline."""


class Closed(Exception):
    """The other end closed the connection."""


# --- framing -------------------------------------------------------------------------------

def send_frame(sock: socket.socket, header: dict, buffers: list = ()) -> None:
    bufs = [memoryview(b).cast("B") for b in buffers]
    header = dict(header, bufs=[b.nbytes for b in bufs])
    head = json.dumps(header, separators=(",", ":"), allow_nan=True).encode("utf-8", "surrogatepass")
    parts = [_LEN.pack(len(head)), head, *bufs]
    sock.sendall(b"".join(parts[:2]))
    for b in bufs:
        if b.nbytes:
            sock.sendall(b)


def _recv_exact(sock: socket.socket, n: int, deadline: float | None) -> bytearray:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            sock.settimeout(left)
        else:
            sock.settimeout(None)
        try:
            k = sock.recv_into(view[got:], n - got)
        except socket.timeout:
            raise Timeout() from None
        except (ConnectionResetError, BrokenPipeError):
            raise Closed() from None
        if k == 0:
            raise Closed()
        got += k
    return buf


def recv_frame(sock: socket.socket, deadline: float | None = None,
               max_bytes: int = 512 * 1024 * 1024) -> tuple[dict, list[bytearray]]:
    """One frame; Timeout when the deadline passes, Closed at EOF, WireError when malformed."""
    (n,) = _LEN.unpack(_recv_exact(sock, 4, deadline))
    if n > min(HEADER_CAP, max_bytes):
        raise WireError(f"message header of {n} bytes is over the limit")
    try:
        header = json.loads(bytes(_recv_exact(sock, n, deadline)).decode("utf-8", "surrogatepass"))
    except (Timeout, Closed):
        raise
    except (ValueError, RecursionError) as e:
        raise WireError(f"unreadable message header: {e}") from None
    if not isinstance(header, dict):
        raise WireError("message header is not an object")
    lens = header.get("bufs", [])
    if (not isinstance(lens, list) or len(lens) > MAX_BUFFERS
            or not all(type(x) is int and x >= 0 for x in lens)):
        raise WireError("bad buffer table")
    if n + sum(lens) > max_bytes:
        raise WireError(f"message of {(n + sum(lens)) / 2**20:.1f} MiB is over the "
                        f"{max_bytes / 2**20:g} MiB limit")
    return header, [_recv_exact(sock, k, deadline) for k in lens]


# --- values --------------------------------------------------------------------------------

def _builtin_base(cls: type) -> type:
    for base in cls.__mro__:
        if getattr(builtins, base.__name__, None) is base:
            return base
    return BaseException


def _safe_str(obj) -> str:
    try:
        s = str(obj)
        return str.__str__(s) if isinstance(s, str) else "<unprintable>"
    except BaseException:  # noqa: BLE001 - the student's __str__ may do anything
        return "<unprintable>"


def _is_data_dtype(dt: np.dtype) -> bool:
    return dt.kind in ALLOWED_KINDS and dt.fields is None and dt.subdtype is None


class Encoder:
    """Turn a value into (JSON-able tree, buffers).

    `to_handle(obj) -> dict` is called for anything that is not data; without it such a
    value is a TypeError (the judge's side: it never sends objects, only handle references).
    """

    def __init__(self, to_handle: Callable[[Any], dict] | None = None, ref: Callable[[Any], dict | None] | None = None):
        self.to_handle = to_handle
        self.ref = ref  # judge side: Handle -> {"~": "ref", ...}
        self.buffers: list = []

    def _buf(self, b) -> int:
        self.buffers.append(b)
        return len(self.buffers) - 1

    def encode(self, obj, depth: int = 0, stack: set | None = None):
        if depth > MAX_DEPTH:
            raise ValueError(f"the value is nested more than {MAX_DEPTH} levels deep")
        stack = stack if stack is not None else set()
        t = type(obj)
        # Exact builtins first (fast path); subclasses are converted with the base's methods.
        if obj is None or t is bool or t is str:
            return obj
        if t is int:
            return obj if -(2**63) <= obj < 2**63 else {TAG: "int", "v": hex(obj)}
        if t is float:
            return obj
        if self.ref is not None:
            r = self.ref(obj)
            if r is not None:
                return r
        if isinstance(obj, np.ndarray):
            arr = np.ndarray.view(obj, np.ndarray)
            if not _is_data_dtype(arr.dtype):
                return self._other(obj, f"a numpy array of dtype {arr.dtype}")
            flat = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
            return {TAG: "nd", "dtype": arr.dtype.str, "shape": list(arr.shape), "b": self._buf(flat.data)}
        if isinstance(obj, np.generic):
            dt = np.generic.dtype.__get__(obj)
            if not _is_data_dtype(dt):
                return self._other(obj, f"a numpy scalar of dtype {dt}")
            return {TAG: "np", "dtype": dt.str, "b": self._buf(np.generic.tobytes(obj))}
        if isinstance(obj, bool):  # unreachable (bool cannot be subclassed), kept for clarity
            return bool(obj)
        if isinstance(obj, int):
            v = int.__int__(obj)
            return v if -(2**63) <= v < 2**63 else {TAG: "int", "v": hex(v)}
        if isinstance(obj, float):
            return float.__float__(obj)
        if isinstance(obj, str):
            return str.__str__(obj)
        if isinstance(obj, complex):
            return {TAG: "complex", "v": [complex.real.__get__(obj), complex.imag.__get__(obj)]}
        if isinstance(obj, (bytes, bytearray, memoryview)):
            if isinstance(obj, memoryview):
                data = obj.tobytes()
            elif isinstance(obj, bytes):
                data = bytes.__getitem__(obj, slice(None))
            else:
                data = bytes(bytearray.__getitem__(obj, slice(None)))
            return {TAG: "bytes", "b": self._buf(data)}
        if isinstance(obj, (list, tuple, dict, set, frozenset)):
            key = id(obj)
            if key in stack:
                raise ValueError("the value refers to itself")
            stack.add(key)
            try:
                if isinstance(obj, list):
                    return [self.encode(x, depth + 1, stack) for x in list.__iter__(obj)]
                if isinstance(obj, tuple):
                    return {TAG: "tuple", "v": [self.encode(x, depth + 1, stack) for x in tuple.__iter__(obj)]}
                if isinstance(obj, dict):
                    items = list(dict.items(obj))
                    if all(type(k) is str for k, _ in items):
                        return {TAG: "dict", "v": {k: self.encode(v, depth + 1, stack) for k, v in items}}
                    return {TAG: "dictp", "v": [[self.encode(k, depth + 1, stack), self.encode(v, depth + 1, stack)]
                                                for k, v in items]}
                kind = "frozenset" if isinstance(obj, frozenset) else "set"
                it = frozenset.__iter__(obj) if kind == "frozenset" else set.__iter__(obj)
                return {TAG: kind, "v": [self.encode(x, depth + 1, stack) for x in it]}
            finally:
                stack.discard(key)
        if t is slice:
            return {TAG: "slice", "v": [self.encode(x, depth + 1, stack) for x in (obj.start, obj.stop, obj.step)]}
        if obj is Ellipsis:
            return {TAG: "ellipsis"}
        if t is range:
            return {TAG: "range", "v": [obj.start, obj.stop, obj.step]}
        img = _pil_image(obj)
        if img is not None:
            return self._image(obj, img)
        if isinstance(obj, BaseException):
            return self.exception(obj)
        return self._other(obj, f"a {type(obj).__name__}")

    def _image(self, obj, Image) -> dict:
        base = Image.Image
        Image.Image.load(obj)
        mode = str.__str__(base.mode.fget(obj)) if isinstance(base.__dict__.get("mode"), property) else str.__str__(obj.mode)
        size = base.size.fget(obj) if isinstance(base.__dict__.get("size"), property) else obj.size
        size = [int.__int__(size[0]), int.__int__(size[1])]
        out = {TAG: "pil", "mode": mode, "size": size, "b": self._buf(base.tobytes(obj))}
        if mode in ("P", "PA"):
            pal = base.getpalette(obj)
            out["palette"] = [int.__int__(x) for x in pal] if pal is not None else None
        return out

    def exception(self, exc: BaseException) -> dict:
        base = _builtin_base(type(exc))
        args = []
        try:
            for a in tuple.__iter__(BaseException.args.__get__(exc)):
                if type(a) in (str, int, float, bool) or a is None:
                    args.append(a)
                else:
                    args = None
                    break
        except BaseException:  # noqa: BLE001
            args = None
        try:
            tb = "".join(traceback.format_exception(exc))[-4000:]
        except BaseException:  # noqa: BLE001
            tb = ""
        return {TAG: "exc", "type": str.__str__(type(exc).__name__), "base": base.__name__,
                "msg": _safe_str(exc)[:10000], "args": args, "tb": tb}

    def _other(self, obj, what: str):
        if self.to_handle is None:
            raise TypeError(f"{what} cannot be sent to the submission: only numbers, strings, "
                            "lists, tuples, dicts, numpy arrays, PIL images and handles can")
        return self.to_handle(obj)


def _pil_image(obj):
    import sys
    Image = sys.modules.get("PIL.Image")
    if Image is not None and isinstance(obj, Image.Image):
        return Image
    return None


class Decoder:
    """Turn (tree, buffers) back into values. `handle(d)` builds the local stand-in for a
    handle (judge side) or resolves a reference (runner side)."""

    def __init__(self, buffers: list, handle: Callable[[dict], Any] | None = None,
                 exception: Callable[[dict], Any] | None = None):
        self.buffers, self.handle, self.exception = buffers, handle, exception

    def _buf(self, i) -> bytearray:
        if type(i) is not int or not 0 <= i < len(self.buffers):
            raise WireError("bad buffer index")
        return self.buffers[i]

    def decode(self, x, depth: int = 0):
        if depth > MAX_DEPTH + 2:
            raise WireError("value nested too deeply")
        if x is None or type(x) in (bool, int, float, str):
            return x
        if type(x) is list:
            return [self.decode(v, depth + 1) for v in x]
        if type(x) is not dict:
            raise WireError("bad value")
        tag = x.get(TAG)
        v = x.get("v")
        if tag == "tuple":
            return tuple(self.decode(e, depth + 1) for e in v)
        if tag == "dict":
            return {str(k): self.decode(e, depth + 1) for k, e in v.items()}
        if tag == "dictp":
            return {self.decode(k, depth + 1): self.decode(e, depth + 1) for k, e in v}
        if tag in ("set", "frozenset"):
            items = [self.decode(e, depth + 1) for e in v]
            return set(items) if tag == "set" else frozenset(items)
        if tag == "int":
            return int(v, 16)
        if tag == "complex":
            return complex(float(v[0]), float(v[1]))
        if tag == "bytes":
            return bytes(self._buf(x["b"]))
        if tag == "slice":
            return slice(*(self.decode(e, depth + 1) for e in v))
        if tag == "ellipsis":
            return Ellipsis
        if tag == "range":
            return range(int(v[0]), int(v[1]), int(v[2]))
        if tag == "nd":
            dt = np.dtype(str(x["dtype"]))
            if not _is_data_dtype(dt):
                raise WireError(f"refused array dtype {dt}")
            shape = tuple(int(s) for s in x["shape"])
            buf = self._buf(x["b"])
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
            if count * dt.itemsize != len(buf):
                raise WireError("array size does not match its data")
            if count == 0:
                return np.zeros(shape, dtype=dt)
            return np.frombuffer(buf, dtype=dt).reshape(shape)
        if tag == "np":
            dt = np.dtype(str(x["dtype"]))
            if not _is_data_dtype(dt):
                raise WireError(f"refused scalar dtype {dt}")
            buf = self._buf(x["b"])
            if len(buf) != dt.itemsize:
                raise WireError("scalar size does not match its dtype")
            return np.frombuffer(buf, dtype=dt)[0]
        if tag == "pil":
            from PIL import Image
            img = Image.frombytes(str(x["mode"]), (int(x["size"][0]), int(x["size"][1])), bytes(self._buf(x["b"])))
            if x.get("palette") is not None:
                img.putpalette([int(p) for p in x["palette"]])
            return img
        if tag == "exc":
            if self.exception is None:
                raise WireError("unexpected exception value")
            return self.exception(x)
        if tag in ("h", "ref"):
            if self.handle is None:
                raise WireError("unexpected handle")
            return self.handle(x)
        raise WireError(f"unknown value tag {tag!r}")


def encode(obj, to_handle=None, ref=None) -> tuple[Any, list]:
    enc = Encoder(to_handle, ref)
    tree = enc.encode(obj)
    return tree, enc.buffers


# --- exceptions, judge side ----------------------------------------------------------------

class RemoteError(Exception):
    """An exception raised by the submission whose type has no builtin equivalent."""

    def __init__(self, type_name: str, message: str):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name, self.message = type_name, message


# Builtin exception types the judge re-raises as themselves. Exceptions that control the
# judge's own flow (SystemExit, KeyboardInterrupt, GeneratorExit) or that are only the
# generic roots (Exception, BaseException) come back as RemoteError.
_NOT_REBUILT = {"BaseException", "Exception", "SystemExit", "KeyboardInterrupt", "GeneratorExit",
                "BaseExceptionGroup", "ExceptionGroup"}


def rebuild_exception(d: dict) -> BaseException:
    type_name, base_name, msg = str(d.get("type", "Exception")), str(d.get("base", "")), str(d.get("msg", ""))
    args = d.get("args")
    cls = getattr(builtins, base_name, None)
    exc: BaseException
    if isinstance(cls, type) and issubclass(cls, BaseException) and base_name not in _NOT_REBUILT:
        exc = None
        if isinstance(args, list) and all(a is None or type(a) in (str, int, float, bool) for a in args):
            try:
                exc = cls(*args)
            except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError wants 5 arguments
                exc = None
        if exc is None:
            try:
                exc = cls(msg)
            except Exception:  # noqa: BLE001
                exc = RemoteError(type_name, msg)
    else:
        exc = RemoteError(type_name, msg)
    exc.remote_type = type_name
    tb = d.get("tb")
    if isinstance(tb, str) and tb:
        exc.remote_traceback = tb
    return exc
