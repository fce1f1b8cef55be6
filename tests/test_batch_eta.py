"""The progress bar's ETA (issue 15 item 7): it counts the submissions still running, checked
against hand-worked numbers on a fake clock."""

from __future__ import annotations

import pytest
from rich.progress import Progress

from autograder.batch.eta import EtaColumn, EtaEstimator, format_eta


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_eta_counts_queued_and_running_submissions():
    clock = Clock()
    eta = EtaEstimator(total=5, jobs=2, clock=clock)
    assert eta.eta() is None                      # nothing finished: no mean duration yet
    clock.t = 10.0
    eta.finished(10.0)                            # one of the first two ends; the third starts at 10
    # mean 10 s; running: started at 0 (age 10, 0 s left) and at 10 (age 0, 10 s left); 2 queued.
    # work left = 2 * 10 + 0 + 10 = 30 s over 2 jobs = 15 s. rich's ETA would say 4 left at 1 per
    # 10 s = 40 s, and not move until the next completion.
    assert eta.eta() == pytest.approx(15.0)
    clock.t = 14.0                                # no completion: the estimate counts down
    # ages 14 and 4: 0 and 6 s left; work = 20 + 6 = 26 s over 2 jobs
    assert eta.eta() == pytest.approx(13.0)


def test_the_finished_submission_is_the_one_whose_age_matches_its_duration():
    clock = Clock()
    eta = EtaEstimator(total=3, jobs=2, clock=clock)
    clock.t = 4.0
    eta.finished(4.0)                             # started at 0; the third starts at 4
    clock.t = 5.0
    eta.finished(1.0)                             # the one started at 4 (age 1), not the one from 0
    assert eta.starts == [0.0] and eta.queued == 0
    # mean 2.5 s; the one running since 0 is overdue: nothing left for it, ETA 0 rather than negative
    assert eta.eta() == 0.0


def test_the_last_running_submission_bounds_the_eta():
    """With more jobs than submissions left, the work is not shared: the ETA is what the longest
    running one still needs, not that divided by the jobs."""
    clock = Clock()
    eta = EtaEstimator(total=3, jobs=2, clock=clock)
    clock.t = 10.0
    eta.finished(10.0)                            # the third starts at 10
    clock.t = 12.0
    eta.finished(12.0)                            # the other first one; mean 11 s
    # one running, age 2: 9 s left. Shared by 2 jobs it would be 4.5 s; it cannot go faster than 9.
    assert eta.eta() == pytest.approx(9.0)
    clock.t = 30.0                                # overdue: 0, never negative
    assert eta.eta() == 0.0


def test_more_jobs_than_submissions_and_bad_jobs():
    clock = Clock()
    eta = EtaEstimator(total=1, jobs=4, clock=clock)
    assert eta.starts == [0.0] and eta.queued == 0
    clock.t = 3.0
    eta.finished(3.0)
    assert eta.starts == [] and eta.eta() == 0.0
    with pytest.raises(ValueError, match="jobs must be >= 1, got 0"):
        EtaEstimator(total=3, jobs=0)


def test_column_renders_the_estimate():
    clock = Clock()
    eta = EtaEstimator(total=3, jobs=1, clock=clock)
    progress = Progress(EtaColumn(eta), auto_refresh=False, disable=True)
    task_id = progress.add_task("", total=3)
    task = progress.tasks[0]
    assert EtaColumn(eta).render(task).plain == "-:--:--"
    clock.t = 61.0
    eta.finished(61.0)                            # 2 left at 61 s each, one running since 61
    assert EtaColumn(eta).render(task).plain == "0:02:02"
    progress.update(task_id, completed=3)
    assert EtaColumn(eta).render(progress.tasks[0]).plain == "0:00:00"
    assert format_eta(3725.4) == "1:02:05" and format_eta(None) == "-:--:--"
