"""The student's own check, `otter check <slug>.py` in the unzipped bundle as its README says,
on a Linux made to look like a student's Windows laptop: the ANSI code page as the locale's
encoding (cp1252, a locale compiled with localedef into a temporary folder), no SIGALRM, alarm,
setitimer or fork, no resource, fcntl, pwd or grp modules, and no `autograder` package (a
student's environment has none, so every helper takes its student-side branch). The bundle's
tests pass with the solution saved as Windows editors save it; a file otter check cannot read as
written (a byte-order mark; non-ASCII text under cp1252) is named on the terminal with the fix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import COURSE, ROOT, VENV_BIN

SLUG = "image_tensors"
SOLUTION = (ROOT / "solutions" / SLUG / f"{SLUG}.py").read_bytes()
WINDOWS = '''\
"""Loaded first by every Python started with this folder on PYTHONPATH: POSIX-only parts gone."""
import os, signal, sys
for name in ("resource", "fcntl", "pwd", "grp", "autograder"):
    sys.modules.setdefault(name, None)  # None: `import name` raises ImportError
for name in ("SIGALRM", "alarm", "setitimer", "getitimer", "ITIMER_REAL", "siginterrupt"):
    if hasattr(signal, name):
        delattr(signal, name)
def fork():
    raise OSError("os.fork: not on Windows")
os.fork = fork
'''

sys.path.insert(0, str(ROOT / "assignments" / "_shared"))
from _readable import problems  # noqa: E402  (the helper itself, shipped in every bundle)


@pytest.fixture(scope="module")
def laptop(tmp_path_factory) -> dict:
    """The environment of the simulated laptop, and the built student zip."""
    base = tmp_path_factory.mktemp("windows")
    if not shutil.which("localedef") or not Path("/usr/share/i18n/charmaps/CP1252.gz").exists():
        pytest.skip("localedef or the CP1252 charmap is missing: no code-page locale to simulate Windows with")
    locales = base / "locales"
    locales.mkdir()
    made = subprocess.run(["localedef", "-i", "en_US", "-f", "CP1252", str(locales / "en_US.CP1252")],
                          capture_output=True, text=True, encoding="utf-8")
    if not (locales / "en_US.CP1252").exists():
        pytest.skip(f"localedef could not make a cp1252 locale: {made.stderr[-300:]}")
    site = base / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WINDOWS, encoding="utf-8")
    env = {**os.environ, "LOCPATH": str(locales), "LC_ALL": "en_US.CP1252", "PYTHONPATH": str(site),
           "PYTHONIOENCODING": "utf-8",  # a Windows console prints Unicode; only a pipe would not
           "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONUTF8", None)
    probe = subprocess.run([sys.executable, "-c", "import locale, signal, os; import autograder"], env=env,
                           capture_output=True, text=True, encoding="utf-8")
    assert "ImportError" in probe.stderr or "ModuleNotFoundError" in probe.stderr, probe.stderr
    dist = base / "dist"
    proc = subprocess.run([COURSE, "--root", str(ROOT), "build", SLUG, "--out", str(dist)], capture_output=True,
                          text=True, encoding="utf-8", timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {"env": env, "zip": dist / "student" / f"{SLUG}.zip"}


def _otter_check(laptop, folder: Path, data: bytes, *args, **env) -> str:
    with zipfile.ZipFile(laptop["zip"]) as zf:
        zf.extractall(folder)
    (folder / SLUG / f"{SLUG}.py").write_bytes(data)
    proc = subprocess.run([str(VENV_BIN / "otter"), "check", f"{SLUG}.py", *args], cwd=folder / SLUG,
                          env={**laptop["env"], **env}, capture_output=True, text=True, encoding="utf-8",
                          timeout=900)
    return proc.stdout + proc.stderr


def test_the_public_tests_pass_on_windows_with_a_file_saved_there(laptop, tmp_path):
    """CRLF line endings and a non-ASCII comment, all public tests: they pass, and the terminal
    says that otter check reads the file as cp1252 and how to make it read UTF-8."""
    data = "# Zoë's answers: 224×224 pixels\r\n".encode("utf-8") + SOLUTION.replace(b"\n", b"\r\n")
    out = _otter_check(laptop, tmp_path, data)
    assert "All tests passed!" in out, out[-3000:]
    assert "otter check reads image_tensors.py in this system's encoding (cp1252)" in out.replace("CP1252", "cp1252"), \
        out[-3000:]  # Windows names it cp1252, glibc CP1252
    assert "(the first on line 1: 'ë')" in out and "$env:PYTHONUTF8=1" in out, out[-3000:]
    assert "Traceback" not in out, out[-3000:]


def test_a_file_with_a_byte_order_mark_is_named_on_the_terminal(laptop, tmp_path):
    """otter check runs the file's text as one cell: a BOM fails it, and with it every test. The
    cause is said where the student looks; PYTHONUTF8=1 (the other hint) does not change that."""
    out = _otter_check(laptop, tmp_path, b"\xef\xbb\xbf" + SOLUTION, "-q", "q2_describe_image", PYTHONUTF8="1")
    assert "image_tensors.py starts with a byte-order mark" in out and "Save it as plain UTF-8" in out, out[-3000:]
    assert "this system's encoding" not in out  # UTF-8 mode: the other hint is not given


@pytest.mark.parametrize("data, encoding, expected", [
    (SOLUTION, "cp1252", []),                                  # ASCII: read the same everywhere
    ("# é\n".encode("utf-8") + SOLUTION, "UTF-8", []),         # Linux, macOS, PYTHONUTF8=1
    ("# é\n".encode("utf-8") + SOLUTION, "cp65001", []),       # Windows' UTF-8 code page
    ("# écrit\n".encode("cp1252") + SOLUTION, "cp1252", ["is not UTF-8 (line 1: byte b'\\xe9')"]),
    (b"\xef\xbb\xbf" + SOLUTION, "UTF-8", ["starts with a byte-order mark"]),
    (b"\xef\xbb\xbf# \xc3\xa9\n" + SOLUTION, "cp1252", ["starts with a byte-order mark", "reads s.py in this system's encoding (cp1252)"]),
])
def test_what_the_helper_says_for_each_kind_of_file(data, encoding, expected):
    said = problems(data, encoding, "s.py")
    assert len(said) == len(expected) and all(e in s for e, s in zip(expected, said)), said


def test_the_bundle_readme_says_what_the_hints_mean(laptop):
    with zipfile.ZipFile(laptop["zip"]) as zf:
        readme = " ".join(zf.read(f"{SLUG}/README.md").decode("utf-8").split())
    assert "every test fails with `'NoneType' object is not callable`" in readme
    assert f"run `python {SLUG}.py` to see why" in readme
    assert '"UTF-8 with BOM"' in readme and "$env:PYTHONUTF8=1" in readme


def test_a_character_the_terminal_cannot_print_is_escaped_not_lost(tmp_path, monkeypatch, capsys):
    """The hint names the first non-ASCII character; a cp1252 pipe cannot print a check mark."""
    import io

    import _readable

    (tmp_path / "s.py").write_bytes("# done \u2713\n".encode("utf-8") + SOLUTION)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "ipykernel", sys)  # as in otter check's kernel
    monkeypatch.setattr(_readable.locale, "getencoding", lambda: "cp1252")
    monkeypatch.setattr(_readable, "_said", set())
    pipe = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    monkeypatch.setattr(sys, "__stderr__", pipe)
    _readable.explain("s.py")
    pipe.flush()
    shown = pipe.buffer.getvalue().decode("cp1252")
    assert "reads s.py in this system's encoding (cp1252)" in shown and "'\\u2713'" in shown, shown
