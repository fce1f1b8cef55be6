"""A harder white-box round (tests/attacks/f*.py, 2026-12-03), graded by the real
`course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course, each followed on
the same worker by an honest submission: a process that outlived its session while the judge's
single clean-up thread was kept busy, and served the hidden inputs to the next submission (f01a
leaves it, f01b asks it); a forged dtype of 340,000 fields that the judge built before refusing
it (f02); lone surrogates in everything a runner says, which stopped the batch when its record
was written (f04); keys that hash alike and take long to tell apart (f05); the hidden inputs
left in the kernel keyring of a uid the next submission leases (f07a writes, f07b reads). A uid
lent again while its last folder was still being removed (f08) is tested on two sessions of one
engine below. f01, f02, f04, f05, f07 and f08 worked before their fixes (f04 stopped the whole
batch, so every test here failed). f03a/f03b and f06 are regressions of attacks that were
blocked already: marks left in every place outside the working folder, signals to every process
a runner can see, and patches of what the template preloaded beside planted test helpers. f09:
a runner and what it starts are the OOM killer's first choice (memory is capped per process)."""

from __future__ import annotations

import sys

import pytest

from conftest import DUO_HIDDEN as HIDDEN, check_honest_neighbours, grade_duo_attacks, open_tiny_session

ATTACK_FILES = ["f01_a_leftover_server", "f01_b_leftover_client", "f02_dtype_of_many_fields",
                "f03_a_plant_everywhere", "f03_b_look_everywhere", "f04_lone_surrogates",
                "f05_long_colliding_keys", "f06_patch_what_the_template_loaded",
                "f07_a_keyring_write", "f07_b_keyring_read", "f09_oom_first"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-f"), ATTACK_FILES)


def test_no_grader_failure_and_every_honest_neighbour_keeps_full_marks(graded):
    check_honest_neighbours(graded, ATTACK_FILES)


def _the_reader_found_nothing(graded, writer: str, reader: str, says: str) -> None:
    """The attack's second half, on the next submission, says `says` and finds none of what the
    first half left (no hidden input); both halves are honest otherwise: full marks."""
    _proc, out, rows, _records = graded
    log = (out / "logs" / f"{reader}.log").read_text()
    assert says in log and "FOUND" not in log, log[-2000:]
    assert not any(h in log for h in HIDDEN), log[-2000:]
    for name in (writer, reader):
        assert float(rows[name]["score"]) == 4.0, rows[name]


def test_a_closed_sessions_processes_do_not_outlive_it(graded):
    _the_reader_found_nothing(graded, "f01_a_leftover_server", "f01_b_leftover_client", "no one is serving")


def test_a_dtype_string_is_refused_before_numpy_reads_it(graded):
    _proc, _out, rows, records = graded
    name = "f02_dtype_of_many_fields"
    assert "refused array dtype" in rows[name]["reason"], rows[name]
    assert float(rows[name]["score"]) == 3.0, rows[name]  # add's forged answer only
    # Before: ~3.5 s of the judge's CPU and ~100 MB building the dtype, all in the call's round trip.
    assert records[name]["result"]["elapsed"] < 2.0, records[name]["result"]["timing"]
    assert records[name]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 50_000, records[name]


def test_nothing_outside_the_working_folder_reaches_the_next_submission(graded):
    _proc, out, _rows, _records = graded
    planter = (out / "logs" / "f03_a_plant_everywhere.log").read_text()
    assert "PLANTED" not in planter and "SIGNALLED" not in planter, planter[-2000:]
    _the_reader_found_nothing(graded, "f03_a_plant_everywhere", "f03_b_look_everywhere", "no mark")


def test_lone_surrogates_are_stored_as_escapes_and_the_batch_goes_on(graded):
    _proc, out, rows, records = graded
    name = "f04_lone_surrogates"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 0.0), rows[name]
    for path in out.rglob("*"):  # every file the grader wrote is UTF-8 (before: no record, no batch)
        if path.is_file():
            path.read_bytes().decode("utf-8")
    assert "lone \ud800 surrogate" in records[name]["result"]["output"]  # read back as written
    log = (out / "logs" / f"{name}.log").read_text(encoding="utf-8")
    assert "lone \\ud800 surrogate" in log and "W\\ud800eird" in log, log[-2000:]  # shown escaped


