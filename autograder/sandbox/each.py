"""A test's loop of calls to one submission function, sent to the runner in one request
(issue 16): the answers, one per call, read in order as the test asks for them, and those still
owed settled before any other request. SandboxSession (session.py) mixes this in; it reads and
writes the session's `_stream` and `_more` and uses its `_ready`, `_request`, `_exchange`,
`_recv`, `_kill`, `_until` and `_account`.
"""

from __future__ import annotations

import collections
import time
from typing import TYPE_CHECKING

from .limits import EACH_EXPECT, EACH_MAX, SETTLE_GRACE

if TYPE_CHECKING:
    from .proxies import Handle


class _Stream:
    """A call_each's answers: how many the runner still owes, those read early (_settle), and
    whether the test has left the loop."""

    def __init__(self, pending: int):
        self.pending = pending
        self.kept: collections.deque = collections.deque()
        self.abandoned = False  # the test left the loop (the generator was closed)
        self.ended = False  # the runner sent its last answer for the loop


def _replay(raised: bool, value):
    """A call's outcome as the call itself: returns its value, or raises what it raised."""
    def replay():
        if raised:
            raise value
        return value
    return replay


class LoopCalls:
    def call_each(self, target: Handle, calls, expect: str | None = None):
        """target(*args) for each args tuple in `calls`, yielded in order; the first call that
        raises raises here, and no later call runs: the test's own loop, in one request. With
        `expect` (an exception name the runner knows, e.g. "ValueError"), a loop of calls that
        must raise it: each is yielded as a replay (a function of no arguments that returns the
        call's value or raises what it raised, fault included), and the first call that does
        not raise it is the last one run.

        The runner answers each call as it finishes, so it computes the next while the test
        checks this one; each answer says whether another follows ("more"). Another request
        before all answers are read (a test that stopped early, or one that looks into an
        answer's handle) first takes the answers left (_settle)."""
        calls = [tuple(args) for args in calls]
        if expect is not None and expect not in EACH_EXPECT:
            raise ValueError(f"call_each: expect one of {', '.join(EACH_EXPECT)}, got {expect!r}")
        if len(calls) > EACH_MAX:
            raise ValueError(f"call_each: at most {EACH_MAX} calls in one request, got {len(calls)}")
        if not calls:
            return
        target = self._ready(target)
        header, buffers = self._request("each", target, {"args": calls})
        if expect is not None:
            header["expect"] = str(expect)
        stream = self._stream = _Stream(len(calls))
        began = time.perf_counter()
        for _ in range(len(calls)):
            if stream.kept:  # read early by _settle
                raised, value = stream.kept.popleft()
            else:
                if self._stream is not stream or not stream.pending:
                    if expect is not None and stream.ended:
                        return  # the last call run did not raise `expect`: the loop ended there
                    raise RuntimeError("call_each: no more answers (the runner ended the loop, or was restarted)")
                # Each answer's wait is split like a call's round trip: the runner's figure for the
                # student, the rest for the wire. Student time that overlapped the test's checks of
                # the answer before is not counted at all (the split errs against the sandbox).
                self._busy = None
                raised = False
                try:
                    value = self._exchange(header, buffers, False, {})
                except BaseException as e:  # noqa: BLE001 - the call's raise or fault, handed on below
                    raised, value = True, e
                header = None
                stream.pending = stream.pending - 1 if (self._more and stream.pending > 1) else 0
                stream.ended = not stream.pending
                if not stream.pending and self._stream is stream:
                    self._stream = None
                self._account(time.perf_counter() - began)
            if expect is None and raised:
                stream.pending = 0  # a raise or an exit ends the loop (the runner's too)
                if self._stream is stream:
                    self._stream = None
                raise value
            try:
                yield _replay(raised, value) if expect is not None else value
            except GeneratorExit:  # the loop was left (a failed assertion, a break): see _settle
                stream.abandoned = True
                raise
            began = time.perf_counter()

    def _settle(self) -> None:
        """Before another request: the answers a call_each still owes. A loop still being read
        (a test looking into an answer's handle mid-loop) gets them all, read now and kept for it,
        each within a call's timeout as the loop would have. A loop that was left (a failed
        assertion) gets SETTLE_GRACE: a runner that has not sent them by then is killed, so a
        wrong and slow function costs one call, not the rest of the loop; the next request
        restarts it."""
        stream, self._stream = self._stream, None
        if stream is None or not stream.pending or not self.alive:
            return
        if not stream.abandoned:
            while stream.pending:
                stream.pending -= 1
                try:
                    stream.kept.append((False, self._exchange(None, [], False, {})))
                except BaseException as e:  # noqa: BLE001 - the call's raise or fault, in its place
                    stream.kept.append((True, e))
                if not self._more:
                    stream.pending = 0
            stream.ended = True
            return
        until = time.monotonic() + SETTLE_GRACE
        try:
            for _ in range(stream.pending):
                reply, _bufs = self._recv(min(until, self._until(SETTLE_GRACE)))
                if not (isinstance(reply, dict) and reply.get("more") is True):
                    break  # the runner's loop ended with this answer
        except Exception:  # noqa: BLE001 - too slow, gone or garbled: start afresh
            self._kill()
        stream.pending = 0
