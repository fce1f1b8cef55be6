"""Bad grader input an outside audit found (docs/DECISIONS.md, "Grader tools: bad input found
by an audit"), through the real `course grade` on the mini course: a run over part of the class
keeps the rest in the reports; a roster with repeated ids, ragged rows or an open quote is
refused naming file and line; --out naming a file is a usage error; timestamps, extensions,
double matches and skipped folder entries are warned about once; symbolic links and Gradescope
keys leading out of the folder graded become `rejected` rows whose target is never read.
Expected scores are worked out by hand: the solution scores 5, PARTIAL 3 (q1 only), the stub 0."""

from __future__ import annotations

import os

import pytest

from conftest import run_course, write_mini_course
from test_batch_support import check_outputs, read_csv

PARTIAL = "def add(a, b):\n    return a + b\n\n\ndef scale(x, k):\n    raise NotImplementedError\n"
ENGINE = ["--engine", "inprocess", "--jobs", "1"]  # the batch's bookkeeping is under test, not the sandbox


def _class(tmp_path):
    root = write_mini_course(tmp_path / "course")
    solution = (root / "solutions/mini/mini.py").read_text()
    subs = tmp_path / "subs"
    subs.mkdir()
    return root, solution, subs


def test_a_run_over_part_of_the_class_keeps_the_rest_in_the_reports(tmp_path):
    root, solution, subs = _class(tmp_path)
    for name, body in (("alice", solution), ("bob", PARTIAL), ("carol", "x = 1\n")):
        (subs / f"{name}.py").write_text(body)
    roster = tmp_path / "roster.csv"  # with Canvas' BOM: still accepted
    roster.write_text("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section\n"
                      '"A, Alice",1,s1,alice,S\n"B, Bob",2,s2,bob,S\n"C, Carol",3,s3,carol,S\n', encoding="utf-8")
    out = tmp_path / "out"
    base = ["--root", root, "grade", "mini", "--out", out, *ENGINE, "--roster", roster]
    first = run_course(*base[:4], subs, *base[4:], cwd=tmp_path, check=False, timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr
    before = {r["submission"]: r["score"] for r in read_csv(out / "grades.csv")}
    assert before == {"alice": "5", "bob": "3", "carol": "0"}

    # Bob hands in the solution; the grader regrades bob alone into the same --out.
    fixed = tmp_path / "late" / "bob.py"
    fixed.parent.mkdir()
    fixed.write_text(solution)
    again = run_course(*base[:4], fixed, *base[4:], cwd=tmp_path, check=False, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {r["submission"]: r["score"] for r in read_csv(out / "grades.csv")} == \
        {"alice": "5", "bob": "5", "carol": "0"}
    canvas = read_csv(out / "canvas.csv")
    assert [(r["SIS Login ID"], list(r.values())[-1]) for r in canvas[1:]] == \
        [("alice", "5"), ("bob", "5"), ("carol", "0")]
    html = (out / "report.html").read_text()
    assert all(name in html for name in ("alice", "bob", "carol"))
    assert "1 to grade, 0 already graded" in again.stdout
    assert "the reports list 3 submissions: 1 graded now, 2 kept from before" in again.stdout
    assert "0 student(s) with no submission" in again.stdout
    check_outputs(out)


@pytest.mark.parametrize("body, needle", [
    ('"A, Ada",1,s1,ada,S\n"B, Ben",2,s1,ben,S\n', "roster.csv: line 3: SIS User ID 's1' is also on line 2"),
    ('"A, Ada",1,s1,ada,S\n"B, Ben",1,s2,ben,S\n', "roster.csv: line 3: ID '1' is also on line 2"),
    ('"A, Ada",1,s1,ada,S\n"B, Ben",2\n', "roster.csv: line 3: 2 field(s), but the header has 5"),
    ('"A, Ada",1,s1,ada,S,extra\n', "roster.csv: line 2: 6 field(s), but the header has 5"),
    ('"A, Ada,1,s1,ada,S\n"B, Ben",2,s2,ben,S\n', "roster.csv: line 2: a quote is not closed (a field runs over lines 2-3)"),
    ('"A, Ada",1,s1,ada,S\n"B, Ben,2,s2,ben,S\n', "roster.csv: line 3: a quote is not closed (a field runs to the end"),
])
def test_a_roster_with_repeated_ids_ragged_rows_or_an_open_quote_is_refused(tmp_path, body, needle):
    root = write_mini_course(tmp_path / "course")
    (tmp_path / "roster.csv").write_text("Student,ID,SIS User ID,SIS Login ID,Section\n" + body)
    (tmp_path / "a.py").write_text("x = 1\n")
    proc = run_course("--root", root, "grade", "mini", tmp_path / "a.py", "--out", tmp_path / "out", *ENGINE,
                      "--roster", tmp_path / "roster.csv", cwd=tmp_path, check=False)
    assert proc.returncode == 2 and needle in " ".join(proc.stderr.split()), proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


def test_out_naming_a_file_is_a_usage_error(tmp_path):
    root = write_mini_course(tmp_path / "course")
    (tmp_path / "a.py").write_text("x = 1\n")
    afile = tmp_path / "afile"
    afile.write_text("keep me\n")
    for out in (afile, afile / "sub"):
        proc = run_course("--root", root, "grade", "mini", tmp_path / "a.py", "--out", out, *ENGINE,
                          cwd=tmp_path, check=False)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"--out {out}:" in " ".join(proc.stderr.split()) and "Traceback" not in proc.stderr, proc.stderr
    assert afile.read_text() == "keep me\n"


def test_warnings_for_rows_matching_nothing_doubles_and_skipped_entries(tmp_path):
    root, solution, subs = _class(tmp_path)
    (subs / "ann.py").write_text(solution)
    (subs / "ann@x.edu.py").write_text(PARTIAL)      # the same roster student as ann
    (subs / "ben.py").write_text(PARTIAL)
    for hidden in (".dot.py", "__hidden.py", ".\x1b[31mred.py"):
        (subs / hidden).write_text(solution)
    os.mkfifo(subs / "fifo.py")
    os.symlink(tmp_path / "nowhere.py", subs / "broken.py")
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      '"A, Ann",1,s1,ann@x.edu,S\n"B, Ben",2,s2,ben,S\n')
    stamps = tmp_path / "stamps.csv"
    stamps.write_text("submission,time\nann,2026-12-30T10:00:00Z\nann@x.edu,2026-12-31T10:00:00Z\n"
                      "ben,2026-12-30T09:00:00Z\nben,2026-12-30T11:00:00Z\nghost,2026-12-30T11:00:00Z\n")
    ext = tmp_path / "ext.csv"
    ext.write_text("student,assignment,days\nben,mini,1\nBEN,mini,2\nnobody,mini,3\nann,minii,4\n")
    out = tmp_path / "out"
    proc = run_course("--root", root, "grade", "mini", subs, "--out", out, *ENGINE, "--roster", roster,
                      "--timestamps", stamps, "--extensions", ext, cwd=tmp_path, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    warnings = [" ".join(line.split()) for line in proc.stdout.splitlines() if line.startswith("warning: ")]
    expected = [
        f"{ext}: lines 2 and 3 both give 'BEN' an extension; line 3 is used",
        f"{ext}: line 5: unknown assignment 'minii' (the course has mini); row ignored",
        f"{ext}: 1 extension(s) for mini match no submission or roster student, so none applies: 'nobody' (line 4)",
        f"{stamps}: 1 row(s) name no submission of this batch, ignored: 'ghost' (line 6)",
        f"{stamps}: lines 4 and 5 both give a time for 'ben'; line 5 is used",
        "roster student A, Ann (ann@x.edu) is matched by 2 submissions (ann, ann@x.edu); ann@x.edu counts "
        "(handed in last)",
    ]
    for line in expected:
        assert f"warning: {line}" in warnings, (line, warnings)
    skipped = [w for w in warnings if "skipped" in w]
    assert len(skipped) == 1 and "skipped 5 entries that are not submissions" in skipped[0], warnings
    for name in (".dot.py (hidden name)", "broken.py (broken symbolic link)", "fifo.py (not a file or folder)"):
        assert name in skipped[0], skipped
    assert "\x1b" not in proc.stdout and ".\\x1b[31mred.py" in skipped[0]
    assert len(warnings) == len(expected) + 1, warnings  # each once
    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    assert sorted(rows) == ["ann", "ann@x.edu", "ben"]
    assert rows["ben"]["submitted_at"] == "2026-12-30T11:00:00+00:00"  # the later line
    assert "extension to 2027-01-03" in rows["ben"]["reason"]  # BEN: 2 days
    canvas = read_csv(out / "canvas.csv")
    assert [(r["SIS Login ID"], list(r.values())[-1]) for r in canvas[1:]] == [("ann@x.edu", "3"), ("ben", "3")]


def test_links_and_gradescope_keys_out_of_the_folder_are_rejected_unread(tmp_path):
    root, solution, subs = _class(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mini.py").write_text(solution)       # full marks if it were ever read
    (subs / "ann.py").write_text(PARTIAL)
    (subs / "inside.py").symlink_to(subs / "ann.py")   # a link inside the folder is the same file: one row
    (subs / "frank.py").symlink_to(elsewhere / "mini.py")
    (subs / "dora").symlink_to(elsewhere)
    out = tmp_path / "out"
    proc = run_course("--root", root, "grade", "mini", subs, "--out", out, *ENGINE, cwd=tmp_path, check=False,
                      timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    assert sorted(rows) == ["ann", "dora", "frank"], rows
    assert rows["ann"]["score"] == "3"
    for name, entry in (("frank", "frank.py"), ("dora", "dora")):
        assert (rows[name]["status"], rows[name]["score"]) == ("rejected", "0"), rows[name]
        assert f"{entry} is a symbolic link to a place outside" in rows[name]["reason"]

    export = tmp_path / "export"
    (export / "submission_1").mkdir(parents=True)
    (export / "submission_1" / "mini.py").write_text(PARTIAL)
    (export / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Ann\n    :sid: '1'\n    :email: ann@x.edu\n"
        "../elsewhere:\n  :submitters:\n  - :name: Eve\n    :sid: '2'\n    :email: eve@x.edu\n"
        "/etc:\n  :submitters:\n  - :name: Root\n    :sid: '3'\n    :email: root@x.edu\n")
    out2 = tmp_path / "out2"
    proc = run_course("--root", root, "grade", "mini", export, "--out", out2, *ENGINE, cwd=tmp_path, check=False,
                      timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["submission"]: r for r in read_csv(out2 / "grades.csv")}
    assert rows["ann@x.edu"]["score"] == "3"
    for name, key in (("eve@x.edu", "../elsewhere"), ("root@x.edu", "/etc")):
        assert (rows[name]["status"], rows[name]["score"]) == ("rejected", "0"), rows[name]
        assert f"the Gradescope export lists {key}, a path outside the export folder: not read" in rows[name]["reason"]


def test_one_person_in_two_gradescope_submissions_gets_one_canvas_line(tmp_path):
    root, solution, _ = _class(tmp_path)
    export = tmp_path / "export"
    meta = []
    for folder, body, created in (("submission_1", solution, "2026-12-30 10:00:00 -05:00"),
                                  ("submission_2", PARTIAL, "2026-12-31 10:00:00 -05:00")):
        (export / folder).mkdir(parents=True)
        (export / folder / "mini.py").write_text(body)
        meta.append(f"{folder}:\n  :submitters:\n  - :name: Sam\n    :sid: sp\n    :email: sp@x.edu\n"
                    f"  :created_at: {created}\n")
    (export / "submission_metadata.yml").write_text("".join(meta))
    out = tmp_path / "out"
    proc = run_course("--root", root, "grade", "mini", export, "--out", out, *ENGINE, cwd=tmp_path, check=False,
                      timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    canvas = read_csv(out / "canvas.csv")
    assert [(r["SIS User ID"], list(r.values())[-1]) for r in canvas[1:]] == [("sp", "3")]  # the later one
    assert ("warning: submitter sp is in 2 submissions (sp@x.edu, sp@x.edu-2); sp@x.edu-2 counts in canvas.csv "
            "(handed in last)") in proc.stdout
