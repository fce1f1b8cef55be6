"""The worker side of a batch: grade one task (plain data in, plain data out).

A worker process (a local pool process or a Dask worker) unpacks the grading bundle from its
zip bytes once into a private temp folder, opens one engine, and reuses both for every
submission it grades. Each submission is read from its bytes by autograder.submission (a zip
unpacked safely into a temp folder that is then removed) and graded. Nothing here needs the
client's filesystem.
"""

from __future__ import annotations

import ast
import atexit
import dataclasses
import io
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from pathlib import Path

from ..bundle_format import GradingBundle
from ..grading import make_engine, rejected
from ..grading.engine import Deadline
from ..grading.results import GradeResult
from ..sandbox.limits import THREAD_VARS
from .. import messages as M
from ..status import Status
from ..submission import SubmissionRejected, read_archive, read_bytes

_bundles: dict[tuple[str, float | None], GradingBundle] = {}
_engines: dict[str, object] = {}
_lock = threading.Lock()  # grading changes the working directory: one at a time per process


WORKDIR_PREFIX = "course-worker-"
_workdirs: list[Path] = []


def sweep_stale_workdirs() -> int:
    """Remove the private folders of worker processes that are gone (killed with the batch, so
    their exit handlers never ran). Folders are named course-worker-<pid>-*; only our own."""
    removed = 0
    if not hasattr(os, "getuid"):  # Windows: no owner to compare, and os.kill(pid, 0) there is not a probe
        return removed
    for d in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        try:
            pid = int(d.name[len(WORKDIR_PREFIX):].split("-", 1)[0])
            if d.stat().st_uid != os.getuid() or pid == os.getpid():
                continue
            os.kill(pid, 0)
            continue  # still running
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
            removed += 1
        except (ValueError, OSError):
            continue
    return removed


def cleanup() -> str:
    """Close the engines and delete the unpacked bundles (at exit, and explicitly from the
    client at the end of a Dask run)."""
    close_engines()
    _bundles.clear()
    while _workdirs:
        shutil.rmtree(_workdirs.pop(), ignore_errors=True)
    return _worker_id()


def limit_overrides(timeout) -> dict:
    """The limits a batch overrides: a number is the per-call timeout (--timeout); a dict maps
    Limits fields to values (--timeout, --submission-timeout)."""
    if timeout is None:
        return {}
    if isinstance(timeout, dict):
        return {k: float(v) for k, v in sorted(timeout.items()) if v is not None}
    return {"timeout": float(timeout)}


def _bundle(key: str, bundle_zip: bytes, timeout) -> GradingBundle:
    overrides = limit_overrides(timeout)
    timeout = tuple(overrides.items()) or None  # the cache key
    if (key, timeout) not in _bundles:
        base = next((b for (k, _), b in _bundles.items() if k == key), None)
        if base is None:
            if not _workdirs:
                sweep_stale_workdirs()
            tmp = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))  # mode 0700
            _workdirs.append(tmp)
            with zipfile.ZipFile(io.BytesIO(bundle_zip)) as zf:
                zf.extractall(tmp / "bundle")  # our own bundle: trusted content
            base = GradingBundle.load(tmp / "bundle")
        if overrides:
            base = dataclasses.replace(base, limits=dataclasses.replace(base.limits, **overrides))
        _bundles[(key, timeout)] = base
    return _bundles[(key, timeout)]


def _engine(name: str):
    if name not in _engines:
        _engines[name] = make_engine(name)
    return _engines[name]


def _drop_engine(name: str) -> None:
    engine = _engines.pop(name, None)
    if engine is not None:
        try:
            engine.close()
        except Exception:  # noqa: BLE001 - a broken engine is being thrown away anyway
            pass


def close_engines() -> None:
    for name in list(_engines):
        _drop_engine(name)


atexit.register(lambda: cleanup())


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def read_task(task: dict, expected: str):
    """The task's submission through the one reader (autograder.submission): a file's bytes
    under the name the student gave it, or a folder packed as a zip by the client."""
    if task["kind"] == "file":
        return read_bytes(task["data"], task["filename"], expected)
    if task["kind"] == "folder":
        return read_archive(task["data"], expected, nested_zip=True)  # a folder, as on disk
    raise SubmissionRejected(f"nothing to grade ({task['kind']})")


def _defined_names(source: str) -> set[str] | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):  # RecursionError: see preload.modules_named
        return None
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
                if alias.name == "*":
                    return None  # a star import could define anything
    return names


def _params(tc) -> list[str]:
    import inspect
    try:
        return list(inspect.signature(tc.body.test_func).parameters)
    except (AttributeError, TypeError, ValueError):
        return []


def explain(bundle: GradingBundle, result: GradeResult, source: str) -> str:
    """A short sentence for a graded submission that lost points for a plain reason: names the
    tests need that the submission does not define, or cases still raising NotImplementedError."""
    if result.status != Status.GRADED or result.score >= result.max_score:
        return ""
    parts = []
    defined = _defined_names(source)
    if defined is not None:
        missing: dict[str, list[str]] = {}
        for q in result.questions:
            tf = _core().load_test_file(bundle.tests_dir / f"{q.name}.py")
            for tc in tf.test_cases:
                for param in _params(tc):
                    if param != "env" and param not in defined:
                        missing.setdefault(param, [])
                        if q.name not in missing[param]:
                            missing[param].append(q.name)
        if missing:
            parts.append("missing from the submission: " + ", ".join(
                f"{n} (needed by {', '.join(qs)})" for n, qs in sorted(missing.items())))
    # Public cases only: the reason is in results.json's output, which a student sees at once,
    # and a hidden case that raises NotImplementedError or not by its input would be a bit of
    # that input in it (an outside round's q12).
    cases = [c for q in result.questions for c in q.cases if not c.hidden]
    unfinished = [c for c in cases if not c.passed and "NotImplementedError" in (c.message or "")]
    if unfinished:
        parts.append(f"{len(unfinished)} of {len(cases)} public test cases hit NotImplementedError (not written yet)")
    return "; ".join(parts)


