"""Where the grading of a batch runs: `local` (a pool of worker processes on this machine) or
`dask` (one task per submission on a Dask distributed cluster). Both call
autograder.batch.worker.grade_task with the same plain data (the submission's bytes, the
bundle's zip bytes), so they give the same results.

`on_done(task, outcome)` is called in the client, in completion order, once per task.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable


def _worker():
    """autograder.batch.worker, imported where it runs: it loads otter's test machinery, which
    the client process itself never needs (start-up, issue 16)."""
    from . import worker
    return worker


def _init_local(bundle_zip, *args) -> None:
    if isinstance(bundle_zip, str):  # the path of the executor's private copy (LocalExecutor._bundle_file)
        with open(bundle_zip, "rb") as f:
            bundle_zip = f.read()
    _worker().init_local(bundle_zip, *args)


def _grade_local(task: dict) -> dict:
    return _worker().grade_local(task)


def _cleanup() -> str:
    return _worker().cleanup()


def _threads_per_worker(jobs: int) -> int:
    """Each worker's share of the cores for the numeric libraries' thread pools (joblib's rule):
    the workers already use every core, and more threads only spin and switch."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, jobs))


OnDone = Callable[[dict, dict], None]
MAX_ATTEMPTS = 2  # a submission whose worker process dies is retried once in a fresh one


def _task(item) -> dict:
    """Items are task dicts or objects with .payload() (read only when about to be sent, so
    a large batch is never all in memory at once with the local executor)."""
    return item if isinstance(item, dict) else item.payload()


def _death(task: dict, attempts: int) -> dict:
    return {"name": task["name"], "digest": task["digest"], "worker": "", "note": "", "elapsed": 0.0,
            "failure": f"the grading worker process died while grading this submission "
                       f"({attempts} attempt{'s' if attempts > 1 else ''})"}


def _error(task: dict, text: str) -> dict:
    return {"name": task["name"], "digest": task["digest"], "worker": "", "note": "", "elapsed": 0.0,
            "failure": text}


class LocalExecutor:
    """`jobs` worker processes (spawned: no state inherited from the client), each with its own
    bundle copy and engine, reused across the submissions it grades. At most `jobs` tasks are
    in flight, so when a worker dies the submissions it may have held are known; they are
    retried one at a time in a fresh pool, and one that kills its worker again is reported as
    a grader failure (the others are graded normally)."""

    name = "local"

    def __init__(self, jobs: int, bundle_zip: bytes, key: str, engine: str, timeout: float | dict | None):
        self.jobs, self.bundle_zip, self.key, self.engine, self.timeout = jobs, bundle_zip, key, engine, timeout
        self._closing: list = []  # pools shut down gracefully, their workers still exiting
        self.pool: ProcessPoolExecutor | None = None
        self._zip_path: str | None = None

    def _bundle_file(self) -> str:
        """The bundle's zip in a private file (0600) that each worker reads when it starts:
        handed over as bytes, megabytes went through the pipe of the spawn while the new
        interpreter booted, and the client waited (0.2 s per worker). Removed once the workers are gone."""
        if self._zip_path is None:
            fd, self._zip_path = tempfile.mkstemp(prefix="course-batch-bundle-", suffix=".zip")
            with os.fdopen(fd, "wb") as f:
                f.write(self.bundle_zip)
        return self._zip_path

    def _remove_bundle_file(self) -> None:
        path, self._zip_path = self._zip_path, None
        if path is not None:
            try:
                os.unlink(path)
            except OSError:
                pass

    def _new_pool(self, n: int) -> ProcessPoolExecutor:
        method = os.environ.get("COURSE_GRADE_START_METHOD") or "spawn"
        return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context(method),
                                   initializer=_init_local,
                                   initargs=(self._bundle_file(), self.key, self.engine, self.timeout, os.getpid(),
                                             _threads_per_worker(self.jobs)))

    def run(self, tasks: list, on_done: OnDone) -> None:
        pending = deque(tasks)
        suspects: deque = deque()  # in flight when a worker died: retried one at a time
        attempts: dict[str, int] = {}
        running: dict = {}

        def fill() -> None:
            source = suspects if suspects else pending
            task = None
            try:
                if suspects:
                    if not running:  # alone, so a death names its culprit
                        task = suspects.popleft()
                        running[self.pool.submit(_grade_local, task)] = task
                else:
                    while pending and len(running) < self.jobs:
                        task = _task(pending.popleft())
                        running[self.pool.submit(_grade_local, task)] = task
            except BrokenProcessPool:
                # A worker died and the pool knew before its future was collected: this task
                # was never sent, so it goes back in line; the dead worker's futures say whom to retry.
                source.appendleft(task)
                if not running:
                    self._discard_pool()

        try:
            while pending or suspects or running:
                if self.pool is None:
                    self.pool = self._new_pool(max(1, min(self.jobs, len(pending) + len(suspects) + len(running))))
                fill()
                if not running:
                    continue
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                finished, broken = [], []
                for fut in done:
                    task = running.pop(fut)
                    try:
                        finished.append((task, fut.result()))
                    except BrokenProcessPool:
                        broken.append(task)
                    except Exception as e:  # noqa: BLE001 - e.g. a task that could not be sent
                        finished.append((task, _error(task, f"{type(e).__name__}: {e}")))
                if not broken and not suspects:
                    fill()  # the idle workers get their next submissions before this process writes results
                for task, outcome in finished:
                    on_done(task, outcome)
                if broken:
                    broken.extend(running.values())  # every future of a broken pool fails
                    running.clear()
                    self._discard_pool()
                    for task in broken:
                        attempts[task["name"]] = attempts.get(task["name"], 0) + 1
                        if attempts[task["name"]] >= MAX_ATTEMPTS:
                            on_done(task, _death(task, attempts[task["name"]]))
                        else:
                            suspects.append(task)
        except BaseException:
            self.close(graceful=False)
            raise
        self.close()

    def _discard_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            for proc in list(getattr(pool, "_processes", {}).values()):
                try:
                    proc.kill()
                except Exception:  # noqa: BLE001
                    pass
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self, graceful: bool = True) -> None:
        """Graceful: the workers finish, close their engines and delete their folders, while the
        caller goes on (`join` waits for them). Otherwise (interrupted, failed) they are stopped
        now; the next batch sweeps their folders."""
        pool, self.pool = self.pool, None
        if pool is not None:
            procs = list(getattr(pool, "_processes", {}).values())
            if graceful:
                pool.shutdown(wait=False)  # about a second of engine closing and interpreter exit per worker
                self._closing.append(pool)
                return  # join() removes the bundle file once they are gone
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:  # an interrupted batch must not leave graders running
                if proc.is_alive():
                    proc.terminate()
            for proc in procs:
                proc.join(timeout=5)
                if proc.is_alive():
                    proc.kill()
        if not self._closing:
            self._remove_bundle_file()

    def join(self) -> None:
        """Wait until gracefully closed pools' workers are gone (engines closed, folders deleted)."""
        while self._closing:
            self._closing.pop().shutdown(wait=True)
        self._remove_bundle_file()


