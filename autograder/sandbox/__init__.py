"""The sandboxed grading engine: the student's code never judges itself.

Two processes per submission (DESIGN.md section 5):

- the runner (untrusted, runner.py): forked, through a monitor (monitor.py), from a per-bundle
  template process (zygote.py) that has already imported the libraries the reference solution
  imports and, in its successor, those of the library list the submissions name (preload.py);
  inside bubblewrap (no network,
  own PID/IPC namespaces, read-only view of only the interpreter, the venv, this package and the
  bundle's public assets); private working directory, scrubbed environment, rlimits (CPU,
  address space, processes, file size), an unprivileged uid of its own when the grader is root.
- the judge (trusted, engine.py and session.py): the grader process. It runs otter's test
  functions itself; `session.env` holds proxies (proxies.py) whose calls travel to the runner as
  data (wire.py: JSON plus raw buffers, never pickle, size-capped). Anything that is not data
  stays in the runner behind a Handle, which never decides ==, bool, hash or __array__ on the
  runner's say-so.

Without bubblewrap (or where it is refused) the same runner runs unconfined by namespaces,
with a new network namespace where the OS allows it, and the engine prints one warning naming
what is off. COURSE_SANDBOX_BWRAP=0 simulates that. docs/SECURITY.md lists every module and its
one job. Nothing here imports autograder.grading (faults.py holds what both layers raise).
"""

from __future__ import annotations

__all__ = ["SandboxEngine", "SandboxSession", "Handle", "RemoteError"]


def __getattr__(name):  # lazy: the template process imports this package too, and needs none of it
    if name in __all__:
        from . import engine
        return getattr(engine, name)
    raise AttributeError(name)
