"""The white-box audit's attacks (tests/attacks/e*.py, 2026-12-03), graded by the real
`course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course, each followed on
the same worker by an honest submission: hidden inputs smuggled into a fault's reason (e01), one
buffer named by many values (e02), System V shared memory left for the next submission (e03a
writes in the hidden case, e03b reads in a public one), a range too large to expand (e05). The
handle-class cache one submission could fill for the next (e04) is tested on two sessions of one
engine below. Every attack here worked before its fix."""

from __future__ import annotations

import sys

import pytest

from conftest import DUO_HIDDEN as HIDDEN, check_honest_neighbours, grade_duo_attacks, open_tiny_session

ATTACK_FILES = ["e01_leak_hidden_in_reason", "e02_buffer_named_many_times", "e03_a_shared_memory_write",
                "e03_b_shared_memory_read", "e05_huge_range"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-e"), ATTACK_FILES)


def _cases(record):
    return {c["name"]: c for q in record["result"]["questions"] for c in q["cases"]}


def test_no_grader_failure_and_every_honest_neighbour_keeps_full_marks(graded):
    check_honest_neighbours(graded, ATTACK_FILES)


def test_hidden_inputs_reach_no_file_the_grader_writes(graded):
    _proc, out, rows, records = graded
    r = rows["e01_leak_hidden_in_reason"]
    assert "hidden case (details are not shown)" in r["reason"], r  # its forged answer is a fault, named only
    assert not _cases(records["e01_leak_hidden_in_reason"])["q1_duo - 1"]["passed"]
    leaks = [str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()
             and any(h in p.read_text(encoding="utf-8", errors="replace") for h in HIDDEN)]
    assert not leaks, leaks  # grades.csv, canvas.csv, results (Gradescope's output), logs, report, state


def test_a_buffer_named_twice_is_refused_before_it_is_copied(graded):
    _proc, _out, rows, records = graded
    name = "e02_buffer_named_many_times"
    assert "used by more than one value" in rows[name]["reason"], rows[name]
    # 100 references to one 8 MiB buffer took the judge to ~890 MB before; an honest batch ~50 MB.
    assert records[name]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 200_000, records[name]


def test_shared_memory_does_not_outlive_the_runner(graded):
    _proc, out, rows, _records = graded
    reader = (out / "logs" / "e03_b_shared_memory_read.log").read_text()
    assert "no segment" in reader and "FOUND" not in reader, reader[-2000:]
    assert float(rows["e03_a_shared_memory_write"]["score"]) == 4.0  # an honest writer otherwise


def test_a_huge_range_is_refused_as_a_long_list_would_be(graded):
    _proc, _out, rows, records = graded
    name = "e05_huge_range"
    assert "a range in the answer has more than" in rows[name]["reason"], rows[name]
    assert records[name]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 200_000, records[name]


E04 = '''
class Box:
    pass

def many(n):
    # A class per name: each handle sent to the judge makes it a class named after the type.
    return [type(f"T{i}", (), {})() for i in range(n)]

def box():
    return Box()
'''


def test_e04_one_submissions_type_names_do_not_fill_the_next_ones_cache(numpy_engine):
    """Before: the judge kept one process-wide cache of handle classes, 256 names at most, so a
    submission returning objects of 300 types left the next submission's `Box` named `Handle`."""
    with open_tiny_session(numpy_engine, E04) as first:
        objects = first.env["many"](300)
        assert len(objects) == 300
    with open_tiny_session(numpy_engine, E04) as second:
        assert type(second.env["box"]()).__name__ == "Box"