def grade_task(task: dict, bundle_zip: bytes, key: str, engine_name: str, timeout: float | None) -> dict:
    """Grade one submission. Returns {"result": GradeResult dict, "note", "worker", "elapsed"}
    or, when the grader itself failed, {"failure": traceback text, ...}."""
    with _lock:
        return _grade_task(task, bundle_zip, key, engine_name, timeout)


def _grade_task(task, bundle_zip, key, engine_name, timeout) -> dict:
    # The last submission's runners killed and folders removed before this one's clock starts: they
    # share one tmpfs, which a submission could leave full for seconds (attacks g01, g08).
    getattr(_engines.get(engine_name), "wait_for_cleanup", lambda: None)()
    started = time.monotonic()
    out = {"name": task["name"], "digest": task["digest"], "worker": _worker_id(), "note": ""}
    try:
        bundle = _bundle(key, bundle_zip, timeout)
    except Exception:  # noqa: BLE001 - the grader failed, not the submission
        out.update(failure="could not load the grading bundle:\n" + traceback.format_exc(),
                   elapsed=time.monotonic() - started)
        return out
    name = task["name"]
    # One deadline for the whole submission, intake included (limits.submission_timeout).
    deadline = Deadline.after(bundle.limits.effective_submission_timeout, started)
    try:
        if task.get("problem"):
            raise SubmissionRejected(task["problem"])
        read = read_task(task, bundle.submission)
        out["note"], source = read.note, read.source
        if deadline.passed():
            result = rejected(bundle, name, M.reading_timed_out(deadline.reason))
            result.status = Status.TIMEOUT
        else:
            engine = _engine(engine_name)
            try:
                result = _core().grade_source(bundle, source, engine, name, deadline=deadline,
                                              syntax_error=read.syntax_error)
            except Exception:
                _drop_engine(engine_name)  # do not reuse an engine in an unknown state
                raise
        extra = explain(bundle, result, source)
        result.reason = M.join_reason(result.reason, extra)
        result.file = read.graded
    except SubmissionRejected as e:
        result = rejected(bundle, name, str(e))
    except Exception:  # noqa: BLE001 - the grader failed, not the submission
        out.update(failure=traceback.format_exc(), elapsed=time.monotonic() - started)
        return out
    result.submission = name
    result.elapsed = time.monotonic() - started
    out.update(result=result.to_dict(), elapsed=result.elapsed, judge_peak_kb=_peak_kb())
    return out


def _peak_kb() -> int:
    """This grading process's peak resident memory so far (KiB): what a reply could make the
    judge allocate shows here (recorded with each result; the attack tests read it)."""
    try:
        import resource
    except ImportError:  # Windows: not measured
        return 0
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS counts bytes, Linux KiB


# --- local pool processes -------------------------------------------------------------------

_local: dict = {}


def _watch_parent(parent: int) -> None:
    """A pool process must not outlive the batch (kill -9 of `course grade`)."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the polling below still works
        pass

    def poll():
        while True:
            if os.getppid() != parent:
                os._exit(70)
            time.sleep(0.5)

    threading.Thread(target=poll, name="parent-watch", daemon=True).start()
    if os.getppid() != parent:
        os._exit(70)


def init_local(bundle_zip: bytes, key: str, engine_name: str, timeout: float | None, parent: int,
               threads: int | None = None) -> None:
    if threads:  # before numpy is imported here or in the sandbox template (see sandbox.limits.THREAD_VARS)
        for var in THREAD_VARS:
            os.environ.setdefault(var, str(threads))  # a grader's own setting wins
    _watch_parent(parent)
    _local.update(bundle_zip=bundle_zip, key=key, engine=engine_name, timeout=timeout)
    bundle = _bundle(key, bundle_zip, timeout)
    warm(bundle, engine_name)


def _core():
    """The grading core, imported when first needed: it brings otter's test loader (0.3 s), and
    a worker starts its sandbox template before that (warm)."""
    from ..grading import core
    return core


def warm(bundle: GradingBundle, engine_name: str) -> None:
    """Before the first submission (issue 16, the time to the first graded one): the engine's
    template starts importing its libraries in its own process while this one loads the test
    files (otter, the helpers, their module-level set-up). Failures are left for grading to
    report."""
    try:
        engine = _engine(engine_name)
        start = getattr(engine, "start", None)
        if start is not None:
            start(bundle)
    except Exception:  # noqa: BLE001 - reported per submission when grading tries again
        pass
    for name, _ in bundle.questions:
        try:
            _core().load_test_file(bundle.test_file(name))
        except Exception:  # noqa: BLE001 - grading loads it again and reports the error
            pass


def grade_local(task: dict) -> dict:
    return grade_task(task, _local["bundle_zip"], _local["key"], _local["engine"], _local["timeout"])


def ping() -> str:
    return _worker_id()


if __name__ == "__main__":  # pragma: no cover
    sys.exit("autograder.batch.worker is not a command; use `course grade`")
