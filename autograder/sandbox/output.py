"""What the submission printed and warned, per test case, within the session's output cap.

The runner sends its captured stdout/stderr (already capped there) and its warnings with every
reply; the judge keeps them here, labelled with the test case that was running."""

from __future__ import annotations

import builtins
import warnings

from .. import messages as M
from .limits import DROPPED_CAP, WARNING_CAP, WARNINGS_PER_REPLY
from .remote import cap_text


def _warning_class(name) -> type[Warning]:
    cls = getattr(builtins, str(name), None)
    return cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning


def _judge_action(category: type[Warning], text: str) -> str:
    """What the judge's own warning filters (the test's catch_warnings/simplefilter) say for
    this warning; the module is unknown, so filters naming one do not match."""
    for action, msg, cat, mod, lineno in warnings.filters:
        if ((msg is None or msg.match(text)) and issubclass(category, cat)
                and (mod is None or (mod.match("") if hasattr(mod, "match") else mod == ""))
                and lineno == 0):  # Python's own default filters hold plain strings ("__main__")
            return action
    return warnings.defaultaction


def _judge_records_warnings() -> bool:
    """Inside warnings.catch_warnings(record=True) warnings go to a list, not to the screen."""
    return isinstance(getattr(warnings._showwarnmsg_impl, "__self__", None), list)


class OutputLog:
    """The session's output: [label, text] runs, the characters kept and dropped."""

    def __init__(self, cap_chars: int, filename: str):
        self.cap, self.filename = cap_chars, filename
        self.label: str | None = "import"  # None: output is not kept (a re-import's, kept once already)
        self.runs: list[list] = []  # [label, text]
        self.kept = 0
        self.dropped = 0
        self.runner_dropped = 0  # the runner's own count of dropped characters, per runner
        self.tap: list[str] | None = None  # a call_printing's own copy of what its call printed

    def keep(self, text: str) -> None:
        """Text for the current case's output, within the session's output cap."""
        if not text or self.label is None:
            return
        room = self.cap - self.kept
        kept = text[:max(room, 0)]
        self.dropped += len(text) - len(kept)
        self.kept += len(kept)
        if kept:
            if self.runs and self.runs[-1][0] == self.label:
                self.runs[-1][1] += kept
            else:
                self.runs.append([self.label, kept])

    def take_warnings(self, reply: dict) -> None:
        """Warnings the submission raised during a call. They are recorded into its output
        (capped), never printed by the grader. A test that turned warnings into errors
        (warnings.simplefilter("error")) still gets the exception, and one recording warnings
        (catch_warnings(record=True)) still gets them in its list: the judge's filters decide."""
        items = reply.get("warnings")
        if not isinstance(items, list):
            return
        for item in items[:WARNINGS_PER_REPLY]:
            if not (isinstance(item, list) and len(item) == 2 and all(type(x) is str for x in item)):
                continue
            category, text = _warning_class(item[0][:100]), cap_text(item[1], WARNING_CAP)
            action = _judge_action(category, text)
            if action == "ignore":
                continue
            if action == "error":
                raise category(text)
            self.keep(f"[warning] {category.__name__}: {text}\n")
            if _judge_records_warnings():
                warnings.warn_explicit(text, category, self.filename, 0)

    def take_output(self, header: dict) -> None:
        out = header.get("out")
        if isinstance(out, str):
            self.keep(out)
            if self.tap is not None:
                self.tap.append(out)  # the runner's cap bounds it (output_kb a session)
        d = header.get("dropped")
        if type(d) is int and d > self.runner_dropped and self.label is not None:
            d = min(d, DROPPED_CAP)  # the runner's word: bounded, so the total stays printable (g02)
            self.dropped = min(self.dropped + d - self.runner_dropped, DROPPED_CAP)
            self.runner_dropped = d

    def case_outputs(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for label, text in self.runs:
            out[label] = out.get(label, "") + text
        return out

    def text(self) -> str:
        parts = []
        for label, text in self.runs:
            parts.append(text if label == "import" and not parts else f"[{label}]\n{text}")
        text = "".join(p if p.endswith("\n") else p + "\n" for p in parts) if parts else ""
        if self.dropped:
            text += M.dropped(self.dropped)
        return text
