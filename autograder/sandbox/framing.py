"""Framing: one message on a socket is a u32 header length, a UTF-8 JSON header, then raw
buffers whose lengths the header's "bufs" lists. Both sizes are capped before anything is
allocated, so a runner cannot make the judge read a terabyte."""

from __future__ import annotations

import json
import socket
import struct
import time

from .limits import HEADER_CAP, MAX_BUFFERS, RECV_CHUNK, SOCKET_BUFFER

_LEN = struct.Struct("!I")
_IOV_PARTS = 512  # parts per sendmsg, well under the kernel's IOV_MAX (1024)


class WireError(Exception):
    """A malformed, oversized or unreadable message."""


class Timeout(Exception):
    """No complete message before the deadline."""


class Closed(Exception):
    """The other end closed the connection."""


def close_quietly(sock: socket.socket | None) -> None:
    """Close a socket whose other end may already be gone."""
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


def send_frame(sock: socket.socket, header: dict, buffers: list = ()) -> None:
    bufs = [memoryview(b).cast("B") for b in buffers]
    header = dict(header, bufs=[b.nbytes for b in bufs])
    head = json.dumps(header, separators=(",", ":"), allow_nan=True).encode("utf-8", "surrogatepass")
    # One sendmsg for the whole frame when it fits the socket's buffer: the peer then wakes once
    # with everything there, where a send per part could wake it once per part (a round trip
    # costs a few of those wakeups; issue 16). What sendmsg did not take goes with sendall.
    parts = [memoryview(_LEN.pack(len(head)) + head), *(b for b in bufs if b.nbytes)]
    for i in range(0, len(parts), _IOV_PARTS):
        group = parts[i:i + _IOV_PARTS]
        sent = sock.sendmsg(group)
        for part in group:
            if sent >= part.nbytes:
                sent -= part.nbytes
                continue
            sock.sendall(part[sent:])
            sent = 0


def widen(sock: socket.socket, size: int = SOCKET_BUFFER) -> None:
    """Let a runner's socket hold a large frame whole: with the default ~200 KiB, a 1 MB array
    crosses in a handful of fill-and-drain turns, each a wake-up of the other process (a 2 x 0.9 MB
    round trip: 2.6 ms, 0.9 ms with 4 MiB here). The kernel caps the size at net.core.wmem_max
    unless the grader is root (SO_SNDBUFFORCE); either way it is only a speed setting."""
    for force, plain in ((getattr(socket, "SO_SNDBUFFORCE", 32), socket.SO_SNDBUF),
                         (getattr(socket, "SO_RCVBUFFORCE", 33), socket.SO_RCVBUF)):
        for option in (force, plain):
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, size)
                break
            except OSError:
                continue


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


class Budget:
    """What all the frames read with it may hold together: bytes in all, and bytes of JSON
    headers (a header byte can cost ~20 bytes of Python objects). A session's replies share one
    (limits.SESSION_MESSAGES, SESSION_HEADERS): each reply was bounded, their sum was not, and a
    test that keeps every item of an object it iterates kept gigabytes (attacks i02, i03). A
    frame is checked before its header is read and charged before its buffers are; one refused
    is not charged."""

    def __init__(self, total: int, headers: int):
        self.total, self.headers = total, headers
        self.spent = self.spent_headers = 0

    def check(self, total: int, headers: int) -> None:
        if self.spent_headers + headers > self.headers:
            raise WireError(f"the submission's answers in this session have held more than "
                            f"{self.headers / 2**20:g} MiB of lists, dicts and other values in all "
                            "(large data travels as numpy arrays)")
        if self.spent + total > self.total:
            raise WireError(f"the submission's answers in this session have come to more than "
                            f"{self.total / 2**20:g} MiB in all (each answer is bounded, and so is their sum)")

    def charge(self, total: int, headers: int) -> None:
        self.check(total, headers)
        self.spent += total
        self.spent_headers += headers


def recv_frame(sock: socket.socket, deadline: float | None = None,
               max_bytes: int = 512 * 1024 * 1024, header_cap: int = HEADER_CAP,
               budget: Budget | None = None) -> tuple[dict, list[bytearray]]:
    """One frame; Timeout when the deadline passes, Closed at EOF, WireError when malformed or
    over what `budget` has left."""
    (n,) = _LEN.unpack(_recv_exact(sock, 4, deadline))
    if n > min(header_cap, max_bytes):
        raise WireError(f"message header of {n:,} bytes is over the limit of {min(header_cap, max_bytes):,} "
                        "(a list, dict or set with very many items; large data travels as numpy arrays)")
    if budget is not None:
        budget.check(n, n)
    try:
        header = json.loads(bytes(_recv_exact(sock, n, deadline)).decode("utf-8", "surrogatepass"))
    except (Timeout, Closed):
        raise
    except (ValueError, RecursionError) as e:
        raise WireError(f"unreadable message header: {e}") from None
    if not isinstance(header, dict):
        raise WireError("message header is not an object")
    lens = header.get("bufs", [])
    # Each length within the limit before they are added up: a length of 4,000 digits made the
    # refusal's size in MiB an OverflowError, not a WireError (attack g04).
    if (not isinstance(lens, list) or len(lens) > MAX_BUFFERS
            or not all(type(x) is int and 0 <= x <= max_bytes for x in lens)):
        raise WireError("bad buffer table")
    if n + sum(lens) > max_bytes:
        raise WireError(f"message of {(n + sum(lens)) / 2**20:.1f} MiB is over the "
                        f"{max_bytes / 2**20:g} MiB limit")
    if budget is not None:
        budget.charge(n + sum(lens), n)
    return header, [_recv_exact(sock, k, deadline) for k in lens]
