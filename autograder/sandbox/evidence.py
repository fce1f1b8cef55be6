"""What a test may learn of a call to the submission besides its value, each from where it
can be known: what the call did to its numpy array arguments (the runner's word, checked for
form), what it printed (its replies' output), and what it wrote in its working folder (read by
the runner's monitor, readback.py). SandboxSession (session.py) builds these on its calls; a
test reaches them through proxies.call_watched, call_printing and file_head."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .proxies import Handle


class CallEvidence:
    """Mixed into SandboxSession, whose _op, _settle, _ask_monitor, log and msock it uses."""

    def call_watched(self, target: Handle, args: tuple, kwargs: dict):
        """target(*args, **kwargs) and what it did to its numpy array arguments, which the runner
        gets as copies, so the test cannot see it in its own arrays: (value, changed, returned),
        the positions (ints) and keyword names of the arguments the call modified in place, and of
        those the value is or is a view of. The runner's word, checked for form only: a
        submission that lies can only pass or fail its own check."""
        value = self._op("call", target, args=(args, kwargs), watch=True)
        w = self._watched if isinstance(self._watched, dict) else {}
        keys = set(range(len(args))) | {k for k in kwargs if type(k) is str}

        def known(items):
            return sorted({k for k in items if type(k) in (int, str) and k in keys}, key=str) if isinstance(items, list) else []
        return value, known(w.get("changed")), known(w.get("returned"))

    def call_printing(self, target: Handle, args: tuple, kwargs: dict) -> tuple:
        """(target(*args, **kwargs), the text its replies carried from the runner's stdout and
        stderr), for a test that checks a promised print; the text reaches the case's output as
        well. What an abandoned loop of calls still had to say is not this call's (_settle)."""
        if not self.closed:
            self._settle()
        self.log.tap = []
        try:
            value = self._op("call", target, args=(args, kwargs))
            return value, "".join(self.log.tap)
        finally:
            self.log.tap = None

    def file_head(self, name: str, limit: int) -> tuple[int, bytes] | None:
        """(size, the first `limit` bytes) of a file the submission wrote in its working folder,
        read by the runner's monitor, which is trusted, not by the submission (readback.py).
        FileNotFoundError when there is no such regular file; None where the monitor cannot see
        the runner's folder (a private view that did not hand its folder over)."""
        if self.closed or self.msock is None:
            return None
        self._settle()  # an abandoned loop's answers are read first: the monitor's reply is next
        ev = self._ask_monitor("head", "head", {"name": str(name), "limit": int(limit)})
        if ev is None or "unavailable" in ev:
            return None
        if "missing" in ev or type(ev.get("size")) is not int:
            raise FileNotFoundError(f"{name}: {str(ev.get('missing', 'not found'))[:200]}")
        bufs = ev.get("_bufs") or []
        return ev["size"], bytes(bufs[0])[:int(limit)] if bufs else b""
