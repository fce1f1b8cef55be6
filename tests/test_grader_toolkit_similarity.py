"""Similarity (issue 15, part 3) through the real `course grade` on a made-up class: honest
variants (each its own code around the same stub) and two near-copies (names changed, a
comment added). The browser check opens report.html in headless chromium: a screenshot in the
test's folder and no console message."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess

import pytest

from conftest import MINI_STUB, run_course, write_mini_course
from test_batch_support import engine_args, read_csv

HEAD = MINI_STUB.split("def add")[0]  # the stub's docstring and imports, as every student keeps them

HONEST = {
    "amy": '''
def add(a, b):
    total = a
    for _ in range(abs(b)):
        total = total + (1 if b > 0 else -1)
    return total


def scale(x, k):
    out = np.empty_like(np.asarray(x, dtype=np.float64))
    for i, value in enumerate(np.asarray(x, dtype=np.float64)):
        out[i] = value * float(k)
    if out.shape[0] > 1000:
        raise ValueError("too long")
    checks = [np.isfinite(v) for v in out]
    if not all(checks):
        print("warning: non-finite values", sum(1 for c in checks if not c))
    return out
''',
    "ben": '''
import functools


def add(a, b):
    parts = [a, b]
    return functools.reduce(lambda left, right: left + right, parts, 0)


def scale(x, k):
    data = list(map(float, x))
    result = [item * k for item in data]
    while len(result) < len(data):
        result.append(0.0)
    table = {index: value for index, value in enumerate(result)}
    ordered = [table[key] for key in sorted(table)]
    return np.array(ordered, dtype=np.float64)
''',
    "cat": '''
def add(a, b):
    import operator
    return operator.add(int(a), int(b))


def scale(x, k):
    arr = np.array(x, dtype=np.float64, copy=True)
    arr *= k
    mean_before = float(np.mean(x)) if len(x) else 0.0
    mean_after = float(np.mean(arr)) if len(arr) else 0.0
    assert abs(mean_after - mean_before * k) < 1e-6 * (1 + abs(mean_after))
    return arr.reshape(-1)
''',
}
# zoe copied amy: every name changed, a comment added. <b>tags</b> in a comment must stay text.
# Derived from amy's code (no literal copy to keep in step); none of these names occurs in a string.
RENAMED = {"a": "first", "b": "second", "total": "acc", "out": "res", "i": "j", "value": "val", "checks": "oks"}
COPY = re.sub(r"\b(" + "|".join(RENAMED) + r")\b", lambda m: RENAMED[m.group(1)], HONEST["amy"]).replace(
    "def add(first, second):\n", "def add(first, second):\n    # my own work, honestly <b>bold</b>\n")


def browser_check(page, shot, height=3000, min_bytes=20_000):
    """Open `page` in headless chromium; the screenshot goes to `shot`. Returns the console
    lines chromium logged (the report has no scripts: any line is a failure to load or run)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium is not installed (make browser-deps installs it from Debian)")
    proc = subprocess.run([exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", f"--user-data-dir={shot.parent / 'chromium-profile'}",
                           f"--window-size=1200,{height}", "--enable-logging=stderr", "--v=0",
                           f"--screenshot={shot}", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and shot.is_file() and shot.stat().st_size > min_bytes, proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def test_browser_check_sees_console_errors(tmp_path):
    """The checker itself: a page that logs an error is caught (so a silent report means something)."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><h1>x</h1><script>console.error('boom')</script>"
                    "<img src='missing.png'></body></html>")
    lines = browser_check(page, tmp_path / "bad.png", height=400, min_bytes=1_000)
    assert any("boom" in line for line in lines), lines


def test_similarity_through_course_grade_and_in_a_browser(tmp_path):
    root = write_mini_course(tmp_path / "course")
    subs = tmp_path / "subs"
    subs.mkdir()
    sources = {**HONEST, "zoe": COPY}
    for name, body in sources.items():
        (subs / f"{name}.py").write_text(HEAD + body)
    (subs / "stubby.py").write_text(MINI_STUB)  # handed in the stub as given: shares only boilerplate
    out = tmp_path / "out"
    proc = run_course("--root", root, "grade", "mini", subs, "--out", out, "--jobs", "2", *engine_args(),
                      cwd=tmp_path, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "similarity: 1 pair(s) sharing at least 50% of their code: amy & zoe (100%)" in proc.stdout

    pairs = read_csv(out / "similarity.csv")
    assert (pairs[0]["submission_a"], pairs[0]["submission_b"]) == ("amy", "zoe")
    assert float(pairs[0]["similarity"]) >= 0.9
    assert all(float(p["similarity"]) < 0.5 for p in pairs[1:]), pairs  # honest variants and the stub
    # An independent oracle agrees on the ranking: difflib's ratio of the students' own code.
    ratio = {(a, b): difflib.SequenceMatcher(None, sources[a], sources[b]).ratio()
             for a in sources for b in sources if a < b}
    assert max(ratio, key=ratio.get) == ("amy", "zoe")

    report = (out / "report.html").read_text()
    section = report[report.index('id="similarity"'):report.index('id="all"')]
    assert section.count('<div class="pair">') == 1 and section.count("<mark>") >= 2
    assert "&lt;b&gt;bold&lt;/b&gt;" in section and "<b>bold</b>" not in section
    shot = tmp_path / "report.png"
    console = browser_check(out / "report.html", shot)
    assert console == [], console
    assert re.search(r"<h3>amy and zoe: 100% of amy, 100% of zoe shared", section)


def test_only_the_first_source_chars_of_a_file_are_compared():
    """The report step has no deadline, and tokenizing costs ~1 s per 200,000 characters (4.4 s for
    a crafted 1 MiB source, the intake limit, against 0.8 s capped): each file is fingerprinted on
    its first SOURCE_CHARS characters, and the page says so. A copy placed within them is found;
    the same copy placed after them (behind a long filler of honest-looking code) is not."""
    from autograder.report import similarity as S

    stub = MINI_STUB
    copied = HEAD + HONEST["amy"]
    filler = "\n".join(f"value_{i} = ({i} + {i * 7}) * {i % 13}" for i in range(S.SOURCE_CHARS // 20))
    assert len(filler) > S.SOURCE_CHARS
    sources = {"amy": copied, "early": copied + "\n" + filler, "late": HEAD + filler + "\n" + HONEST["amy"]}
    pairs, used = S.compare(sources, stub, 0.5, 1)
    share = {(p.a, p.b): p.similarity for p in pairs}
    assert share[("amy", "early")] == pytest.approx(1.0), share
    assert share.get(("amy", "late"), 0.0) < 0.2, share
    assert all(len(code) <= S.SOURCE_CHARS for code in used.values())
    assert f"first {S.SOURCE_CHARS:,} characters" in S.section(pairs, used, 0.5)
