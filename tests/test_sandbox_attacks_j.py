"""The j round of white-box attacks (tests/attacks/j02.py on, 2026-12-04; j01 is in
tests/test_sandbox_attack_loops.py), graded by the real `course grade --jobs 1` in the `duo`
assignment of tests/fixtures/attack_course, each followed on the same worker by an honest
submission (conftest.grade_duo_attacks)."""

from __future__ import annotations

import re
import sys

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

COUNTER_ATTACKS = ["j02_a_count_in_pids", "j02_b_read_the_counters"]
VSOCK_ATTACK = "j03_vsock_past_the_netns"
PRINT_ATTACK = "j04_long_doubles_that_print_slowly"
BROADCAST_ATTACK = "j05_empty_answer_that_broadcasts"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded_counters(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-j02"), COUNTER_ATTACKS)


@pytest.fixture(scope="module")
def graded_vsock(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-j03"), [VSOCK_ATTACK])


@pytest.fixture(scope="module")
def graded_print(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-j04"), [PRINT_ATTACK])


@pytest.fixture(scope="module")
def graded_broadcast(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-j05"), [BROADCAST_ATTACK])


def test_an_empty_answer_does_not_pass_by_broadcasting(graded_broadcast):
    """Before: scale returning np.zeros((0, 3)) passed test_scale, whose np.allclose(got, [0, 2, 4])
    broadcast the empty answer to an empty comparison (all() of nothing is True): 3/4 for an add
    and an output_shape. The test now checks the shape first (the rule for test authors: h04,
    and convolution q5's single-bright-pixel check, mended the same day): 2/4."""
    check_honest_neighbours(graded_broadcast, [BROADCAST_ATTACK])
    _proc, _out, rows, _records = graded_broadcast
    row = rows[BROADCAST_ATTACK]
    assert (row["status"], float(row["score"])) == ("graded", 2.0), row


def _printed(record, what: str) -> int:
    found = re.search(what + r" (\d+)", record["result"]["output"])
    assert found, record["result"]["output"]
    return int(found.group(1))


def test_no_grader_failure_and_every_honest_neighbour_keeps_full_marks(graded_counters):
    check_honest_neighbours(graded_counters, COUNTER_ATTACKS)


def test_a_hidden_case_leaves_nothing_in_the_next_submissions_pids(graded_counters):
    """Before: j02_a's hidden case forked 337 children (its hidden input, 13.371337, as a count),
    and j02_b, two submissions later on the same worker, printed a pid 337 higher than j02_a's
    own (14 -> 351 alone in a batch): the hidden input in another student's public output. The
    template now sets its PID namespace's last pid to one value before it forks each monitor,
    so every submission's first runner has the same pid whatever ran before it."""
    _proc, _out, rows, records = graded_counters
    for name in COUNTER_ATTACKS:
        assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 4.0), rows[name]
    a, b = (_printed(records[name], "PID") for name in COUNTER_ATTACKS)
    # Equal in every run here; a monitor that confirmed its clean-up but has not yet exited holds
    # its pid for a moment, which the kernel skips: a few at most, never the 337 the attack left.
    assert abs(a - b) < 20, (a, b)


def test_a_hidden_case_leaves_nothing_in_the_next_submissions_inode_numbers(graded_counters):
    """Before: j02_a's hidden case also made 337 files, and the first file j02_b made had an inode
    number 337 higher than j02_a's own (15 -> 352 alone in a batch): every runner's folder was in
    the template's one /tmp tmpfs, which numbers its files in order. Each working folder is now a
    tmpfs of its own, numbered from the start every session (and /tmp is no longer listable, so
    the other folders' numbers do not show either)."""
    _proc, _out, _rows, records = graded_counters
    a, b = (_printed(records[name], "ino") for name in COUNTER_ATTACKS)
    assert a == b, (a, b)


def test_no_socket_past_the_network_namespace(graded_vsock):
    """Before: the runner opened an AF_VSOCK socket (a VM's channel to its host, which no network
    namespace confines; this grader is a Firecracker guest) and an io_uring, whose
    IORING_OP_SOCKET makes sockets without the socket() call the seccomp filter sees. The filter
    now refuses both (EPERM); the attack is honest otherwise, 4/4, its neighbour 4/4."""
    check_honest_neighbours(graded_vsock, [VSOCK_ATTACK])
    _proc, _out, rows, records = graded_vsock
    assert (rows[VSOCK_ATTACK]["status"], float(rows[VSOCK_ATTACK]["score"])) == ("graded", 4.0), rows[VSOCK_ATTACK]
    output = records[VSOCK_ATTACK]["result"]["output"]
    assert "vsock: refused (1)" in output and "io_uring: refused (1)" in output, output


def test_long_doubles_count_for_what_they_cost_to_print(graded_print):
    """Before: add answered 186,624 clongdouble values near 1e-4931 (6 MB, under MAX_PRINTED as
    plain values), shaped so numpy prints them all, and test_add's message printed them in the
    judge: Dragon4 took ~0.8 ms a value, the row took minutes of a 20 s budget (see the attack's
    note for the figure). Each value is now charged what it costs to print (a complex two, a long
    double 16): the answer cannot be read, a fault of that case, graded 3/4 at once; the
    neighbour 4/4."""
    check_honest_neighbours(graded_print, [PRINT_ATTACK])
    _proc, _out, rows, records = graded_print
    assert (rows[PRINT_ATTACK]["status"], float(rows[PRINT_ATTACK]["score"])) == ("graded", 3.0), rows[PRINT_ATTACK]
    assert "would print more than" in rows[PRINT_ATTACK]["reason"], rows[PRINT_ATTACK]
    assert records[PRINT_ATTACK]["result"]["elapsed"] < 10, records[PRINT_ATTACK]["result"]["timing"]


def test_a_long_double_is_charged_for_its_printing():
    """The weights alone: 46,656 float64 values printed whole decode, the same count of long
    doubles does not, and long double scalars in a list are charged too."""
    import numpy as np

    from autograder.sandbox import wire
    from autograder.sandbox.limits import MAX_PRINTED, PRINT_WEIGHT_LONG

    def decode(value):
        tree, bufs = wire.encode(value)
        return wire.Decoder([bytearray(b) for b in bufs], answer=True).decode(tree)

    assert decode(np.zeros((6,) * 6)).shape == (6,) * 6
    with pytest.raises(wire.WireError, match="would print more than"):
        decode(np.zeros((6,) * 6, dtype=np.longdouble))
    assert len(decode([np.longdouble(1)] * (MAX_PRINTED // PRINT_WEIGHT_LONG))) == MAX_PRINTED // PRINT_WEIGHT_LONG
    with pytest.raises(wire.WireError, match="would print more than"):
        decode([np.clongdouble(1)] * (MAX_PRINTED // (2 * PRINT_WEIGHT_LONG) + 1))
