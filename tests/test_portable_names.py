"""Bundles unzip on Windows and macOS laptops: `course build` refuses a zip entry Windows cannot
create (a reserved name such as aux.txt, a `:`), or two entries differing only in capitals (one
file on a case-insensitive disk), naming the zip and the entries, before writing anything."""

from __future__ import annotations

import pytest

from autograder.build import portable
from autograder.build.errors import BuildError
from conftest import run_course, write_mini_course


@pytest.mark.parametrize("assets, needle", [
    (["Numbers.txt"], "'mini/assets/Numbers.txt' and 'mini/assets/numbers.txt' differ only in capitals"),
    (["aux.txt"], "'mini/assets/aux.txt' cannot be unpacked on Windows"),
])
def test_build_refuses_names_a_laptop_would_lose(tmp_path, assets, needle):
    root = write_mini_course(tmp_path / "course")
    yml = root / "assignments/mini/assignment.yml"
    for name in assets:
        (root / "reference/mini" / name).write_text("1\n", encoding="utf-8")
        yml.write_text(yml.read_text(encoding="utf-8") + f"  - mini/{name}\n", encoding="utf-8")
    proc = run_course("--root", root, "build", "--out", tmp_path / "dist", check=False)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "student/mini.zip: " in said and needle in said, proc.stdout + proc.stderr
    assert not (tmp_path / "dist" / "student" / "mini.zip").exists()


def test_names_that_unpack_everywhere_pass():
    portable.check_names(["a/README.md", "a/assets/cat.png", "a/tests/q1_x.py", "a/_checks.py"], "x.zip")
    for bad in (["a/CON"], ["a/b:c.py"], ["a/x."], ["a/X.py", "a/x.py"], ["a/lpt1.txt"]):
        with pytest.raises(BuildError):
            portable.check_names(bad, "x.zip")
