"""A helper every assignment's tests share (assignments/_shared/, shipped beside each
assignment's own helpers, to the grader and to students): can `otter check` read the student's
file as Python and the grader will?

otter check reads the submission with open() in the system's encoding and runs its text as one
notebook cell. A file saved as "UTF-8 with BOM" (Notepad, some editors on Windows) then fails to
run, and every test says only "'NoneType' object is not callable"; on Windows (code page cp1252)
its non-ASCII characters reach the tests changed; a file saved in the code page itself passes
there but is not UTF-8, which Python and the grader require. Python, Jupyter and the grader read
a BOM without trouble. explain() prints the cause once, on the terminal otter check runs in (the
kernel's own stderr: a cell's output never reaches it), and does nothing in the grader.
"""
import locale
import os
import sys

_BOM = b"\xef\xbb\xbf"
_said = set()


def problems(data, encoding, name):
    """The sentences to show for the bytes of the file `name`, read by otter check in `encoding`."""
    found = []
    if data.startswith(_BOM):
        found.append(f"{name} starts with a byte-order mark (it was saved as \"UTF-8 with BOM\"), which otter "
                     "check cannot run: every test fails with \"'NoneType' object is not callable\". Save it "
                     "as plain UTF-8 (VS Code: click \"UTF-8 with BOM\" in the status bar, Save with Encoding, "
                     "UTF-8; Notepad: Save As, Encoding: UTF-8). Python, Jupyter and the grader read it either way.")
        data = data[len(_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        found.append(f"{name} is not UTF-8 (line {line}: byte {data[e.start:e.start + 1]!r}): it was saved in "
                     "another encoding (Windows' \"ANSI\"), which Python and the grader refuse even where otter "
                     "check passes. Save it as UTF-8.")
        return found
    utf8 = encoding.lower().replace("-", "").replace("_", "") in ("utf8", "cp65001")
    wide = next((i for i, c in enumerate(text) if ord(c) > 127), None)
    if not utf8 and wide is not None:
        line = text[:wide].count("\n") + 1
        found.append(f"otter check reads {name} in this system's encoding ({encoding}), not UTF-8, so its "
                     f"non-ASCII characters (the first on line {line}: {text[wide]!r}) reach the tests changed. "
                     "Set PYTHONUTF8=1 before running otter check (PowerShell: $env:PYTHONUTF8=1; cmd: "
                     "set PYTHONUTF8=1), or keep the file ASCII.")
    return found


def explain(filename):
    """Under otter check (an IPython kernel, the student's file in the working directory), print
    why the file will not read as the student wrote it, once; never raises."""
    try:
        if filename in _said or "ipykernel" not in sys.modules or not os.path.isfile(filename):
            return
        _said.add(filename)
        with open(filename, "rb") as f:
            data = f.read()
        encoding = "utf-8" if sys.flags.utf8_mode else locale.getencoding()  # what open() uses (3.11+)
        stream = sys.__stderr__ or sys.stderr
        for sentence in problems(data, encoding, filename):
            shown = f"\n*** {sentence}\n"  # in what the terminal can print ('\u2713' where cp1252 has no check mark)
            shown = shown.encode(stream.encoding or "ascii", "backslashreplace").decode(stream.encoding or "ascii")
            print(shown, file=stream, flush=True)
    except Exception:  # noqa: BLE001 - a hint only: the tests run whatever happens here
        pass
