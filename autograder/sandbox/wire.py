"""The wire between the judge and the runner: framed messages, a JSON header plus raw buffers.

Never pickle. A frame is

    u32 header length | header (UTF-8 JSON) | buffer 0 | buffer 1 | ...

where the header's "bufs" lists the buffers' lengths (framing.py). Both sizes are capped before
anything is allocated, so a runner cannot make the judge read a terabyte.

Values are encoded by `Encoder` (encoder.py) and decoded by `Decoder` (decoder.py). JSON natives
carry None, bool, int, float (NaN and infinities included), str and list; everything else is a
tagged object {"~": tag, ...}: tuple, dict, bytes, complex, set, slice, numpy arrays and scalars
(numeric and bool dtypes only, raw bytes in a buffer), PIL images, exceptions (type name,
message, builtin base; rebuilt judge side by remote.py), and handles (objects that stay where
they live). The caps are in limits.py.

This module is the one name both sides import the wire by.
"""

from __future__ import annotations

from .decoder import PIL_MODES, Decoder
from .encoder import ALLOWED_KINDS, TAG, Encoder, _safe_str, encode
from .framing import _LEN, Budget, Closed, Timeout, WireError, recv_frame, send_frame
from .limits import (EXC_TB_CAP, EXC_TEXT_CAP, EXC_TYPE_CAP, HASH_WORK, HEADER_CAP, MAX_BUFFERS, MAX_DEPTH,
                     MAX_INT_HEX, MAX_NODES, MAX_PALETTE, MAX_PIXELS, RECV_CHUNK, REPLY_HEADER_CAP)
from .remote import RemoteError, cap_text, rebuild_exception

__all__ = ["ALLOWED_KINDS", "Budget", "Closed", "Decoder", "EXC_TB_CAP", "EXC_TEXT_CAP", "EXC_TYPE_CAP", "Encoder",
           "HASH_WORK", "HEADER_CAP", "MAX_BUFFERS", "MAX_DEPTH", "MAX_INT_HEX", "MAX_NODES", "MAX_PALETTE",
           "MAX_PIXELS", "PIL_MODES", "RECV_CHUNK", "REPLY_HEADER_CAP", "RemoteError", "TAG", "Timeout",
           "WireError", "_LEN", "_safe_str", "cap_text", "encode", "rebuild_exception", "recv_frame",
           "send_frame"]
