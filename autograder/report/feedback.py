"""DIR/feedback/<submission>.html: the page a student may be given.

It is drawn from the submission's results.json (grading.results.gradescope_json), never from
the record, so it follows exactly the rules of what Gradescope shows: each public case with its
result, message and what the code printed during it; each hidden case as passed or failed only;
the submission's whole captured output never (results.json keeps it hidden). Added: the late
penalty and final score when a late policy applied. Self-contained (inline CSS, no scripts, no
links out); every student-derived string is sanitised (autograder.text) and HTML-escaped.
"""

from __future__ import annotations

import html

from .. import text as T
from ..grading.results import gradescope_json
from .tables import FAILED, num

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:900px;color:#212121}
.score{font-size:140%;margin:.3em 0}.test{border:1px solid #e0e0e0;border-radius:4px;margin:.8em 0;padding:.4em .8em}
.test h3{margin:.2em 0;font-size:105%}.full{border-left:5px solid #2e7d32}.part{border-left:5px solid #c62828}
pre{white-space:pre-wrap;word-break:break-word;background:#fafafa;padding:.5em;margin:.3em 0}
.note{color:#616161}
"""


def feedback_html(row, assignment) -> str:
    e = html.escape
    r = row.result
    view = gradescope_json(r)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(assignment.title)}: your feedback</title><style>{CSS}</style></head><body>",
             f"<h1>{e(assignment.title)}</h1>",
             f'<p class="note">Submission {e(T.one_line(row.name, T.NAME))}</p>']
    if r.status == FAILED:
        parts.append("<p>Your submission could not be graded yet because of a problem with the grader, "
                     "not with your work. It will be graded again.</p></body></html>")
        return "\n".join(parts) + "\n"
    parts.append(f'<p class="score">Score: <b>{num(view["score"])}</b> / {num(r.max_score)}</p>')
    late = getattr(row, "late", None) or {}
    if late.get("penalty"):
        parts.append(f'<p class="score">Late penalty: -{num(late["penalty"])} ({late["penalty_percent"]:g}%); '
                     f'final score: <b>{num(late["final_score"])}</b></p>')
    if late.get("note"):
        parts.append(f'<p class="note">{e(T.one_line(late["note"], T.REASON))}</p>')
    parts.append(f"<pre>{e(T.block(view['output'], T.REASON))}</pre>")
    for test in view["tests"]:
        full = test["score"] >= test["max_score"] - 1e-9
        hidden = test["visibility"] != "visible"
        parts.append(f'<div class="test {"full" if full else "part"}">'
                     f'<h3>{e(test["name"])}: {num(test["score"])} / {num(test["max_score"])}</h3>'
                     + ('<p class="note">Hidden tests: only whether each passed is shown.</p>' if hidden else "")
                     + f"<pre>{e(T.block(test['output'], T.OUTPUT))}</pre></div>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
