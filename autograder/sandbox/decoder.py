"""Decoding a value from the wire, bounded before it allocates or works (see limits.py)."""

from __future__ import annotations

import pathlib
from typing import Any, Callable

import numpy as np

from .encoder import TAG, _is_data_dtype
from .framing import WireError
from .limits import (DTYPE_CHARS, HASH_WORK, MAX_BYTES, MAX_DEPTH, MAX_INT_HEX, MAX_NODES, MAX_PALETTE, MAX_PIXELS,
                     MAX_PRINTED, PRINT_WEIGHT_LONG, REPR_EDGE, REPR_WHOLE)


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
                 exception: Callable[[dict], Any] | None = None, answer: bool = False):
        self.buffers, self.handle, self.exception = buffers, handle, exception
        # A runner's answer, which the judge's tests may print (MAX_PRINTED, MAX_BYTES); not the
        # judge's arguments decoded in the runner, nor the recorded oracle results.
        self.answer = answer
        self.nodes = 0
        self.hash_work = 0
        self.printed = 0  # array values a repr of the answer would print (MAX_PRINTED, h01)
        self.bytes = 0  # bytes of its bytes values (MAX_BYTES, h02)
        self.pixels = 0  # of all its images (MAX_PIXELS, i01)
        self.used: set[int] = set()

    def _buf(self, i) -> bytearray:
        if type(i) is not int or not 0 <= i < len(self.buffers):
            raise WireError("bad buffer index")
        # One value per buffer, as the encoder writes them: a buffer named by many values would
        # be copied for each (an image, bytes), the judge's memory multiplied by the answer's say-so.
        if i in self.used:
            raise WireError("a buffer of the answer is used by more than one value")
        self.used.add(i)
        return self.buffers[i]

    def _hashed(self, keys: list, sizes: list[int]) -> None:
        """Charge the cost of hashing `keys` into one container before it is built: keys
        sharing a hash cost (group size)^2 comparisons, each as many steps as the group's
        largest key has values (`sizes`: a tuple of 250 equal floats and one colliding int
        takes 250 to tell from its neighbour; counting comparisons alone let one 1 MB answer
        cost the judge 1.5 s: attack f05). Computing the hashes is linear."""
        groups: dict[int, list[int]] = {}
        for k, size in zip(keys, sizes):
            h = hash(k)  # TypeError for an unhashable key, as building the container would
            g = groups.setdefault(h, [0, 1])
            g[0] += 1
            g[1] = max(g[1], size)
        self.hash_work += sum(m * m * size for m, size in groups.values() if m > 1)
        if self.hash_work > HASH_WORK:
            raise WireError(f"a set or dict in the answer has too many keys that hash alike "
                            f"(over {HASH_WORK:,} steps to rebuild it)")

    def _keys(self, items: list, depth: int) -> tuple[list, list[int]]:
        """The decoded keys (or set items) and how many values each holds."""
        keys, sizes = [], []
        for item in items:
            before = self.nodes
            keys.append(self.decode(item, depth))
            sizes.append(self.nodes - before)
        return keys, sizes

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
            entries = [_pair(e) for e in _list(v)]
            keys, sizes = self._keys([k for k, _ in entries], depth + 1)
            values = [self.decode(e, depth + 1) for _, e in entries]
            self._hashed(keys, sizes)
            return dict(zip(keys, values))
        if tag in ("set", "frozenset"):
            items, sizes = self._keys(_list(v), depth + 1)
            self._hashed(items, sizes)
            return set(items) if tag == "set" else frozenset(items)
        if tag == "int":
            if type(v) is not str or len(v) > MAX_INT_HEX:
                raise WireError(f"an integer in the answer has more than {MAX_INT_HEX * 4:,} bits")
            return int(v, 16)
        if tag == "complex":
            v = _list(v)
            return complex(float(v[0]), float(v[1]))
        if tag == "bytes":
            buf = self._buf(x["b"])
            self.bytes += len(buf)
            if self.answer and self.bytes > MAX_BYTES:  # repr(got) is 4 characters a byte, in the judge (h02)
                raise WireError(f"the answer has more than {MAX_BYTES // 2**20} MiB of bytes values "
                                "(return a numpy array for large data)")
            return bytes(buf)
        if tag == "slice":
            return slice(*(self.decode(e, depth + 1) for e in _list(v)[:3]))
        if tag == "ellipsis":
            return Ellipsis
        if tag == "path":
            if type(v) is not str or "\x00" in v:
                raise WireError("bad path")
            return pathlib.Path(v)
        if tag == "range":
            v = _list(v)
            if len(v) != 3 or not all(type(e) is int for e in v) or v[2] == 0:
                raise WireError("bad range")
            r = range(v[0], v[1], v[2])
            try:
                n = len(r)
            except OverflowError:  # more than sys.maxsize values
                n = MAX_NODES + 1
            if n > MAX_NODES:  # a test's tuple(got) would expand it in the judge
                raise WireError(f"a range in the answer has more than {MAX_NODES:,} values (return a numpy array for large data)")
            return r
        if tag == "nd":
            dt = _data_dtype(x.get("dtype"), "array")
            shape = _list(x["shape"])
            if len(shape) > 64 or not all(type(s) is int and s >= 0 for s in shape):
                raise WireError("bad array shape")
            buf = self._buf(x["b"])
            count = rest = 1  # rest: the places of its non-empty axes
            for s in shape:  # Python ints: no overflow to a small number
                count *= s
                rest *= max(s, 1)
            if count * dt.itemsize != len(buf):
                raise WireError(f"an array of shape {tuple(shape)} does not match its {len(buf)} bytes of data")
            self._printable(shape, count, dt)
            if count == 0:
                # zero bytes, but a reduction over the empty axis allocates the others (shape
                # (0, 10**9): got.sum(axis=0) is 8 GB in the judge, outside any deadline)
                if self.answer and rest > MAX_NODES:
                    raise WireError(f"an empty array of shape {tuple(shape)[:12]} in the answer: its other axes "
                                    f"hold more than {MAX_NODES:,} places")
                return np.zeros(shape, dtype=dt)
            return np.frombuffer(buf, dtype=dt).reshape(shape)
        if tag == "np":
            dt = _data_dtype(x.get("dtype"), "scalar")
            buf = self._buf(x["b"])
            if len(buf) != dt.itemsize:
                raise WireError("scalar size does not match its dtype")
            self._printable([], 1, dt)  # a list of them prints each (j04: long doubles)
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
        raise WireError("unknown value tag")  # not quoted: the text is the submission's

    def _printable(self, shape: list[int], count: int, dt: np.dtype) -> None:
        """Charge the values numpy's repr prints of an array: all of them up to REPR_WHOLE, else
        at most 2 * REPR_EDGE along each axis, each weighed by what it costs to print next to a
        float64 (_print_weight). A test's failure message prints the answer in the judge, outside
        any deadline: an array of many short axes printed whole (h01), of long doubles (j04)."""
        printed = count
        if count > REPR_WHOLE:
            printed = 1
            for s in shape:
                printed *= min(s, 2 * REPR_EDGE)
        printed *= _print_weight(dt)
        self.printed += printed
        if self.answer and self.printed > MAX_PRINTED:
            raise WireError(f"the answer's arrays would print more than {MAX_PRINTED:,} values in a message "
                            f"(an array of shape {tuple(shape)[:12]} and dtype {dt.str} prints {printed:,}, a "
                            f"complex counting two, a long double {PRINT_WEIGHT_LONG}: numpy shortens only "
                            f"axes longer than {2 * REPR_EDGE})")

    def _image(self, x: dict):
        mode, size = x.get("mode"), _list(x.get("size"))
        if type(mode) is not str or mode not in PIL_MODES:
            raise WireError("refused image mode")
        if len(size) != 2 or not all(type(s) is int and 0 <= s for s in size):
            raise WireError("bad image size")
        buf = self._buf(x["b"])
        w, h = size
        if _pil_size(mode, w, h) != len(buf):  # exact arithmetic on the claim: nothing allocated yet
            raise WireError(f"an image of {w}x{h} {mode} does not match its {len(buf)} bytes of data")
        self.pixels += w * h  # summed: PIL keeps a bit image a byte a pixel, 8x its buffer (i01)
        if self.pixels > MAX_PIXELS:
            raise WireError(f"the images of the value have more than {MAX_PIXELS:,} pixels in all "
                            f"(the last is {w}x{h})")
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


def _print_weight(dt: np.dtype) -> int:
    """float64 values one value of `dt` costs to print: a complex two numbers, an extended-precision
    number (longdouble: over 8 bytes) PRINT_WEIGHT_LONG each (attack j04)."""
    parts = 2 if dt.kind == "c" else 1
    return parts * (PRINT_WEIGHT_LONG if dt.itemsize // parts > 8 else 1)


def _data_dtype(name, what: str) -> np.dtype:
    """The plain number type `name` says ('<f8', '|b1', '<c16'), its length checked before numpy
    reads it: a 1 MB string of 340,000 fields cost the judge seconds and 100 MB to build, and its
    refusal quoted all of it (attack f02). The refusal quotes nothing the runner sent."""
    dt = None
    if type(name) is str and len(name) <= DTYPE_CHARS:
        try:
            dt = np.dtype(name)
        except (TypeError, ValueError, SyntaxError):
            dt = None
    if dt is None or not _is_data_dtype(dt):
        raise WireError(f"refused {what} dtype (not a plain number type)")
    return dt


def _list(v) -> list:
    if type(v) is not list:
        raise WireError("bad value")
    return v


def _pair(v) -> list:
    if type(v) is not list or len(v) != 2:
        raise WireError("bad dict entry")
    return v
