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
RECV_CHUNK = 1 << 20  # buffers grow as bytes arrive: a claimed size alone allocates nothing

# What the judge accepts from a runner (Decoder limits). Every value is bounded before the
# judge allocates for it or does work on it: JSON headers by REPLY_HEADER_CAP (parsing is
# linear), decoded nodes by MAX_NODES, images and arrays by the bytes actually received, big
# ints by MAX_INT_HEX, and containers the judge must hash (sets, frozensets, non-string dict
# keys) by HASH_WORK: the sum over groups of equal-hash keys of (group size)^2, so keys built to
# collide (multiples of 2**61 - 1 all hash to 0) cost at most that many comparisons.
REPLY_HEADER_CAP = 4 * 1024 * 1024
MAX_NODES = 1_000_000
MAX_INT_HEX = 10_000
MAX_PIXELS = 1 << 28
MAX_PALETTE = 1024
HASH_WORK = 1_000_000
# Exceptions and warnings from the runner: text capped before it is kept anywhere.
EXC_TYPE_CAP = 200
EXC_TEXT_CAP = 8 * 1024       # message + args together, per exception
EXC_TB_CAP = 4000


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
    """n bytes. Memory follows the bytes that arrived (at most twice as many, growing from
    RECV_CHUNK), never the size the other end announced: a peer claiming 500 MB and sending 16
    bytes costs 1 MB."""
    buf = bytearray(min(n, RECV_CHUNK))
    got = 0
    while got < n:
        if got == len(buf):
            buf.extend(bytes(min(n, 2 * len(buf)) - len(buf)))
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            sock.settimeout(left)
        else:
            sock.settimeout(None)
        with memoryview(buf) as view:
            try:
                k = sock.recv_into(view[got:], len(buf) - got)
            except socket.timeout:
                raise Timeout() from None
            except (ConnectionResetError, BrokenPipeError):
                raise Closed() from None
        if k == 0:
            raise Closed()
        got += k
    return buf


def recv_frame(sock: socket.socket, deadline: float | None = None,
               max_bytes: int = 512 * 1024 * 1024, header_cap: int = HEADER_CAP) -> tuple[dict, list[bytearray]]:
    """One frame; Timeout when the deadline passes, Closed at EOF, WireError when malformed."""
    (n,) = _LEN.unpack(_recv_exact(sock, 4, deadline))
    if n > min(header_cap, max_bytes):
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
        if args is not None and sum(len(a) for a in args if type(a) is str) > EXC_TEXT_CAP:
            args = None
        return {TAG: "exc", "type": str.__str__(type(exc).__name__)[:EXC_TYPE_CAP], "base": base.__name__,
                "msg": _safe_str(exc)[:EXC_TEXT_CAP], "args": args, "tb": tb[-EXC_TB_CAP:]}

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


# Bytes per pixel of the PIL modes a reply may carry ("1" is bit-packed per row, see _pil_size).
PIL_MODES = {"1": 0, "L": 1, "P": 1, "LA": 2, "PA": 2, "La": 2, "I;16": 2, "I;16B": 2, "I;16L": 2,
             "RGB": 3, "YCbCr": 3, "LAB": 3, "HSV": 3, "RGBA": 4, "RGBa": 4, "RGBX": 4, "CMYK": 4,
             "I": 4, "F": 4}


