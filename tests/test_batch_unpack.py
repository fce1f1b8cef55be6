"""Batch intake and safe unpacking, as functions (fast; the CLI tests cover the whole path)."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest

from autograder.batch.intake import IntakeError, collect, is_one_submission, safe_name
from autograder.submission import folder_digest, folder_files, pack_files, safe_extract
from autograder.submission import SubmissionRejected, notebook_source
from test_batch_support import notebook, zip_bytes


def test_safe_extract_plain_and_nested(tmp_path):
    data = zip_bytes({"hw/mini.py": b"x = 1\n", "hw/data/a.txt": b"a", "__MACOSX/._mini.py": b"junk"})
    files = safe_extract(data, tmp_path / "u")
    assert sorted(p.relative_to(tmp_path / "u").as_posix() for p in files) == \
        ["__MACOSX/._mini.py", "hw/data/a.txt", "hw/mini.py"]


@pytest.mark.parametrize("entries, words", [
    ({"../evil.py": b"x"}, "zip slip"),
    ({"ok/../../evil.py": b"x"}, "zip slip"),
    ({"..\\..\\evil.py": b"x"}, "zip slip"),
    ({"/etc/evil.py": b"x"}, "absolute path"),
    ({"C:/evil.py": b"x"}, "absolute path"),
    ({}, "empty"),
    ({f"{i}.py": b"" for i in range(1001)}, "more than the limit"),
    ({"big.bin": b"\0" * (101 * 2**20)}, "zip bomb"),
])
def test_safe_extract_rejects(tmp_path, entries, words):
    dest = tmp_path / "u"
    with pytest.raises(SubmissionRejected, match=words):
        safe_extract(zip_bytes(entries), dest)
    assert not (tmp_path / "evil.py").exists() and not list(dest.rglob("*.py"))


def test_safe_extract_symlink_garbage_duplicates_and_lying_sizes(tmp_path):
    with pytest.raises(SubmissionRejected, match="symbolic link"):
        safe_extract(zip_bytes({}, symlinks={"mini.py": "/etc/passwd"}), tmp_path / "a")
    with pytest.raises(SubmissionRejected, match="not a valid zip"):
        safe_extract(b"PK\x03\x04 this is not a zip", tmp_path / "b")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Mini.py", b"1")
        zf.writestr("mini.py", b"2")
    with pytest.raises(SubmissionRejected, match="two entries"):
        safe_extract(buf.getvalue(), tmp_path / "c")
    # Headers that understate the unpacked size: never more than the declared bytes are written.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.bin", b"\0" * (3 * 2**20))
    data = bytearray(buf.getvalue())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 22:local + 26] = (1000).to_bytes(4, "little")
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")
    with pytest.raises(SubmissionRejected, match="damaged"):
        safe_extract(bytes(data), tmp_path / "d")
    assert sum(p.stat().st_size for p in (tmp_path / "d").rglob("*") if p.is_file()) <= 1000


def test_folder_files_caps_and_symlinks(tmp_path):
    f = tmp_path / "f"
    (f / "src").mkdir(parents=True)
    (f / "src" / "mini.py").write_text("x = 1\n")
    (f / ".git").mkdir()
    (f / ".git" / "HEAD").write_text("ref")
    files = folder_files(f)
    assert [rel for rel, _ in files] == ["src/mini.py"]
    assert pack_files(files) == pack_files(folder_files(f))        # deterministic transport
    digest = folder_digest(files)
    (f / "src" / "mini.py").write_text("x = 2\n")
    assert folder_digest(folder_files(f)) != digest
    os.symlink("/etc/passwd", f / "src" / "link.py")
    with pytest.raises(SubmissionRejected, match="symbolic link"):
        folder_files(f)


def test_collect_names_layouts_and_duplicates(tmp_path):
    subs = tmp_path / "subs"
    (subs / "carol" / "deep" / "er").mkdir(parents=True)
    (subs / "carol" / "deep" / "er" / "mini.py").write_text("x = 1\n")
    (subs / "alice.py").write_text("a = 1\n")
    (subs / "alice.ipynb").write_text("{}")
    (subs / ".DS_Store").write_text("")
    (subs / "Bob Smith!.zip").write_bytes(zip_bytes({"mini.py": b"b = 1\n"}))
    late = tmp_path / "late"
    late.mkdir()
    (late / "alice.py").write_text("a = 2\n")
    out = subs / "out"
    out.mkdir()
    got = collect([str(subs), str(late), str(subs / "alice.py")], "mini.py", exclude=out)
    names = [s.name for s in got]
    assert names == ["Bob_Smith", "alice", "alice-2", "alice-3", "carol"]
    by = {s.name: s for s in got}
    assert by["carol"].kind == "folder"
    assert "renamed alice-2" in by["alice-2"].notes[0]
    assert "same name alice" in by["alice"].notes[0]
    assert len({s.digest for s in got}) == len(got)
    again = collect([str(late), str(subs)], "mini.py", exclude=out)          # argument order does not matter
    assert [(s.name, s.origin) for s in again] == [(s.name, s.origin) for s in got]

    # One student's folder given directly (holds mini.py, or wraps one folder) vs a folder of submissions.
    assert is_one_submission(subs / "carol", "mini.py")
    assert not is_one_submission(subs, "mini.py")
    assert [s.name for s in collect([str(subs / "carol")], "mini.py")] == ["carol"]
    with pytest.raises(IntakeError, match="no such file"):
        collect([str(tmp_path / "missing.py")], "mini.py")
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "a.txt").write_text("")
    assert [s.name for s in collect([str(empty)], "mini.py")] == ["empty"]
    assert safe_name("../../etc/passwd") == "etc_passwd" and safe_name("") == "submission"


def test_notebook_magics_removed_and_bad_notebooks():
    src = notebook(["%matplotlib inline\n!pip install x\nfiles = !ls\nimport math\n",
                    "%%bash\necho hi\n",
                    "def f(x):\n    !echo inside\n    return x % 2\nhelp_me = '''\n%not a magic\n'''\nf?\n"])
    code = notebook_source(src, "nb.ipynb")
    compile(code, "nb", "exec")
    ns: dict = {}
    exec(code, ns)
    assert ns["f"](3) == 1 and "%not a magic" in ns["help_me"] and "echo hi" not in code
    with pytest.raises(SubmissionRejected, match="not a valid Jupyter notebook"):
        notebook_source("not json", "nb.ipynb")
    with pytest.raises(SubmissionRejected, match="no code cells"):
        notebook_source(json.dumps({"cells": [{"cell_type": "markdown", "source": "hi"}]}), "nb.ipynb")
