"""The results store of a batch, in DIR/state/:

  batch.json            which assignment DIR holds (a second assignment in the same DIR is refused)
  records/<name>.json   one per graded submission: the full GradeResult, the content hash of the
                        submission and the grading key it was graded under
  journal.jsonl         append-only, one line per event ("graded" once per grading), fsync'd

Every file is written atomically (autograder/files.py: a temp file in the same folder, fsync, os.replace,
then fsync of the folder), so a batch killed at any instant leaves each file either complete
or absent. A record is the commit point: a submission with a record matching its hash and
key is not graded again.

One order of writes per grading, and what a kill at each point leaves (tests/test_batch_resume.py
injects a crash at each):

  1. the record's temp file is written        kill here: no record, no line; the temp file is
                                              removed and the submission graded on the rerun
  2. os.replace publishes the record (commit) kill before it: as 1
  3. the `graded` line is appended, fsync'd   kill before it: a record without its line; kill
                                              during it: a line cut short (ended by a newline
                                              and skipped when read). Either way the rerun's
                                              open() appends the missing line from the record
                                              (marked "recovered": true)
  4. results/, logs/ and the reports          kill here: record and line agree; the rerun keeps
                                              the record and rewrites the per-submission files

So after open() the journal holds exactly one complete `graded` line for every record's
(name, run): the record is the truth and the journal is completed from it, never the reverse.
Older `graded` lines of records since replaced (a changed submission regraded) stay as history.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..files import json_bytes, write_bytes_atomic, write_if_changed

STATE = "state"


class StoreError(Exception):
    pass


class ResultStore:
    def __init__(self, out: Path):
        self.out = Path(out)
        self.state = self.out / STATE
        self.records_dir = self.state / "records"
        self.journal = self.state / "journal.jsonl"

    def open(self, slug: str) -> None:
        self.records_dir.mkdir(parents=True, exist_ok=True)
        meta = self.state / "batch.json"
        if meta.is_file():
            held = self.held_slug()
            if held and held != slug:
                raise StoreError(f"{self.out} holds results for assignment {held!r}, not {slug!r}; "
                                 "use another --out folder")
        write_if_changed(meta, json_bytes({"slug": slug, "format": 1}))
        self._clean_temp_files()
        self._end_journal_line()
        self._complete_journal()

    def _complete_journal(self) -> list[str]:
        """Append the `graded` line of every record the journal lacks (a kill between steps 2
        and 3 of the module docstring). Returns the names completed."""
        logged = {(e.get("name"), e.get("run")) for e in self.events() if e.get("event") == "graded"}
        done = []
        for record in self.records():
            if (record["name"], record.get("run")) not in logged:
                self._log_graded(record, recovered=True)
                done.append(record["name"])
        return done

    def _end_journal_line(self) -> None:
        """A line cut short by a kill must not swallow the next run's first line."""
        try:
            with open(self.journal, "rb") as f:
                f.seek(-1, os.SEEK_END)
                last = f.read(1)
        except OSError:
            return
        if last != b"\n":
            fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND)
            try:
                os.write(fd, b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)

    def _clean_temp_files(self) -> None:
        """Leftovers of a batch killed mid-write (never read: only os.replace publishes)."""
        for folder in (self.state, self.records_dir, self.out, self.out / "results", self.out / "logs",
                       self.out / "feedback"):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    try:
                        tmp.unlink()
                    except OSError:
                        pass

    def held_slug(self) -> str | None:
        """The assignment this folder holds results for (None: none yet, or unreadable)."""
        try:
            return json.loads((self.state / "batch.json").read_text(encoding="utf-8")).get("slug")
        except (OSError, ValueError, AttributeError):
            return None

    def records(self) -> list[dict]:
        """Every record of the store, by name (the reports are built from all of them: a run
        that grades a few submissions keeps the rest of the class)."""
        out = []
        for path in sorted(self.records_dir.glob("*.json")):
            record = self.load(path.stem)
            if not isinstance(record, dict) or record.get("name") != path.stem or "result" not in record:
                continue  # not a record this store wrote; grading treats it as absent
            out.append(record)
        return out

    def record_path(self, name: str) -> Path:
        return self.records_dir / f"{name}.json"

    def load(self, name: str) -> dict | None:
        try:
            return json.loads(self.record_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def status_of(self, name: str, digest: str, key: str) -> tuple[str, dict | None]:
        """("fresh", record) / ("changed", record) / ("key", record: tests or limits changed) /
        ("new", None)."""
        record = self.load(name)
        if record is None:
            return "new", None
        if record.get("digest") != digest:
            return "changed", record
        if record.get("key") != key:
            return "key", record
        return "fresh", record

    def commit(self, record: dict) -> None:
        """Publish one submission's record, then journal it (steps 1-3 of the module docstring)."""
        write_bytes_atomic(self.record_path(record["name"]), json_bytes(record))
        self._log_graded(record)

    def _log_graded(self, record: dict, recovered: bool = False) -> None:
        extra = {"recovered": True} if recovered else {}
        self.log_event("graded", name=record["name"], digest=record.get("digest"),
                       status=record["result"].get("status"), run=record.get("run"), **extra)

    def log_event(self, event: str, **fields) -> None:
        line = json.dumps({"event": event, "time": round(time.time(), 3), **fields}, sort_keys=True) + "\n"
        self._append(line.encode("utf-8"))

    def _append(self, data: bytes) -> None:
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def events(self) -> list[dict]:
        """The journal's complete lines (a line cut short by a kill is skipped)."""
        try:
            text = self.journal.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out