def _pil_size(mode: str, w: int, h: int) -> int:
    return ((w + 7) // 8) * h if mode == "1" else w * h * PIL_MODES[mode]


class Decoder:
    """Turn (tree, buffers) back into values. `handle(d)` builds the local stand-in for a
    handle (judge side) or resolves a reference (runner side).

    Bounded before it allocates or works (see the limits at the top): a runner's reply can make
    the judge do no more than about MAX_NODES + HASH_WORK steps and allocate no more than the
    bytes it actually sent."""

    def __init__(self, buffers: list, handle: Callable[[dict], Any] | None = None,
                 exception: Callable[[dict], Any] | None = None):
        self.buffers, self.handle, self.exception = buffers, handle, exception
        self.nodes = 0
        self.hash_work = 0

    def _buf(self, i) -> bytearray:
        if type(i) is not int or not 0 <= i < len(self.buffers):
            raise WireError("bad buffer index")
        return self.buffers[i]

    def _hashed(self, keys: list) -> None:
        """Charge the cost of hashing `keys` into one container before it is built: keys
        sharing a hash cost (group size)^2 comparisons. Computing the hashes is linear."""
        groups: dict[int, int] = {}
        for k in keys:
            h = hash(k)  # TypeError for an unhashable key, as building the container would
            groups[h] = groups.get(h, 0) + 1
        self.hash_work += sum(m * m for m in groups.values() if m > 1)
        if self.hash_work > HASH_WORK:
            raise WireError(f"a set or dict in the answer has too many keys that hash alike "
                            f"(over {HASH_WORK:,} comparisons to rebuild it)")

    def decode(self, x, depth: int = 0):
        if depth > MAX_DEPTH + 2:
            raise WireError("value nested too deeply")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise WireError(f"the answer has more than {MAX_NODES:,} values (return a numpy array for large data)")
        if x is None or type(x) in (bool, int, float, str):
            return x
        if type(x) is list:
            return [self.decode(v, depth + 1) for v in x]
        if type(x) is not dict:
            raise WireError("bad value")
        tag = x.get(TAG)
        v = x.get("v")
        if tag == "tuple":
            return tuple(self.decode(e, depth + 1) for e in _list(v))
        if tag == "dict":
            if type(v) is not dict:
                raise WireError("bad dict")
            # String keys hash with the judge's own random seed: they cannot be made to collide.
            return {str(k): self.decode(e, depth + 1) for k, e in v.items()}
        if tag == "dictp":
            pairs = [(self.decode(k, depth + 1), self.decode(e, depth + 1)) for k, e in map(_pair, _list(v))]
            self._hashed([k for k, _ in pairs])
            return dict(pairs)
        if tag in ("set", "frozenset"):
            items = [self.decode(e, depth + 1) for e in _list(v)]
            self._hashed(items)
            return set(items) if tag == "set" else frozenset(items)
        if tag == "int":
            if type(v) is not str or len(v) > MAX_INT_HEX:
                raise WireError(f"an integer in the answer has more than {MAX_INT_HEX * 4:,} bits")
            return int(v, 16)
        if tag == "complex":
            v = _list(v)
            return complex(float(v[0]), float(v[1]))
        if tag == "bytes":
            return bytes(self._buf(x["b"]))
        if tag == "slice":
            return slice(*(self.decode(e, depth + 1) for e in _list(v)[:3]))
        if tag == "ellipsis":
            return Ellipsis
        if tag == "range":
            v = _list(v)
            if not all(type(e) is int for e in v[:3]):
                raise WireError("bad range")
            return range(v[0], v[1], v[2])
        if tag == "nd":
            dt = np.dtype(str(x["dtype"]))
            if not _is_data_dtype(dt):
                raise WireError(f"refused array dtype {dt}")
            shape = _list(x["shape"])
            if len(shape) > 64 or not all(type(s) is int and s >= 0 for s in shape):
                raise WireError("bad array shape")
            buf = self._buf(x["b"])
            count = 1
            for s in shape:  # Python ints: no overflow to a small number
                count *= s
            if count * dt.itemsize != len(buf):
                raise WireError(f"an array of shape {tuple(shape)} does not match its {len(buf)} bytes of data")
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
            return self._image(x)
        if tag == "exc":
            if self.exception is None:
                raise WireError("unexpected exception value")
            return self.exception(x)
        if tag in ("h", "ref"):
            if self.handle is None:
                raise WireError("unexpected handle")
            return self.handle(x)
        raise WireError(f"unknown value tag {str(tag)[:40]!r}")

    def _image(self, x: dict):
        mode, size = x.get("mode"), _list(x.get("size"))
        if type(mode) is not str or mode not in PIL_MODES:
            raise WireError(f"refused image mode {str(mode)[:20]!r}")
        if len(size) != 2 or not all(type(s) is int and 0 <= s for s in size):
            raise WireError("bad image size")
        buf = self._buf(x["b"])
        w, h = size
        if _pil_size(mode, w, h) != len(buf):  # exact arithmetic on the claim: nothing allocated yet
            raise WireError(f"an image of {w}x{h} {mode} does not match its {len(buf)} bytes of data")
        if w * h > MAX_PIXELS:
            raise WireError(f"an image of {w}x{h} is over the limit of {MAX_PIXELS:,} pixels")
        palette = x.get("palette")
        if palette is not None:
            palette = _list(palette)
            if len(palette) > MAX_PALETTE or not all(type(c) is int and 0 <= c < 256 for c in palette):
                raise WireError("bad image palette")
        from PIL import Image
        img = Image.frombytes(mode, (w, h), bytes(buf))
        if palette is not None:
            img.putpalette(palette)
        return img


def _list(v) -> list:
    if type(v) is not list:
        raise WireError("bad value")
    return v


def _pair(v) -> list:
    if type(v) is not list or len(v) != 2:
        raise WireError("bad dict entry")
    return v


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


def cap_text(text, cap: int) -> str:
    """A runner's string, cut to `cap` characters with a visible mark."""
    text = text if type(text) is str else str(text)[:cap]
    return text if len(text) <= cap else text[:cap] + f"[... {len(text) - cap:,} more characters]"


def rebuild_exception(d) -> BaseException:
    """The judge's copy of an exception from the runner: a builtin type where there is one,
    every text capped (type name, message and args together, traceback)."""
    d = d if isinstance(d, dict) else {}
    type_name = cap_text(d.get("type", "Exception"), EXC_TYPE_CAP)
    base_name = str(d.get("base", ""))[:64]
    msg = cap_text(d.get("msg", ""), EXC_TEXT_CAP)
    args = d.get("args")
    if isinstance(args, list) and (len(args) > 16 or sum(len(a) for a in args if type(a) is str) > EXC_TEXT_CAP
                                   or any(type(a) is int and a.bit_length() > 256 for a in args)):
        args = None  # too big to carry whole: the capped message stands for them
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
        exc.remote_traceback = tb[-EXC_TB_CAP:]
    return exc
