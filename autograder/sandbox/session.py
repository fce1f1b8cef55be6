"""The session: one submission's runner, seen from the judge. It forks the runner through the
template client, imports the submission, carries each call as a frame (the wire), turns the
runner's answer back into a value, an exception or a RunnerFault, and restarts the runner after
a fault while the submission's deadline allows.
"""

from __future__ import annotations

import socket
import sys
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from ..status import Status
from . import wire
from .client import Zygote
from .faults import Deadline, RunnerFault, SubmissionExit
from .each import LoopCalls, _Stream
from .evidence import CallEvidence
from .lifecycle import RunnerLifecycle
from .limits import SESSION_HEADERS, SESSION_MESSAGES, memory_text
from .output import OutputLog
from .proxies import Env, Handle, handle_class
from .reasons import exit_code_text
from .remote import runaway_stop
from .uids import UidLease, lease_uid

if TYPE_CHECKING:
    from .engine import SandboxEngine


def _numpy_errstate() -> dict:
    np = sys.modules.get("numpy")
    return dict(np.geterr()) if np is not None else {}


class _Malformed(Exception):
    """A runner's reply that is not what a runner sends (the submission wrote on its socket)."""


class SandboxSession(RunnerLifecycle, LoopCalls, CallEvidence):
    def __init__(self, engine: "SandboxEngine", zygote: Zygote, bundle, source: str, filename: str,
                 deadline: Deadline | None = None, owner: object | None = None):
        self.engine, self.zygote, self.bundle = engine, zygote, bundle
        # The submission this session grades (the grading core's token): a spare monitor armed
        # for it may serve only its sessions (spares.py). None: a submission of its own.
        self.owner = owner if owner is not None else object()
        self.limits = bundle.limits
        self.source, self.filename = source, Path(filename).name
        self.module = Path(filename).stem
        self.import_error: tuple[str, str] | None = None
        self.env = Env(self)
        self.gen = 0
        self.rsock: socket.socket | None = None
        self.msock: socket.socket | None = None
        self.alive = False
        self.broken: str | None = None
        self.exit_info: dict | None = None
        self._early_exit: dict | None = None  # the monitor's unasked "exit", met by another question (lifecycle)
        self.deadline = deadline
        self.expired: str | None = None  # the reason, once the submission's deadline has passed
        self._handles: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self.globals_cache: dict[str, Handle] = {}  # name -> handle, this runner's (see Env)
        self._global_names: dict[tuple[int, int], str] = {}  # (gen, id) -> the global it was (_current)
        self._release: list[int] = []
        # Seconds spent in calls (issue 16; grading/core.py reads it for the time split): the
        # student's code as the runner timed it, the rest of each round trip, and how many.
        self.timing = {"student": 0.0, "wire": 0.0, "calls": 0}
        self._busy = None
        self._stream: _Stream | None = None  # the call_each whose answers are being read
        self._more = False  # whether the last streamed answer said another follows
        self._watched = None  # what a watched call did to its array arguments (call_watched)
        self._classes: dict = {}  # this submission's handle classes (proxies.handle_class)
        self.log = OutputLog(int(self.limits.output_kb) * 1024, self.filename)
        # All of the session's replies together, whatever runners it restarts (attacks i02, i03).
        self.budget = wire.Budget(SESSION_MESSAGES * engine.max_message, SESSION_HEADERS)
        self._setup_problem = ""
        self.closed = False
        self.folder_left = False  # a runner's folder whose removal its monitor did not confirm
        self.runner_gone = False  # closed, and its monitor confirmed every process of it killed
        self.group = None  # the runner's cgroups (cgroups.Group), when the engine makes them
        self.uid: UidLease | None = None
        engine.register(self)  # live from now until its clean-up is done (_finish)
        try:
            self.uid = lease_uid() if zygote.switch_user else None
            if self.uid is not None:
                engine.used_uids.add(self.uid.uid)
            err = self._start()
        except BaseException:
            self.close()  # the uid lease and the runner never outlive a session that failed to open
            raise
        if err:
            self.import_error = err

    # -- calls
    def _ref(self, obj):
        if isinstance(obj, Handle):
            if object.__getattribute__(obj, "_sb_session") is not self:
                raise TypeError("an object from another submission cannot be passed here")
            if object.__getattribute__(obj, "_sb_gen") != self.gen:
                obj = self._current(obj, lookup=False)  # mid-encoding: no round trip
            return {wire.TAG: "ref", "id": object.__getattribute__(obj, "_sb_id")}
        return None

    def take_prefetch(self, prefetch) -> None:
        """The handles of the module's functions, sent with the import's answer (the cache is
        emptied when the runner starts: _start_once)."""
        if not isinstance(prefetch, dict) or len(prefetch) > 1000:
            return
        for name, d in prefetch.items():
            if type(name) is str and len(name) <= 200 and isinstance(d, dict) and d.get(wire.TAG) == "h":
                try:
                    self.globals_cache[name] = h = self._handle(d)
                except wire.WireError:
                    continue
                self._global_names[(self.gen, object.__getattribute__(h, "_sb_id"))] = name

    def global_value(self, name: str):
        """A global of the submission: a handle it announced or was looked up before (and has not
        rebound since: every answer names the ones it rebound), or a round trip."""
        h = self.globals_cache.get(name)
        if h is not None:  # this runner's: a restart empties the cache
            return h
        value = self._op("global", None, name=name, keyerror=True)
        if isinstance(value, Handle):
            self.globals_cache[name] = value
            self._global_names[(self.gen, object.__getattribute__(value, "_sb_id"))] = name
        return value

    def _current(self, h: Handle, lookup: bool = True) -> Handle:
        """A handle of an earlier runner, as this runner's: a module global (a function the test
        was given) is the same name looked up again; anything else the old runner made is gone.
        A test holds its functions across a restart it did not ask for (a loop left early whose
        slow runner _settle killed): the next call must reach the new runner's function, not fail
        as a stale object, nor send the old id to the new runner."""
        name = self._global_names.get((object.__getattribute__(h, "_sb_gen"), object.__getattribute__(h, "_sb_id")))
        new = None
        if name is not None:
            new = self.global_value(name) if lookup else self.globals_cache.get(name)
        if not isinstance(new, Handle) or object.__getattribute__(new, "_sb_gen") != self.gen:
            raise RuntimeError("this object belonged to a runner that has since been restarted")
        return new

    def _handle(self, d: dict) -> Handle:
        hid = d.get("id")
        if type(hid) is not int:
            raise wire.WireError("bad handle")
        key = (self.gen, hid)
        h = self._handles.get(key)
        if h is None:
            cls = handle_class(bool(d.get("callable")), str(d.get("type", "object"))[:200], self._classes)
            h = cls(self, self.gen, hid, str(d.get("type", "object"))[:200])
            self._handles[key] = h
            weakref.finalize(h, self._released, self.gen, hid)
        return h

    def _released(self, gen: int, hid: int) -> None:
        if gen == self.gen and not self.closed:
            self._release.append(hid)

    def _op(self, op: str, target: Handle | None, keyerror: bool = False, **fields):
        began, self._busy = time.perf_counter(), None
        try:
            return self._call(op, target, keyerror, **fields)
        finally:
            self._account(time.perf_counter() - began)

    def _account(self, seconds: float) -> None:
        """Split one round trip into the student's time and the wire's. The runner's figure
        comes from the student's process, so it only splits, bounded by the round trip, and is
        never used for a verdict; without a reply (a timeout, a crash) the wait was the student's."""
        busy = self._busy
        if type(busy) is not float or not busy >= 0.0:  # no reply, no figure, NaN or junk
            busy = seconds if busy is None else 0.0
        busy = min(busy, seconds)
        self.timing["student"] += busy
        self.timing["wire"] += seconds - busy
        self.timing["calls"] += 1

    def _call(self, op: str, target: Handle | None, keyerror: bool = False, **fields):
        target = self._ready(target)
        header, buffers = self._request(op, target, fields)
        return self._exchange(header, buffers, keyerror, fields)

    def _ready(self, target: Handle | None) -> Handle | None:
        """Raise what a call would meet instead of an answer; restart a runner lost to a fault;
        the target as this runner's handle (_current)."""
        if self.closed:
            raise RuntimeError("the submission's session is closed")
        self._settle()
        if self._out_of_time():
            raise RunnerFault(Status.TIMEOUT, self.expired)
        if self.broken:
            raise RunnerFault(Status.ERROR, f"the runner could not be restarted: {self.broken}")
        if self.import_error:
            raise RunnerFault(self.import_error[0], self.import_error[1])
        if not self.alive:
            self._restart()
            if self.broken:
                raise RunnerFault(Status.ERROR, f"the runner could not be restarted: {self.broken}")
            if self._out_of_time():
                raise RunnerFault(Status.TIMEOUT, self.expired)
        if target is not None and object.__getattribute__(target, "_sb_gen") != self.gen:
            target = self._current(target)
        return target

    def _request(self, op: str, target: Handle | None, fields: dict) -> tuple[dict, list]:
        header: dict = {"op": op, "fp": _numpy_errstate()}
        if target is not None:
            header["target"] = {wire.TAG: "ref", "id": object.__getattribute__(target, "_sb_id")}
        for key in ("name",):
            if key in fields:
                header[key] = str(fields[key])
        if fields.get("watch"):
            header["watch"] = True
        enc = wire.Encoder(ref=self._ref)  # one encoder: the fields share one buffer table
        for key in ("args", "key", "value"):
            if key in fields:
                header[key] = enc.encode(fields[key])
        if self._release:
            # A stale handle's finalizer (run by the GC, possibly in another thread) may name an
            # id the runner has since handed out again to a live handle for the same object:
            # only ids no live handle uses are released, or the runner would forget them.
            pending, self._release = self._release, []
            header["release"] = [hid for hid in pending if (self.gen, hid) not in self._handles]
        return header, enc.buffers

    def _exchange(self, header: dict | None, buffers: list, keyerror: bool, fields: dict):
        """Send the request (unless `header` is None: a streamed call's later answers) and turn
        the runner's next reply into a value, an exception or a RunnerFault."""
        t = float(self.limits.timeout)
        self._more = False  # a streamed call's answer says whether another follows
        try:
            if header is not None:
                wire.send_frame(self.rsock, header, buffers)
            reply, bufs = self._recv(self._until(t))
            self._busy = reply.get("t") if isinstance(reply, dict) else 0.0
            self._watched = reply.get("watched") if isinstance(reply, dict) else None
            self._more = isinstance(reply, dict) and reply.get("more") is True
        except wire.Timeout:
            self._kill()
            if self._out_of_time():
                raise RunnerFault(Status.TIMEOUT, self.expired) from None
            raise RunnerFault(Status.TIMEOUT, f"timed out after {t:g} s") from None
        except wire.WireError as e:
            self._kill()
            raise RunnerFault(Status.ERROR, f"the submission's answer could not be read: {e}") from None
        except (wire.Closed, OSError):
            info = self._kill()
            status, reason = self._death_reason(info, "during the call")
            if status == Status.ERROR and info and info.get("code") is not None:
                raise SubmissionExit(f"the submission's process exited (os._exit({info['code']})) during the call")
            raise RunnerFault(status, reason) from None
        try:
            return self._answer(reply, bufs, keyerror, fields)
        except (StopIteration, StopAsyncIteration) as e:
            if header is not None and header.get("op") == "next":
                raise  # the iteration protocol of an iterator the submission returned
            # Anywhere else (a call, an item, a call_each answer) it would end the judge's own
            # loop: map(f, cases) would stop early and `all(...)` pass with nothing checked. PEP
            # 479 does the same for generators: a RuntimeError, here naming the culprit (j01).
            raise runaway_stop(e) from None
        except _Malformed as e:
            self._kill()
            raise RunnerFault(Status.ERROR, f"the submission's answer could not be read: {e}") from None
        finally:
            if self._out_of_time() and self.alive:
                self._kill()  # decoding ran past the deadline: nothing more runs for this submission

    def _answer(self, reply: dict, bufs: list, keyerror: bool, fields: dict):
        """The value of a runner's reply, or the exception it carries; _Malformed when the
        reply is not what a runner sends."""
        stale = reply.get("stale")
        if isinstance(stale, list):
            for name in stale:
                if type(name) is str:
                    self.globals_cache.pop(name, None)
        try:
            self.log.take_warnings(reply)
        except Warning:
            raise  # the test asked for warnings as errors
        except Exception as e:  # noqa: BLE001
            raise _Malformed(f"bad warnings ({type(e).__name__})") from None
        if "exit" in reply:
            raise SubmissionExit(f"the submission called sys.exit({exit_code_text(reply['exit'])})")
        if "exc" in reply:
            exc_d = reply["exc"] if isinstance(reply["exc"], dict) else {}
            if exc_d.get("base") == "MemoryError":
                self._kill()  # its heap may be in any state: start afresh for the next case
                raise RunnerFault(Status.ERROR, f"ran out of memory (limit {memory_text(self.limits.memory_mb)})")
            if keyerror and exc_d.get("base") == "KeyError":
                raise KeyError(fields.get("name"))
            raise wire.rebuild_exception(exc_d)
        try:
            return wire.Decoder(bufs, handle=self._handle, answer=True).decode(reply.get("ok"))
        except Exception as e:  # noqa: BLE001 - WireError, or a field of the wrong type
            # A WireError says what was wrong in the grader's words; anything else (np.dtype of a
            # forged string, say) would quote the submission: its type only.
            raise _Malformed(wire.cap_text(str(e) if isinstance(e, wire.WireError) else f"{type(e).__name__}",
                                           300)) from None

    # -- the Session interface
    def begin_case(self, label: str) -> None:
        """Output printed from now on belongs to this test case (core.py calls this)."""
        if not self.closed:
            self._settle()  # what the last case's abandoned call_each printed is that case's
        self.log.label = label

    def case_outputs(self) -> dict[str, str]:
        return self.log.case_outputs()

    def output(self) -> str:
        return self.log.text()

    def after_fault(self) -> None:
        if self.closed or self.broken or self._out_of_time():
            return
        self._restart()

    def close(self) -> None:
        """End the session: the runner and everything it started killed, its folder removed,
        its uid released, all before returning."""
        if self.closed:
            return
        self.closed = True
        self._finish()

    def close_later(self) -> None:
        """End the session for the judge now (the runner's socket closed, its monitor told to
        kill it and everything it started) and leave the rest of `close` (waiting for that,
        removing its folder) to the engine's clean-up thread, which `engine.close()` waits for
        (issue 16: the next session need not wait ~10 ms). The kill is not queued: that thread
        serves the sessions in turn, and a folder of many files held it for seconds, while a
        process the runner had started lived on into the next submission (attack f01)."""
        if self.closed:
            return
        self.closed = True
        self._drop_runner()
        self._tell_monitor("kill")
        self.engine.finish_later(self._finish)

    def _finish(self) -> None:
        try:
            self._shutdown(gone=self._gone)
        finally:
            if self.uid is not None:
                # A folder whose removal was not confirmed is still the uid's to enter: the uid is
                # not lent again while this process lives (its lock stays held), or the next
                # session leasing it could read what the runner left there (attack f08).
                if not self.folder_left:
                    self.uid.release()
                self.uid = None
            with self.engine._lock:
                self.engine._sessions.discard(self)

    def _gone(self) -> None:
        """Its monitor has killed everything the runner started: no runner of this submission is
        left to count in a spare's pid (spares.py), so the next session's spare may be armed
        (queued after this clean-up: engine.after_close)."""
        self.runner_gone = True
        try:
            self.engine.after_close(self.zygote, int(self.limits.memory_mb) * 2**20)
        except Exception:  # noqa: BLE001 - a spare only saves time: it never stops a close
            pass
