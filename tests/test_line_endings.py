"""Line endings on an instructor's Windows checkout: Git for Windows turns LF into CRLF by
default. .gitattributes asks for LF in every text file of the repository (builds stay
byte-identical across platforms), and the two scripts Gradescope runs with bash are copied into
the autograder zip with LF whatever the checkout holds."""

from __future__ import annotations

import subprocess

from autograder.build import autograder_zip
from conftest import ROOT


def test_every_tracked_text_file_is_checked_out_with_lf():
    listed = subprocess.run(["git", "ls-files", "--eol"], cwd=ROOT, capture_output=True, text=True,
                            encoding="utf-8", check=True).stdout.splitlines()
    assert listed
    wrong = [line for line in listed if "eol=lf" not in line.split("\t")[0] and not line.startswith("i/-text")]
    assert not wrong, "checked out with the platform's line endings:\n" + "\n".join(wrong[:20])


def test_the_gradescope_scripts_get_lf_from_a_crlf_checkout(tmp_path, monkeypatch):
    for name in ("setup.sh", "run_autograder"):
        (tmp_path / name).write_bytes((autograder_zip.TEMPLATES / name).read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setattr(autograder_zip, "TEMPLATES", tmp_path)
    for name in ("setup.sh", "run_autograder"):
        script = autograder_zip.shell_script(name)
        assert b"\r" not in script and script == (ROOT / "autograder/templates" / name).read_bytes()
