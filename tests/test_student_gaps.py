"""Three gaps the Gradescope audit left open (docs/DECISIONS.md, "The Gradescope zip as a student
meets it"), through the real `course grade` on a folder of submissions of the mini course (the
sandbox engine where it works): a notebook calling IPython's display() is graded, not a NameError;
a syntax error names the file (a notebook's cell) and the line; a renamed or nested file is named
on the feedback page, in results/ and in logs/, sanitised like every student-made string.
The same through the Gradescope zip's run_autograder: tests/test_run_autograder.py.
Expected scores are worked out by hand: the mini solution scores 5 (q1 3, q2 2)."""

from __future__ import annotations

import json

import nbformat
import pytest

from conftest import notebook_text as notebook, run_course, write_mini_course
from test_batch_support import check_outputs, engine_args, read_csv

EVIL = "<img src=x onerror=alert(1)>\x1b[2J\nscore: 5 of 5"  # a file name a student could give


# Lines only IPython runs, in one cell, inside a block too; a %%time cell that defines nothing graded.
MAGICS = "%matplotlib inline\nimport numpy as np\n!echo hi\nfiles = !ls\nif True:\n    %time z = 3\nnp?"


IPYTHON_USE = ("get_ipython().run_line_magic('matplotlib', 'inline')\nip = get_ipython()\n"
               "if ip is not None:\n    ip.run_line_magic('load_ext', 'autoreload')\n"
               "print('shell_marker_9d', ip)")

ANNOTATED = "\n\ndef helper(x: NotDefinedAnywhere) -> int:\n    return x\n"


