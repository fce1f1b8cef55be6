"""The g round of white-box attacks (tests/attacks/g*.py, 2026-12-04), graded by the real
`course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course, each followed on
the same worker by an honest submission (one batch for the round, as conftest.grade_duo_attacks
does): g01 filled the tmpfs every runner of a template writes in and left its folder slow to
remove, so the next submission's monitor had no room for its source file (the honest neighbour's
row was the sandbox's failure before the fix)."""

from __future__ import annotations

import sys

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

ATTACK_FILES = ["g01_fill_the_shared_tmp"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-g"), ATTACK_FILES)


def test_no_grader_failure_and_every_honest_neighbour_keeps_full_marks(graded):
    check_honest_neighbours(graded, ATTACK_FILES)


def test_a_full_tmp_left_behind_does_not_stop_the_next_submission(graded):
    """Before: the neighbour's three set-up attempts all met ENOSPC while the clean-up thread was
    still removing the attacker's folder ("the sandbox could not start a runner"). Now a set-up
    that failed waits for the queued clean-ups before trying again."""
    _proc, _out, rows, _records = graded
    for name in ("g01_fill_the_shared_tmp", "g01_fill_the_shared_tmp_zhonest"):
        assert rows[name]["status"] == "graded", rows[name]
