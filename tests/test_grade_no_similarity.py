"""`course grade --no-similarity`: the similarity check is skipped (no similarity.csv, no report
section, no summary line) and nothing else changes. `course mutants` grades with it, since its
submissions are one-change copies of the same file."""

from __future__ import annotations

from conftest import MINI_SOLUTION, MINI_STUB, run_course, write_mini_course
from test_batch_support import engine_args, read_csv


def test_no_similarity_skips_only_the_similarity_check(tmp_path):
    root = write_mini_course(tmp_path / "course")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "amy.py").write_text(MINI_SOLUTION)
    (subs / "zoe.py").write_text(MINI_SOLUTION)  # a copy: would be the top pair
    (subs / "stubby.py").write_text(MINI_STUB)
    runs = {}
    for flag in ([], ["--no-similarity"]):
        out = tmp_path / ("out-plain" if not flag else "out-skip")
        proc = run_course("--root", root, "grade", "mini", subs, "--out", out, "--jobs", "2", *engine_args(), *flag,
                          cwd=tmp_path, check=False, timeout=900)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        runs[bool(flag)] = (out, proc.stdout)
    plain, skipped = runs[False], runs[True]
    assert (plain[0] / "similarity.csv").is_file() and "similarity:" in plain[1]
    assert not (skipped[0] / "similarity.csv").exists()
    assert "similarity:" not in skipped[1] and "similarity.csv" not in skipped[1]
    assert 'id="similarity"' in (plain[0] / "report.html").read_text()
    assert 'id="similarity"' not in (skipped[0] / "report.html").read_text()
    grades = {p: {r["submission"]: (r["score"], r["status"]) for r in read_csv(out / "grades.csv")}
              for p, (out, _) in runs.items()}
    assert grades[False] == grades[True] and grades[True]["amy"] != grades[True]["stubby"]
