"""Submissions as students' laptops make them, graded in one run of the real `course grade` on
the real course (image_tensors, the reference solution as every submission's content): Notepad's
UTF-8 byte-order mark, Windows line endings in a .py and in a notebook, a notebook saved by
Jupyter on Windows, a macOS Finder zip (__MACOSX/._name AppleDouble entries, .DS_Store), a zip
whose entry names use backslashes, the file named with other capitals, names in macOS's
decomposed (NFD) Unicode. Each is graded as the student meant (full marks), or refused with a
reason naming the file and the problem, and no submission changes another's row."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile

import nbformat
import pytest

from autograder.config import load_course
from conftest import ROOT, run_course
from test_batch_support import check_outputs, read_csv

SLUG = "image_tensors"
FULL = f"{load_course(ROOT).get(SLUG).total_points:g}"
SOLUTION = (ROOT / "solutions" / SLUG / f"{SLUG}.py").read_text(encoding="utf-8")
BOM = b"\xef\xbb\xbf"
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 40  # a resource fork's header
DS_STORE = b"\x00\x00\x00\x01Bud1" + b"\x00" * 60


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def _windows_notebook(*cells: str) -> bytes:
    """What Jupyter on Windows writes: its text-mode file turns every "\\n" of the JSON into CRLF;
    a cell pasted from a Windows editor keeps its CRLF inside the source strings too; non-ASCII
    text kept as itself (ensure_ascii=False)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                   "language_info": {"name": "python", "version": "3.12.7"}}
    nb.cells = [nbformat.v4.new_markdown_cell("# Devoir : tenseurs d'images (é, ü, ✓)")]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb).replace("\n", "\r\n").encode("utf-8")


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


CASES: dict[str, bytes] = {
    "bom.py": BOM + SOLUTION.encode("utf-8"),                           # Notepad's "UTF-8 with BOM"
    "crlf.py": _crlf(SOLUTION),
    "bom_crlf.py": BOM + _crlf(SOLUTION),
    "crlf_nb.ipynb": _windows_notebook("import numpy as np", SOLUTION.replace("\n", "\r\n")),
    "bom_nb.ipynb": BOM + nbformat.writes(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(SOLUTION)])).encode("utf-8"),
    "win_jupyter.ipynb": _windows_notebook("%matplotlib inline\nimport numpy as np", SOLUTION),
    # Finder's "Compress": the folder, and each file's AppleDouble twin under __MACOSX/
    "finder.zip": _zip({"image_tensors/": b"", f"image_tensors/{SLUG}.py": SOLUTION.encode("utf-8"),
                        "image_tensors/.DS_Store": DS_STORE,
                        f"__MACOSX/image_tensors/._{SLUG}.py": APPLEDOUBLE,
                        "__MACOSX/image_tensors/._.DS_Store": APPLEDOUBLE}),
    "finder_file.zip": _zip({f"{SLUG}.py": SOLUTION.encode("utf-8"), f"__MACOSX/._{SLUG}.py": APPLEDOUBLE}),
    "backslash.zip": _zip({f"homework\\{SLUG}.py": SOLUTION.encode("utf-8"), "homework\\notes.txt": b"done\r\n"}),
    "capitals/Image_Tensors.py": SOLUTION.encode("utf-8"),
    "capitals_among_others/Image_Tensors.py": SOLUTION.encode("utf-8"),
    "capitals_among_others/scratch.py": b"print('trying things out')\n",
    "capitals_zip.zip": _zip({"Image_Tensors.PY": SOLUTION.encode("utf-8"), "scratch.py": b"x = 1\n"}),
    _nfd("Zoë_Renée.py"): SOLUTION.encode("utf-8"),                     # macOS names files in NFD
    _nfd("Chloé") + f"/{SLUG}.py": SOLUTION.encode("utf-8"),
    "nfd_zip.zip": _zip({_nfd("Léa") + f"/{SLUG}.py": SOLUTION.encode("utf-8")}),
    # not what the student meant, and said so: a file saved in Windows' ANSI code page
    "ansi.py": ("# écrit par Zoë\n" + SOLUTION).encode("cp1252"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("laptops")
    subs = base / "subs"
    for name, data in CASES.items():
        (subs / name).parent.mkdir(parents=True, exist_ok=True)
        (subs / name).write_bytes(data)
    out = base / "out"
    proc = run_course("--root", ROOT, "grade", SLUG, subs, "--out", out, "--jobs", "2", "--no-similarity", cwd=base,
                      check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    check_outputs(out)
    return out, {r["submission"]: r for r in read_csv(out / "grades.csv")}


@pytest.mark.parametrize("name", ["bom", "crlf", "bom_crlf", "crlf_nb", "bom_nb", "win_jupyter", "finder",
                                  "finder_file", "backslash", "capitals", "capitals_among_others",
                                  "capitals_zip", "Zoë_Renée", "Chloé", "nfd_zip"])
def test_graded_as_the_student_meant(graded, name):
    out, rows = graded
    assert name in rows, f"no row named {name!r} (NFC): {sorted(rows)}"
    row = rows[name]
    assert row["status"] == "graded" and row["score"] == FULL, row
    result = json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))
    assert result["score"] == float(FULL)


def test_every_submission_has_exactly_one_row(graded):
    _, rows = graded
    assert len(rows) == len({name.split("/")[0].rsplit(".", 1)[0] for name in CASES}), sorted(rows)


def test_a_file_in_the_windows_code_page_is_refused_naming_file_and_problem(graded):
    _, rows = graded
    row = rows["ansi"]
    assert row["status"] == "rejected" and row["score"] == "0", row
    assert "ansi.py is not UTF-8 text (line 1, byte 2: b'\\xe9')" in row["reason"], row["reason"]
    assert "save it as UTF-8" in row["reason"], row["reason"]


@pytest.mark.parametrize("name, file", [("capitals", "Image_Tensors.py"),
                                        ("capitals_among_others", "Image_Tensors.py"),
                                        ("capitals_zip", "Image_Tensors.PY"), ("backslash", "homework/image_tensors.py"),
                                        ("finder", "image_tensors/image_tensors.py")])
def test_the_file_graded_is_the_one_named_like_the_assignment_whatever_its_capitals(graded, name, file):
    """Not the only other .py beside it (scratch.py): the student's answer, named on the page."""
    out, _ = graded
    result = json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))
    assert f"Graded file: {file}" in result["output"], result["output"]
