"""The i round of white-box attacks (tests/attacks/i*.py, 2026-12-04), graded by the real
`course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course, each followed on
the same worker by an honest submission (as conftest.grade_duo_attacks does). This round's theme
is what the judge holds of a submission's answers: the wire bounded each reply, each image and
what each answer prints, never a sum. i01 answered twelve bit images of 2**28 pixels each (384 MB
on the wire, each kept by PIL a byte a pixel): the judge at 3.6 GB before any test looked at the
answer; i02 answered ten items of 400 MB each to a test's tuple(got), which kept them all: the
judge at 4.6 GB within a 20 s deadline; i03 the same with items of 1 MiB of JSON header each
(~22 MB of Python objects): 0.66 GB in 20 s, and growing with the deadline (a course's 300 s).
The judge's peak is its ru_maxrss, a high-water mark of the worker, so i03 is graded in a batch
of its own."""

from __future__ import annotations

import socket
import sys

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

ATTACK_FILES = ["i01_bit_images_that_grow_eightfold", "i02_answers_kept_by_tuple"]
HEADERS_ATTACK = "i03_headers_kept_by_tuple"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-i"), ATTACK_FILES)


@pytest.fixture(scope="module")
def graded_headers(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-i03"), [HEADERS_ATTACK])


def _failed_messages(record):
    return [c["message"] for q in record["result"]["questions"] for c in q["cases"] if not c["passed"]]


def test_no_grader_failure_and_every_honest_neighbour_keeps_full_marks(graded, graded_headers):
    check_honest_neighbours(graded, ATTACK_FILES)
    check_honest_neighbours(graded_headers, [HEADERS_ATTACK])


def test_the_images_of_an_answer_are_bounded_together(graded):
    """Before: twelve mode "1" images of 16384 x 16384 (32 MB each on the wire, 268 MB each in
    PIL) took the judge from 52 MB to 3.6 GB (10.4 s). Now MAX_PIXELS bounds all the images of
    an answer together: the second is refused, add's case fails (its answer was wrong anyway),
    graded 3/4, the judge at 0.74 GB (the 384 MB received and one image)."""
    _proc, _out, rows, records = graded
    name = "i01_bit_images_that_grow_eightfold"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 3.0), rows[name]
    assert "pixels in all" in rows[name]["reason"], rows[name]
    assert records[name]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 1_200_000, records[name]


def test_the_answers_of_a_session_are_bounded_together(graded):
    """Before: tuple(got) kept ten answers of 400 MB: the judge from 52 MB to 4.56 GB within the
    20 s deadline, graded 3/4 (the test's comparison failed). Now all of a session's replies
    may hold one max_message (512 MiB) together: the second item is refused before its buffer is
    read, graded 3/4, the judge under 1 GB (one 400 MB answer and the buffer it was read into)."""
    _proc, _out, rows, records = graded
    name = "i02_answers_kept_by_tuple"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 3.0), rows[name]
    assert "MiB in all" in rows[name]["reason"], rows[name]
    assert records[name]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 1_200_000, records[name]
    assert records[name]["result"]["elapsed"] < 10, records[name]["result"]["timing"]


def test_the_headers_of_a_session_are_bounded_together(graded_headers):
    """Before: tuple(got) kept an item of 340,000 empty lists (1 MiB of header) per round trip
    until the deadline: the row `timeout` at 2/4 after 21.6 s, the judge from 52 MB to 656 MB, and
    more for a longer deadline. Now a session's headers together may hold SESSION_HEADERS
    (8 MiB): the ninth item is refused, graded 3/4 in ~6 s, the judge at 270 MB whatever the
    deadline."""
    _proc, _out, rows, records = graded_headers
    name = HEADERS_ATTACK
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 3.0), rows[name]
    assert "MiB of lists, dicts and other values in all" in rows[name]["reason"], rows[name]
    assert records[name]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 350_000, records[name]
    assert records[name]["result"]["elapsed"] < 15, records[name]["result"]["timing"]


def test_a_budget_refuses_a_frame_before_reading_it_and_charges_none_it_refused():
    """framing.Budget: what all the frames read with it may hold; the frame that would pass it is
    refused from its header alone (its buffer never read), and is not charged."""
    from autograder.sandbox import wire

    a, b = socket.socketpair()
    try:
        budget = wire.Budget(total=3000, headers=10_000)
        wire.send_frame(a, {"ok": 1}, [bytes(1000)])
        wire.recv_frame(b, budget=budget)
        spent = budget.spent
        wire.send_frame(a, {"ok": 2}, [bytes(2500)])
        with pytest.raises(wire.WireError, match="MiB in all"):
            wire.recv_frame(b, budget=budget)
        assert budget.spent == spent
        budget = wire.Budget(total=1 << 30, headers=150)
        wire.send_frame(b, {"ok": [0] * 100})
        with pytest.raises(wire.WireError, match="lists, dicts and other values in all"):
            wire.recv_frame(a, budget=budget)
        assert (budget.spent, budget.spent_headers) == (0, 0)
    finally:
        a.close()
        b.close()


def test_the_pixels_of_a_value_are_summed():
    """Two bit images of half MAX_PIXELS each decode; one pixel more in all is refused before
    the image that passes the limit is built."""
    from autograder.sandbox import wire
    from autograder.sandbox.limits import MAX_PIXELS

    side = 1 << 14  # 16384 x 8192 is half of 2**28
    half = {"~": "pil", "mode": "1", "size": [side, side // 2]}
    bufs = [bytearray(side * side // 16) for _ in range(2)]
    images = wire.Decoder(bufs).decode([dict(half, b=0), dict(half, b=1)])
    assert sum(i.size[0] * i.size[1] for i in images) == MAX_PIXELS
    bufs.append(bytearray(1))
    with pytest.raises(wire.WireError, match="pixels in all"):
        wire.Decoder(bufs).decode([dict(half, b=0), dict(half, b=1), {"~": "pil", "mode": "L", "size": [1, 1], "b": 2}])


def test_an_empty_answer_may_not_have_huge_other_axes():
    """An answer of shape (0, 10**9) is zero bytes, but a reduction over its empty axis
    (got.sum(axis=0)) allocates 8 GB in the judge, outside any deadline. No test reduces an answer
    before checking its shape; the decoder refuses it anyway (defence in depth), while the empty
    answers the assignments return ((0, 4) boxes, (0,) scores) decode, and arguments are not
    held to it."""
    import numpy as np

    from autograder.sandbox import wire
    from autograder.sandbox.limits import MAX_NODES

    def decode(shape, answer):
        return wire.Decoder([bytearray()], answer=answer).decode({"~": "nd", "dtype": "<f8", "shape": list(shape), "b": 0})

    assert decode((0, 4), True).shape == (0, 4)
    assert decode((0,), True).shape == (0,)
    assert decode((0, MAX_NODES), True).shape == (0, MAX_NODES)
    with pytest.raises(wire.WireError, match="empty array of shape"):
        decode((0, 10**9), True)
    with pytest.raises(wire.WireError, match="empty array of shape"):
        decode((0, 2000, 2000), True)
    assert decode((0, 10**9), False).dtype == np.float64

