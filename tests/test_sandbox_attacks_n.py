"""The n round (tests/attacks/n01.py on, 2026-12-05): the spare monitor (autograder/sandbox/
spares.py), which waits, forked ahead and in its groups, for the hidden cases' session while the
public cases run. Graded by the real `course grade --jobs 1` in the `duo` assignment of
tests/fixtures/attack_course, followed on the same worker by an honest submission
(conftest.grade_duo_attacks)."""

from __future__ import annotations

import os
import re

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

SPARE_ATTACK = "n01_touch_the_spare"


@pytest.fixture(scope="module")
def graded_spare(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-n01"), [SPARE_ATTACK])


@pytest.mark.skipif(os.geteuid() != 0, reason="without root the runner keeps the grader's uid, and its monitors' (docs/SECURITY.md)")
def test_the_public_runner_cannot_touch_the_spare_its_hidden_cases_wait_for(graded_spare):
    """n01's public case finds the spare (a root process of its PID namespace that is none of its
    ancestors) and tries to signal it (0, SIGSTOP, SIGKILL), to read its memory, environment and
    descriptors, and to move into its cgroup: nothing works, and the hidden case, whose runner the
    spare forks, still passes: 4/4, the neighbour 4/4."""
    check_honest_neighbours(graded_spare, [SPARE_ATTACK])
    _proc, _out, rows, records = graded_spare
    assert (rows[SPARE_ATTACK]["status"], float(rows[SPARE_ATTACK]["score"])) == ("graded", 4.0), rows[SPARE_ATTACK]
    output = records[SPARE_ATTACK]["result"]["output"]
    found = re.findall(r"root processes not mine: (\d+); what worked: (\d+) ", output)
    assert len(found) == 1, output
    strangers, worked = (int(n) for n in found[0])
    assert strangers >= 1, f"the spare was not there to attack: {output}"
    assert worked == 0, output
