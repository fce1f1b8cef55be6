"""The k round of white-box attacks (tests/attacks/k01.py on, 2026-12-04), graded by the real
`course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course, each followed on
the same worker by an honest submission (conftest.grade_duo_attacks)."""

from __future__ import annotations

import csv
import re
import shutil
import sys

import pytest

from conftest import ATTACK_COURSE, RAW_CONTROL, ROOT, check_honest_neighbours, grade_duo_attacks, run_course

XATTR_ATTACK = "k01_xattrs_outside_every_limit"
FILES_ATTACK = "k02_empty_files_by_the_million"
SOCKET_ATTACK = "k03_descriptors_and_a_late_reply"
NUMPY_ATTACK = "k04_strange_numpy_answers"
NAMES_ATTACK = "k05_hostile_file_names"
BURNER_ATTACKS = ["k06_a_cpu_burners_that_outlive_the_call", "k06_b_count_the_burners"]
# k05: the names the honest k05 file is uploaded under (each + ".py")
HOSTILE_NAMES = ["=cmd|' -C calc'!A0", "+SUM(1,2)", "-2+3", "@evil", 'comma,"quote"',
                 "x\nscore: 43 of 4", "name\rCR", "tab\there", "a\x1b]0;pwned\x07b", "\x1b[2Jclear",
                 "\u202efdp.exe", "plain"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded_xattrs(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-k01"), [XATTR_ATTACK])


@pytest.fixture(scope="module")
def graded_files(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-k02"), [FILES_ATTACK])


@pytest.fixture(scope="module")
def graded_socket(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-k03"), [SOCKET_ATTACK])


@pytest.fixture(scope="module")
def graded_numpy(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-k04"), [NUMPY_ATTACK])


@pytest.fixture(scope="module")
def graded_names(tmp_path_factory):
    """`course grade duo FOLDER` of the k05 file under every HOSTILE_NAMES name, in one folder."""
    tmp = tmp_path_factory.mktemp("attacks-k05")
    shutil.copytree(ATTACK_COURSE, tmp / "course")
    subs, out = tmp / "subs", tmp / "out"
    subs.mkdir()
    for name in HOSTILE_NAMES:
        shutil.copy(ROOT / "tests" / "attacks" / f"{NAMES_ATTACK}.py", subs / f"{name}.py")
    proc = run_course("--root", tmp / "course", "grade", "duo", subs, "--out", out, "--jobs", "1",
                      "--no-resume", "--submission-timeout", "20", check=False, timeout=900)
    return proc, out


@pytest.fixture(scope="module")
def graded_burners(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-k06"), BURNER_ATTACKS)


def test_no_memory_in_extended_attributes(graded_xattrs):
    """Before: each public call stored 600 MB of user.* extended attributes on files of the
    session's folder, 1,816 MB in all (the kernel's slab from 0.18 to 2.0 GB) in a session of
    memory_mb 1 GiB and a folder of about 1 GiB: a tmpfs keeps them in kernel memory that neither
    its size nor RLIMIT_AS counts. The runner's seccomp filter now refuses the setxattr calls
    with ENOTSUP (95), what a file system without them answers: nothing stored, 4/4 (honest
    otherwise), the neighbour 4/4."""
    check_honest_neighbours(graded_xattrs, [XATTR_ATTACK])
    _proc, _out, rows, records = graded_xattrs
    assert (rows[XATTR_ATTACK]["status"], float(rows[XATTR_ATTACK]["score"])) == ("graded", 4.0), rows[XATTR_ATTACK]
    output = records[XATTR_ATTACK]["result"]["output"]
    stored = re.findall(r"xattrs stored: (\d+) MB \(refused: ([^)]*)\)", output)
    assert stored == [("0", "errno 95")] * 3, output


def test_a_sessions_folder_holds_a_bounded_number_of_files(graded_files):
    """Before: three public calls of 2.2 s made 902,000 empty files with 200-character names in
    the session's own tmpfs (the kernel's slab from 0.19 to 1.3 GB; its default inode count here
    is three million, half the machine's pages), which its size does not count. The tmpfs is now
    mounted with nr_inodes = limits.SESSION_FILES: the first call is refused at that count
    (ENOSPC, 28) and the session holds no more, 4/4 (honest otherwise), the neighbour 4/4."""
    from autograder.sandbox.limits import SESSION_FILES

    check_honest_neighbours(graded_files, [FILES_ATTACK])
    _proc, _out, rows, records = graded_files
    assert (rows[FILES_ATTACK]["status"], float(rows[FILES_ATTACK]["score"])) == ("graded", 4.0), rows[FILES_ATTACK]
    output = records[FILES_ATTACK]["result"]["output"]
    made = re.findall(r"empty files made: (\d+) \(refused: ([^)]*)\)", output)
    assert len(made) == 3 and all(error == "errno 28" for _, error in made), output
    assert max(int(n) for n, _ in made) <= SESSION_FILES, output
    assert records[FILES_ATTACK]["result"]["elapsed"] < 5, records[FILES_ATTACK]["result"]["timing"]


def test_descriptors_sent_to_the_judge_are_never_its_own_and_a_late_reply_costs_only_the_sender(graded_socket):
    """k03 sent the judge, with a hand-written frame after add had answered, the write end of a
    pipe, its own socket and a file of its folder (SCM_RIGHTS), and dropped scale's own reply so
    the frames lined up again. The judge reads with recv_into, which takes no ancillary data, so
    the kernel closes what was sent: output_shape, a call later, reads EOF on the pipe (no write
    end left anywhere). The late frame was only the sender's own answer to scale (5, wrong):
    3/4, no grader failure, the neighbour 4/4. Held before this round; kept as a regression."""
    check_honest_neighbours(graded_socket, [SOCKET_ATTACK])
    _proc, _out, rows, records = graded_socket
    assert (rows[SOCKET_ATTACK]["status"], float(rows[SOCKET_ATTACK]["score"])) == ("graded", 3.0), rows[SOCKET_ATTACK]
    output = records[SOCKET_ATTACK]["result"]["output"]
    assert "pipe: judge holds no write end" in output, output
    cases = {c["name"]: c for q in records[SOCKET_ATTACK]["result"]["questions"] for c in q["cases"]}
    assert "got 5" in cases["q1_duo - 3"]["message"], cases


def test_strange_numpy_answers_cross_as_plain_data_or_not_at_all(graded_numpy):
    """k04: a zero-strided (10**6, 10**6) view (add) and a broadcast_to view of that shape (the
    hidden scale) cannot be copied for the wire in 1 GiB; a masked big-endian array crosses as
    its data (right: scale's point); an np.matrix, datetime64 and timedelta64 arrays, a 1 MB void
    scalar and a structured array with an object field stay in the runner as handles. 1/4, the
    judge no bigger than for the honest submission. Before: the copy's MemoryError ended the
    runner's loop (exit 70) and the row told the student 'the submission's process exited
    (os._exit(70))', which it never called; the runner now answers it as the memory limit's
    fault: 'ran out of memory (limit 1 GiB)'."""
    check_honest_neighbours(graded_numpy, [NUMPY_ATTACK])
    _proc, _out, rows, records = graded_numpy
    row = rows[NUMPY_ATTACK]
    assert (row["status"], float(row["score"])) == ("graded", 1.0), row
    assert "ran out of memory" in row["reason"] and "os._exit" not in row["reason"], row
    cases = {c["name"]: c for q in records[NUMPY_ATTACK]["result"]["questions"] for c in q["cases"]}
    assert [cases[f"q1_duo - {i}"]["passed"] for i in range(1, 5)] == [False, False, True, False], cases
    assert "os._exit" not in cases["q1_duo - 2"]["message"], cases["q1_duo - 2"]
    assert records[NUMPY_ATTACK]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 100_000, records[NUMPY_ATTACK]
    assert records[NUMPY_ATTACK]["result"]["elapsed"] < 10, records[NUMPY_ATTACK]["result"]["timing"]


def test_hostile_file_names_are_one_graded_row_each_and_obeyed_nowhere(graded_names):
    """k05: every name is its own graded 4/4 row (a newline or a comma in a name splits no row);
    no CSV cell starts a formula (=, +, -, @, a tab or a carriage return) unless quoted with ';
    and no raw control character reaches the terminal, a CSV, the report, a feedback page or a
    log. Held before this round (c15's rules hold for the whole set)."""
    proc, out = graded_names
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert RAW_CONTROL.search(proc.stdout + proc.stderr) is None, (proc.stdout + proc.stderr)[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(HOSTILE_NAMES), [r["submission"] for r in rows]
    assert len({r["submission"] for r in rows}) == len(HOSTILE_NAMES), [r["submission"] for r in rows]
    for r in rows:
        assert (r["status"], float(r["score"])) == ("graded", 4.0), r
    for name in ("grades.csv", "canvas.csv", "similarity.csv"):
        with open(out / name, newline="", encoding="utf-8") as f:
            for line in csv.reader(f):
                for cell in line:
                    assert RAW_CONTROL.search(cell) is None, (name, cell)
                    assert not cell[:1] in ("=", "+", "@", "\t", "\r") and not re.match(r"-\D", cell), (name, cell)
    pages = [out / "report.html", *(out / "feedback").glob("*"), *(out / "logs").glob("*")]
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="surrogateescape")
        assert RAW_CONTROL.search(text) is None, (page, RAW_CONTROL.search(text))
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in report.lower(), report[:2000]


def test_cpu_burners_do_not_outlive_their_session(graded_burners):
    """k06a's hidden scale (its last call) made the runner a subreaper and left 30 CPU burners
    spinning (setsid, a double fork, a process group of their own; SIGTERM, SIGHUP, SIGINT and
    SIGXCPU ignored), answering honestly while they spun. Ending the session kills them all
    (SIGKILL by uid, the monitor as the runner's subreaper): k06b, two submissions later on the
    same worker, sees no process of another non-root uid in its PID namespace, and its 0.2 s of
    CPU work gets most of a core (30 survivors on two cores would leave it about 0.07; 0.99 alone
    here, more than 0.25 whatever else the machine runs); every row 4/4. Held before this round."""
    check_honest_neighbours(graded_burners, BURNER_ATTACKS)
    _proc, _out, rows, records = graded_burners
    for name in BURNER_ATTACKS:
        assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 4.0), rows[name]
    output = records[BURNER_ATTACKS[1]]["result"]["output"]
    found = re.search(r"other uids' processes: (\d+); share of a core: ([\d.]+)", output)
    assert found and int(found.group(1)) == 0 and float(found.group(2)) > 0.25, output
    neighbour = records[f"{BURNER_ATTACKS[0]}_zhonest"]["result"]
    assert neighbour["elapsed"] < 2, neighbour["timing"]
