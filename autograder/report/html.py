"""report.html: one self-contained page (inline CSS, pictures as base64 PNG, no scripts, no
network) that a TA can open or mail. It shows

  1. a header: assignment, number of submissions, when they were graded;
  2. a summary table: count per status; mean, median, minimum and maximum score;
     how many got full marks and how many zero;
  3. the score distribution: a histogram of total scores (matplotlib, Agg backend);
  4. per-question pass rates: a bar chart with, per question, the share of submissions with
     full marks on it and the mean share of its points earned, and the same as a table;
  5. the slowest submissions (grading time, status, worker);
  6. every submission: status, score, reason, links to its log and results.json.

Everything a student wrote (names, reasons quoting their code) is sanitised (autograder.text:
controls visible, capped) and then HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
import statistics
from collections import Counter
from urllib.parse import quote

from .. import text as T
from ..status import Status
from .tables import FAILED, num

SLOWEST = 10
STATUS_COLOURS = {Status.GRADED: "#2e7d32", Status.ERROR: "#c62828", Status.TIMEOUT: "#ef6c00",
                  Status.REJECTED: "#6a1b9a", Status.CRASHED: "#ad1457", FAILED: "#000000"}


def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}">'


def histogram_png(scores: list[float], max_score: float) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.2), dpi=100)
    ax = fig.add_subplot()
    if max_score > 0 and float(max_score).is_integer() and max_score <= 40:
        bins = [x - 0.5 for x in range(int(max_score) + 2)]
    else:
        bins = [max_score * i / 20 for i in range(21)] if max_score > 0 else 10
    ax.hist(scores, bins=bins, color="#1565c0", edgecolor="white")
    ax.set_xlabel(f"score (out of {num(max_score)})")
    ax.set_ylabel("submissions")
    ax.set_title("Score distribution")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    return _png(fig)


def pass_rate_png(names: list[str], full: list[float], mean: list[float]) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 0.45 * len(names) + 1.2), dpi=100)
    ax = fig.add_subplot()
    ys = list(range(len(names)))[::-1]
    ax.barh([y + 0.2 for y in ys], full, height=0.4, color="#2e7d32", label="full marks on the question")
    ax.barh([y - 0.2 for y in ys], mean, height=0.4, color="#90caf9", label="mean share of its points")
    ax.set_yticks(ys, names)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of submissions / % of points")
    ax.set_title("Per-question pass rates")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return _png(fig)


def _status(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#455a64")
    return f'<span class="status" style="background:{colour}">{html.escape(status)}</span>'


def _table(headers: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def question_stats(rows, assignment) -> list[dict]:
    counted = [r for r in rows if r.result.status != FAILED]
    stats = []
    for q in assignment.questions:
        got = []
        for r in counted:
            qr = next((x for x in r.result.questions if x.name == q.name), None)
            got.append(qr.score if qr else 0.0)
        n = len(got)
        stats.append({
            "name": q.name, "points": q.points,
            "full": 100.0 * sum(1 for g in got if g >= q.points - 1e-9) / n if n else 0.0,
            "mean": 100.0 * sum(got) / (n * q.points) if n and q.points else 0.0,
        })
    return stats


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#212121}
h1{margin-bottom:0}.sub{color:#616161;margin-top:.2em}
table{border-collapse:collapse;margin:.6em 0 1.6em}th,td{border:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.n{text-align:right}.status{color:#fff;border-radius:3px;padding:1px 6px;font-size:90%}
img{max-width:100%;border:1px solid #eeeeee;margin:.4em 0}.reason{max-width:520px;word-break:break-word}
"""


def report_html(rows, assignment, sections: list[str] = ()) -> str:
    """`sections`: extra HTML sections (late work, roster, regrades: toolkit.py), put before
    the list of every submission."""
    rows = sorted(rows, key=lambda r: r.name)
    e = html.escape
    max_score = float(assignment.total_points)
    counted = [r for r in rows if r.result.status != FAILED]
    scores = [r.result.score for r in counted]
    statuses = Counter(r.result.status for r in rows)
    dates = sorted(r.graded_at for r in rows if r.graded_at)

    summary = [[_status(s), f'<span class="n">{n}</span>'] for s, n in sorted(statuses.items())]
    if scores:
        figures = [("mean", statistics.fmean(scores)), ("median", statistics.median(scores)),
                   ("minimum", min(scores)), ("maximum", max(scores))]
        summary += [[e(k), f"{num(v)} / {num(max_score)}"] for k, v in figures]
        summary += [["full marks", str(sum(1 for s in scores if s >= max_score - 1e-9))],
                    ["zero", str(sum(1 for s in scores if s <= 0))]]

    qstats = question_stats(rows, assignment)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(assignment.title)}: grading report</title><style>{CSS}</style></head><body>",
        f"<h1>{e(assignment.title)} <small>({e(assignment.slug)})</small></h1>",
        f'<p class="sub">{len(rows)} submissions, {num(max_score)} points, '
        f"{len(assignment.questions)} questions"
        + (f"; graded {e(dates[0])} to {e(dates[-1])}" if dates else "") + "</p>",
        '<h2 id="summary">Summary</h2>',
        _table(["status / figure", "submissions / score"], summary, "summary"),
        '<h2 id="distribution">Score distribution</h2>',
        _img(histogram_png(scores, max_score), "histogram of total scores") if scores else "<p>No scores.</p>",
        '<h2 id="questions">Per-question pass rates</h2>',
        _img(pass_rate_png([q["name"] for q in qstats], [q["full"] for q in qstats], [q["mean"] for q in qstats]),
             "per-question pass rates") if counted else "",
        _table(["question", "points", "full marks (% of submissions)", "mean (% of points)"],
               [[e(q["name"]), num(q["points"]), f'{q["full"]:.0f}%', f'{q["mean"]:.0f}%'] for q in qstats]),
        '<h2 id="slowest">Slowest submissions</h2>',
    ]
    slow = sorted(rows, key=lambda r: (-r.result.elapsed, r.name))[:SLOWEST]
    parts.append(_table(["submission", "grading time", "status", "worker"],
                        [[e(r.name), f"{r.result.elapsed:.2f} s", _status(r.result.status),
                          e(T.one_line(r.worker or "-", T.NAME))]
                         for r in slow], "slowest"))
    parts.extend(sections)
    parts.append('<h2 id="all">All submissions</h2>')
    table = []
    for r in rows:
        link = quote(r.name)
        score = "" if r.result.status == FAILED else f"{num(r.result.score)} / {num(r.result.max_score)}"
        table.append([e(r.name), _status(r.result.status), score,
                      f'<div class="reason">{e(T.one_line(r.reason, T.REASON))}</div>',
                      f'<a href="logs/{link}.log">log</a> · <a href="results/{link}.json">results.json</a>'])
    parts.append(_table(["submission", "status", "score", "reason", "files"], table, "all"))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