def exported(*cells: str) -> str:
    """What Jupyter's "Download as Python (.py)" writes for notebook(*cells), with a %%time cell."""
    from nbconvert import PythonExporter

    nb = nbformat.reads(notebook(*cells, "%%time\nunused = 1"), as_version=4)
    return PythonExporter().from_notebook_node(nb)[0]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One `course grade` over every case: (out folder, {submission: grades.csv row})."""
    base = tmp_path_factory.mktemp("gaps")
    root = write_mini_course(base / "course")
    solution = (root / "solutions/mini/mini.py").read_text()
    assert solution.count("    return total\n") == 1  # where nb_inside calls display()
    subs = base / "subs"
    subs.mkdir()
    files = {
        # 1. display() as a notebook uses it: bare (IPython puts it in every notebook's namespace),
        # imported, inside a graded function, and after a __future__ import that must stay first.
        "nb_display.ipynb": notebook("import numpy as np\ndisplay(np.arange(3))", solution,
                                     "display('shown_marker_5e1', 2)"),
        "nb_import.ipynb": notebook("from IPython.display import display", "display('imported_marker_a7')", solution),
        "nb_inside.ipynb": notebook(solution.replace("    return total\n", "    display(total)\n    return total\n")),
        "nb_future.ipynb": notebook('"""My notebook."""\nfrom __future__ import annotations', "display(1)", solution),
        # get_ipython() as notebooks use it: a magic written out as the call (a cell copied from a
        # .py export), and the shell asked for and used where there is one (None outside a kernel)
        "nb_get_ipython.ipynb": notebook(IPYTHON_USE, solution),
        # 2. syntax errors: a .py, a notebook (cell and line, the markdown cell counted), and one
        # the compiler finds after the parser, in a notebook whose display() line was added.
        "py_syntax.py": "import numpy as np\n\ndef add(a, b)\n    return a + b\n",
        "nb_syntax.ipynb": notebook("import numpy as np", "x = 1\nfor i in range(3)\n    print(i)", solution),
        "nb_return.ipynb": notebook("display(1)", solution, "y = 2\nreturn y"),
        # 3. renamed, nested, and a name made to forge a page, a terminal or a log line.
        "renamed/my_mini (1).py": solution,
        "nested/work/mini.py": solution,
        f"evil/{EVIL}.py": solution,
        f"evil_syntax/{EVIL}.py": "def add(a, b)\n    return a\n",
        # 4. a notebook saved as a .py by Jupyter (nbconvert): magics and shell escapes become
        # get_ipython() calls, display() stays bare; and one whose last cell does not compile.
        "exported/mini.py": exported(MAGICS, solution, "display('exported_marker_c3')"),
        "exported_get_ipython.py": exported(MAGICS, IPYTHON_USE, solution),
        "exported_syntax.py": exported(MAGICS, "display(1)", solution, "y = 2\nreturn y"),
        # 5. Python's own rules, not the grader's: an annotation naming nothing is a NameError under
        # `python` and `otter check`, unless the file itself asks for postponed annotations.
        "annotation_undefined.py": solution + ANNOTATED,
        "annotation_future.py": "from __future__ import annotations\n" + solution + ANNOTATED,
    }
    for name, text in files.items():
        (subs / name).parent.mkdir(parents=True, exist_ok=True)
        (subs / name).write_text(text, encoding="utf-8")
    out = base / "out"
    proc = run_course("--root", root, "grade", "mini", subs, "--out", out, *engine_args(), "--jobs", "2",
                      "--no-similarity", cwd=base, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "\x1b" not in proc.stdout + proc.stderr  # the terminal gets the name with its controls visible
    check_outputs(out)
    return out, {r["submission"]: r for r in read_csv(out / "grades.csv")}


def _results(out, name: str) -> dict:
    return json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["nb_display", "nb_import", "nb_inside", "nb_future", "nb_get_ipython",
                                  "exported_get_ipython"])
def test_a_notebook_calling_display_or_get_ipython_is_graded_in_full(graded, name):
    out, rows = graded
    assert rows[name]["status"] == "graded" and rows[name]["score"] == "5", rows[name]
    log = (out / "logs" / f"{name}.log").read_text()
    marker = {"nb_display": "shown_marker_5e1 2", "nb_import": "imported_marker_a7",
              "nb_get_ipython": "shell_marker_9d None", "exported_get_ipython": "shell_marker_9d None"}.get(name)
    if marker:  # as IPython's own display() does outside a notebook: the objects printed
        assert f"| {marker}" in log, log


@pytest.mark.parametrize("name, where", [
    ("py_syntax", "(py_syntax.py, line 3)"),
    ("nb_syntax", "(nb_syntax.ipynb, code cell 3, line 2)"),
    ("nb_return", "(nb_return.ipynb, code cell 4, line 2)"),  # the added display() line not counted
])
def test_a_syntax_error_names_the_file_and_the_line(graded, name, where):
    out, rows = graded
    row = rows[name]
    assert row["status"] == "error" and row["score"] == "0", row
    assert row["reason"].startswith("the submission has a syntax error: ") and where in row["reason"], row["reason"]
    assert where in _results(out, name)["output"]
    assert where in (out / "feedback" / f"{name}.html").read_text()


@pytest.mark.parametrize("name, file", [("renamed", "my_mini (1).py"), ("nested", "work/mini.py")])
def test_the_graded_file_is_named_on_the_page_in_results_and_in_the_log(graded, name, file):
    out, rows = graded
    assert rows[name]["score"] == "5", rows[name]
    assert _results(out, name)["output"] == f"Status: graded. Graded file: {file}."
    assert f"Graded file: {file}" in (out / "feedback" / f"{name}.html").read_text()
    assert f"\nfile:       {file}\n" in (out / "logs" / f"{name}.log").read_text()


def test_a_file_name_made_to_forge_is_shown_sanitised_everywhere(graded):
    out, rows = graded
    shown = "<img src=x onerror=alert(1)>\\x1b[2J\\nscore: 5 of 5.py"  # one visible line
    assert rows["evil"]["score"] == "5"
    assert shown in _results(out, "evil")["output"] and "\n" not in _results(out, "evil")["output"]
    for name in ("evil", "evil_syntax"):
        page = (out / "feedback" / f"{name}.html").read_text()
        assert "<img" not in page and "\x1b" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
        log = (out / "logs" / f"{name}.log").read_text()
        assert "\x1b" not in log and "\nscore: 5 of 5" not in log
        assert f"\nfile:       {shown}\n" in log
    reason = rows["evil_syntax"]["reason"]
    assert f"({shown}, line 1)" in reason and "\x1b" not in reason and "\n" not in reason, reason
    assert "\x1b" not in (out / "grades.csv").read_text()


def test_the_graders_display_line_is_not_counted_as_the_students_code(tmp_path):
    """The similarity report compares what students wrote: the display() line the grader adds to
    every notebook that uses it is graded, never compared."""
    from autograder.submission import read_path
    from autograder.submission.notebook import prelude_line

    path = tmp_path / "mini.ipynb"
    path.write_text(notebook("from __future__ import annotations\ndisplay(1)", "x = 2"))
    read = read_path(path, "mini.py")
    assert read.source.split("\n")[:3] == ["from __future__ import annotations", prelude_line({"display"}),
                                            "display(1)"]
    assert read.written == "from __future__ import annotations\ndisplay(1)\n\nx = 2\n"
    # both names read: one line defines both, before the code; neither: nothing added
    path.write_text(notebook("ip = get_ipython()", "display(ip)"))
    assert read_path(path, "mini.py").source.split("\n")[0] == prelude_line({"get_ipython", "display"})
    assert prelude_line({"get_ipython", "display"}).startswith("display = lambda *objs, **kwargs: print(*objs); "
                                                               "get_ipython = lambda: None  #")
    path.write_text(notebook("x = 1"))
    assert read_path(path, "mini.py").source == "x = 1\n"


def test_a_notebook_saved_as_a_py_is_graded_as_the_notebook(graded):
    """Jupyter's .py export turns magics and `!cmd` into get_ipython() calls, a NameError in plain
    Python: they are made `pass` as in a notebook, display() is defined, line numbers are kept."""
    out, rows = graded
    assert rows["exported"]["status"] == "graded" and rows["exported"]["score"] == "5", rows["exported"]
    assert "| exported_marker_c3" in (out / "logs" / "exported.log").read_text()
    row = rows["exported_syntax"]
    assert row["status"] == "error" and row["score"] == "0", row
    # found by the compiler after the grader's display() line was added: the file's own line named
    line = (out.parent / "subs/exported_syntax.py").read_text().split("\n").index("return y") + 1
    assert f"(exported_syntax.py, line {line})" in row["reason"], (line, row["reason"])


def test_only_whole_get_ipython_statements_are_removed():
    from autograder.submission.notebook import strip_exported_ipython

    src = ("get_ipython().run_line_magic('matplotlib', 'inline')\n"
           "a = 1; get_ipython().system('ls')\n"          # shares its line: left
           "ip = get_ipython()\n"                         # not a magic: left
           "def f():\n    get_ipython().system(\n        'ls')\n    return 2\n")
    out, n = strip_exported_ipython(src)
    assert n == 2
    assert out.split("\n") == ["pass  # IPython-only line removed", "a = 1; get_ipython().system('ls')",
                                "ip = get_ipython()", "def f():", "    pass  # IPython-only line removed", "",
                                "    return 2", ""]
    assert strip_exported_ipython("def f(:\n get_ipython().system('x')\n") == ("def f(:\n get_ipython().system('x')\n", 0)


def test_annotations_follow_the_submissions_own_future_imports(graded):
    """The runner compiles a submission without its own module's `from __future__ import
    annotations` (it was inherited: an undefined name in an annotation imported fine when graded
    and failed under `python`)."""
    out, rows = graded
    row = rows["annotation_undefined"]
    assert row["status"] == "error" and row["score"] == "0" and "NameError" in row["reason"], row
    assert rows["annotation_future"]["score"] == "5", rows["annotation_future"]