class DaskExecutor:
    """One Dask task per submission. With no scheduler address, a LocalCluster of `jobs`
    single-threaded worker processes. The bundle's zip bytes go to every worker once
    (client.scatter, broadcast) and each task carries its submission's bytes; a worker unpacks
    both into its own temp folders, so no filesystem is shared with the client. Workers need
    this package installed (the same version) to run the task function."""

    name = "dask"

    def __init__(self, jobs: int, bundle_zip: bytes, key: str, engine: str, timeout: float | dict | None,
                 scheduler: str | None = None):
        self.jobs, self.bundle_zip, self.key, self.engine, self.timeout = jobs, bundle_zip, key, engine, timeout
        self.scheduler = scheduler
        self.client = self.cluster = None

    def _connect(self):
        import dask
        from distributed import Client, LocalCluster

        dask.config.set({
            "distributed.worker.daemon": False,          # the engine may start processes of its own
            "distributed.scheduler.allowed-failures": MAX_ATTEMPTS - 1,
            "distributed.admin.tick.limit": "1h",
        })
        if self.scheduler:
            self.client = Client(self.scheduler, timeout="30s")
        else:
            self.cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                        dashboard_address=None, memory_limit=0,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        return self.client

    def run(self, tasks: list, on_done: OnDone) -> None:
        from distributed import as_completed

        try:
            client = self._connect()
            bundle = client.scatter(self.bundle_zip, broadcast=True, hash=False)
            run = uuid.uuid4().hex[:8]
            futures = {}
            for item in tasks:
                task = _task(item)
                if len(task["data"]) > (1 << 20):  # large payloads travel as their own data
                    task = {**task, "data": client.scatter(task["data"], hash=False)}
                fut = client.submit(_dask_grade, task, bundle, self.key, self.engine, self.timeout,
                                    key=f"grade-{run}-{task['name']}", pure=False)
                futures[fut] = task
            for fut in as_completed(futures):
                task = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as e:  # noqa: BLE001 - KilledWorker and friends
                    kind = type(e).__name__
                    if kind == "KilledWorker":
                        outcome = _death(task, MAX_ATTEMPTS)
                    else:
                        outcome = _error(task, f"{kind}: {e}")
                on_done(task, outcome)
        except BaseException:
            self.close(graceful=False)
            raise
        self.close()

    def close(self, graceful: bool = True) -> None:
        client, cluster = self.client, self.cluster
        self.client = self.cluster = None
        if client is not None and graceful:
            try:  # engines closed and bundle folders deleted on every worker
                client.run(_cleanup)
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - closing on the way out
                    pass

    def join(self) -> None:
        """Nothing to wait for: `close` shuts the cluster down before returning."""


def _dask_grade(task: dict, bundle_zip: bytes, key: str, engine: str, timeout: float | dict | None) -> dict:
    """Runs on a Dask worker (TensorFlow's logging: autograder.tfquiet, on import). A scattered
    payload arrives already resolved to bytes."""
    return _worker().grade_task(task, bundle_zip, key, engine, timeout)


def make_executor(name: str, jobs: int, bundle_zip: bytes, key: str, engine: str,
                  timeout: float | dict | None, scheduler: str | None = None):
    if name == "local":
        return LocalExecutor(jobs, bundle_zip, key, engine, timeout)
    if name == "dask":
        return DaskExecutor(jobs, bundle_zip, key, engine, timeout, scheduler)
    raise ValueError(f"unknown executor {name!r}; choose local or dask")
