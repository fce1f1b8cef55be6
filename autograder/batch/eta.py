"""The progress bar's ETA, counting the submissions still being graded.

rich's own ETA divides the work left by the speed of the tasks completed so far: while a few
slow submissions are running it knows nothing of how far along they are, and with `--jobs N` it
jumps by a whole submission at each completion. Here the work left is the queued submissions plus
what each running one still needs (the mean duration less its age, never below zero), shared
by the jobs but never shorter than the longest running one still needs."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.progress import ProgressColumn, Task
from rich.text import Text


class EtaEstimator:
    """Tracks when the running submissions started, from completions only: the executor runs `jobs`
    at a time and starts the next queued one as soon as one finishes."""

    def __init__(self, total: int, jobs: int, clock: Callable[[], float] = time.monotonic):
        if jobs < 1:
            raise ValueError(f"jobs must be >= 1, got {jobs}")
        self.clock, self.jobs = clock, jobs
        now = clock()
        first = min(jobs, max(total, 0))
        self.starts = [now] * first          # start times of the submissions running now
        self.queued = max(total, 0) - first
        self.durations: list[float] = []

    def finished(self, duration: float) -> None:
        """One submission finished after `duration` seconds; the next queued one starts now."""
        now = self.clock()
        self.durations.append(max(duration, 0.0))
        if self.starts:
            # The running submission whose age is closest to the reported duration is the one that ended.
            self.starts.remove(min(self.starts, key=lambda s: abs((now - s) - duration)))
        if self.queued > 0:
            self.queued -= 1
            self.starts.append(now)

    def eta(self) -> float | None:
        """Seconds until every submission is graded; None before the first one finishes."""
        if not self.durations:
            return None
        mean = sum(self.durations) / len(self.durations)
        now = self.clock()
        running_left = [max(mean - (now - s), 0.0) for s in self.starts]
        work_left = self.queued * mean + sum(running_left)
        return max(work_left / self.jobs, max(running_left, default=0.0))


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class EtaColumn(ProgressColumn):
    """A rich column showing an EtaEstimator's estimate (recomputed at every refresh, so it counts
    down between completions)."""

    def __init__(self, estimator: EtaEstimator):
        super().__init__()
        self.estimator = estimator

    def render(self, task: Task) -> Text:
        return Text(format_eta(0.0 if task.finished else self.estimator.eta()), style="progress.remaining")
