"""A grader's or instructor's laptop that is not Linux. The sandbox engine is Linux-only (prctl,
namespaces, seccomp): on macOS or Windows `course grade` and `course validate` with it stop at once
with a sentence saying so and what to do, not a `failed` row per submission. `--engine inprocess`
grades there: simulated on Linux as Windows is (no resource, fcntl, pwd or grp modules, no
os.getuid/geteuid/fchmod/sched_getaffinity, no fork, no SIGALRM), every submission of the mini course is graded, and a
stale worker folder in the temporary directory is left alone (the sweep needs owners and
os.kill(pid, 0), which on Windows is not a probe)."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import COURSE, write_mini_course
from test_batch_support import read_csv

WINDOWS = '''\
import os, signal, sys
for name in ("resource", "fcntl", "pwd", "grp"):
    sys.modules.setdefault(name, None)
for name in ("SIGALRM", "alarm", "setitimer", "getitimer", "ITIMER_REAL"):
    if hasattr(signal, name):
        delattr(signal, name)
for name in ("getuid", "geteuid", "fork", "fchmod", "sched_getaffinity"):  # fchmod: Windows has it from 3.13
    if hasattr(os, name):
        delattr(os, name)
'''


def test_inprocess_grading_works_without_the_posix_only_modules(tmp_path):
    root = write_mini_course(tmp_path / "course")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text((root / "solutions/mini/mini.py").read_text(encoding="utf-8"), encoding="utf-8")
    (subs / "bob.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WINDOWS, encoding="utf-8")
    temp = tmp_path / "temp"
    stale = temp / "course-worker-999999999-abc"  # a worker long gone, as a killed batch leaves one
    stale.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(site), "TMPDIR": str(temp)}
    proc = subprocess.run([COURSE, "--root", str(root), "grade", "mini", str(subs), "--out", str(tmp_path / "out"),
                           "--engine", "inprocess", "--jobs", "1", "--no-similarity"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["submission"]: (r["status"], r["score"]) for r in read_csv(tmp_path / "out" / "grades.csv")}
    assert rows == {"alice": ("graded", "5"), "bob": ("graded", "3")}, rows
    assert stale.is_dir()


def test_the_sandbox_engine_off_linux_is_a_usage_error_saying_what_to_do(tmp_path):
    root = write_mini_course(tmp_path / "course")
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    for platform in ("darwin",):  # (win32 would also make rich look for Windows' console DLLs here)
        for command in (["grade", "mini", str(tmp_path / "a.py"), "--out", str(tmp_path / "out")], ["validate"]):
            code = ("import sys; sys.platform = %r\nfrom autograder.cli import main\n"
                    "raise SystemExit(main(%r))" % (platform, ["--root", str(root), *command]))
            proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                                  encoding="utf-8", timeout=300)
            said = " ".join(proc.stderr.split())
            assert proc.returncode == 2, proc.stdout + proc.stderr
            assert f"the sandbox engine runs on Linux only" in said and f"this is {platform}" in said, said
            assert "WSL 2" in said and "--engine inprocess" in said and "Traceback" not in said, said
            assert not (tmp_path / "out").exists()


def test_names_in_macos_decomposed_unicode_match_the_graders_csv_files(tmp_path):
    """A class exported on a Mac: file names in NFD (e + combining diaeresis), while the grader's
    timestamps, extensions and Canvas roster were typed elsewhere (NFC), and the other way round.
    Each is the same name: the late time, the extension and the roster line all apply."""
    import unicodedata

    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    root = write_mini_course(tmp_path / "course")
    solution = (root / "solutions/mini/mini.py").read_text(encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / f"{nfd('zoë')}.py").write_text(solution, encoding="utf-8")   # the Mac's file name
    (subs / "chloé.py").write_text(solution, encoding="utf-8")          # typed on Windows or Linux
    stamps = tmp_path / "stamps.csv"                                    # two days late each
    stamps.write_text(f"submission,time\nzoë,2027-01-03T10:00:00Z\n{nfd('chloé')},2027-01-03T10:00:00Z\n",
                      encoding="utf-8")
    ext = tmp_path / "ext.csv"
    ext.write_text(f"student,assignment,days\n{nfd('chloé')},mini,5\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      f'"Z, Zoë",1,s1,zoë,S\n"C, Chloé",2,s2,{nfd("chloé")},S\n', encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([COURSE, "--root", str(root), "grade", "mini", str(subs), "--out", str(out),
                           "--engine", "inprocess", "--jobs", "1", "--no-similarity", "--timestamps", str(stamps),
                           "--extensions", str(ext), "--roster", str(roster)], cwd=tmp_path,
                          capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "warning:" not in proc.stdout, proc.stdout
    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    assert sorted(rows) == ["chloé", "zoë"], sorted(rows)
    assert float(rows["zoë"]["late_by"]) > 0, rows["zoë"]      # her time found (the mini course: no penalty)
    assert rows["chloé"]["submitted_at"] and float(rows["chloé"]["late_by"]) == 0, rows["chloé"]  # her extension
    canvas = read_csv(out / "canvas.csv")
    assert len(canvas) == 3 and all(list(r.values())[-1] not in ("", "0") for r in canvas[1:]), canvas


def test_what_windows_and_macos_leave_in_a_folder_of_submissions_is_not_a_submission(tmp_path):
    """Thumbs.db and desktop.ini (Windows Explorer), Icon\\r (a Mac folder's custom icon), a USB
    stick's recycle bin: skipped and named once, like .DS_Store, never a `rejected` row."""
    root = write_mini_course(tmp_path / "course")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text((root / "solutions/mini/mini.py").read_text(encoding="utf-8"), encoding="utf-8")
    for name in ("Thumbs.db", "desktop.ini", "Icon\r", ".DS_Store"):
        (subs / name).write_bytes(b"\x00\x01")
    (subs / "$RECYCLE.BIN").mkdir()
    (subs / "$RECYCLE.BIN" / "desktop.ini").write_bytes(b"\x00")
    proc = subprocess.run([COURSE, "--root", str(root), "grade", "mini", str(subs), "--out", str(tmp_path / "out"),
                           "--engine", "inprocess", "--jobs", "1", "--no-similarity"], cwd=tmp_path,
                          capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert [r["submission"] for r in read_csv(tmp_path / "out" / "grades.csv")] == ["alice"]
    said = " ".join(proc.stdout.split())
    assert "skipped 5 entries that are not submissions" in said and "Thumbs.db (system file)" in said, said