def test_colliding_keys_are_charged_for_their_length(graded):
    _proc, _out, rows, records = graded
    name = "f05_long_colliding_keys"
    assert "too many keys that hash alike" in rows[name]["reason"], rows[name]
    assert float(rows[name]["score"]) == 2.0, rows[name]  # scale's two cases, hidden and public
    # Before: ~1.3 s of the judge's CPU for each of the two forged answers.
    assert records[name]["result"]["elapsed"] < 3.0, records[name]["result"]["timing"]


def test_a_runners_patches_reach_neither_the_judge_nor_the_template(graded):
    _proc, out, rows, _records = graded
    name = "f06_patch_what_the_template_loaded"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 0.0), rows[name]
    log = (out / "logs" / f"{name}.log").read_text()
    assert log.count("clean template") == 2 and "INHERITED" not in log, log[-2000:]  # public, then hidden


def test_a_uids_keyring_carries_nothing_to_the_next_submission(graded):
    _the_reader_found_nothing(graded, "f07_a_keyring_write", "f07_b_keyring_read", "no key")


F08_LEAVE = """
import os
def leave(secret, n):
    os.makedirs("many", exist_ok=True)
    for i in range(n):  # the hidden inputs in every name: any file left carries them
        try:
            os.close(os.open(f"many/{secret}-{i}", os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError:  # since k02 a session's own tmpfs holds limits.SESSION_FILES files
            break
    return os.getuid()
"""
F08_LOOK = """
import glob, os
def look():
    names = []
    for folder in glob.glob("/tmp/run-*/many") + glob.glob("/tmp/course-sandbox-*/run-*/many"):
        try:
            names += os.listdir(folder)[:3]
        except OSError:
            pass
    return os.getuid(), names
"""


def test_f08_a_uid_is_not_lent_again_while_its_folder_may_remain(numpy_engine, monkeypatch):
    """Before: a session whose monitor did not confirm the folder's removal within MONITOR_REPLY
    (15 s: a million files) released its uid anyway, and the next session, leasing that uid,
    entered the folder the monitor was still removing and read what the last one left there
    (here the removal is given 0.3 s for 100,000 files). Now a uid whose folder may remain stays
    leased."""
    from autograder.sandbox import lifecycle

    monkeypatch.setattr(lifecycle, "MONITOR_REPLY", 0.3)
    with open_tiny_session(numpy_engine, F08_LEAVE) as first:
        first_uid = first.env["leave"]("HIDDEN13.371337", 100_000)
    with open_tiny_session(numpy_engine, F08_LOOK) as second:
        uid, names = second.env["look"]()
    assert not [n for n in names if "HIDDEN" in n], (first_uid, uid, names)


def test_a_runner_and_its_children_are_what_the_oom_killer_takes_first(graded):
    """RLIMIT_AS holds per process and a submission may start `processes` of them, so together
    they may outgrow the machine: the kernel must then kill them, not the judge or another
    submission's runner. A root grader's runner cannot lower it again after switching uid."""
    import os

    _proc, out, rows, _records = graded
    log = (out / "logs" / "f09_oom_first.log").read_text()
    lower = ("refused",) if os.geteuid() == 0 else ("refused", "lowered")
    assert any(f"oom self=1000 child=1000 lower={w}" in log for w in lower), log[-2000:]
    assert float(rows["f09_oom_first"]["score"]) == 4.0, rows["f09_oom_first"]


F10 = '''
import os, socket
_kept = []

def serve(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("\\0" + name)
    s.listen(1)
    _kept.append(s)
    return os.readlink("/proc/self/ns/net")

def reach(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect("\\0" + name)
        return "reached " + os.readlink("/proc/self/ns/net")
    except OSError:
        return "not reached " + os.readlink("/proc/self/ns/net")
'''


def test_f10_runners_alive_at_once_do_not_share_a_network_namespace(numpy_engine):
    """Before: every runner of a template shared bubblewrap's network namespace, so two runners
    alive at once (a hidden case's and the next submission's, had a kill come late) could talk
    over loopback or an abstract unix socket. Each runner of a root grader now has its own."""
    if not (numpy_engine.root and numpy_engine.use_bwrap):
        pytest.skip("a root grader with bubblewrap")
    with open_tiny_session(numpy_engine, F10) as first, open_tiny_session(numpy_engine, F10) as second:
        served = first.env["serve"]("f10-hidden-inputs")
        got = second.env["reach"]("f10-hidden-inputs")
        assert got.startswith("not reached "), got
        assert got.removeprefix("not reached ") != served, (served, got)
        # the probe itself works: a runner reaches its own socket
        assert first.env["reach"]("f10-hidden-inputs") == f"reached {served}"
