"""Similarity between submissions, after grading: copydetect (PyPI; winnowed k-gram fingerprints
of the token stream with names normalised, so renaming variables does not hide a copy), with
the assignment's stub as boilerplate, so the code every student was given never counts.

  similarity.csv  one line per pair sharing any fingerprint, most similar first: submission_a,
                  submission_b, similarity_a (share of a's code found in b), similarity_b,
                  similarity (the larger), shared_tokens (see compare())
  report.html     the pairs at or above course.yml `similarity_threshold` (at most PAIRS), both
                  files side by side with the shared parts highlighted

Only submissions whose code could be read (not rejected) take part, each on its first
SOURCE_CHARS characters.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass

from .. import text as T
from .tables import num

NOISE, GUARANTEE = 25, 30   # copydetect's defaults: k-grams of 25 tokens, every 30-token match found
PAIRS = 20                  # pairs shown side by side in report.html
CODE_CHARS = 60_000         # of each file shown in a pair
# Of each file fingerprinted: the tokenizer takes ~15-30 s for a crafted 1 MiB source (the intake
# limit) and the report step has no deadline. Ten times the course's largest solution (yolo's 58 KB).
SOURCE_CHARS = 200_000


@dataclass
class Pair:
    a: str
    b: str
    sim_a: float
    sim_b: float
    tokens: int
    slices_a: object = None
    slices_b: object = None

    @property
    def similarity(self) -> float:
        return max(self.sim_a, self.sim_b)


def source_of(sub, expected: str) -> str | None:
    """The code graded for a submission (a notebook's code cells), or None when unreadable."""
    from ..submission import SubmissionRejected, read_path

    if sub.problem or sub.path is None:
        return None
    try:
        return read_path(sub.path, expected).written  # the reader every grading path uses
    except (SubmissionRejected, OSError, ValueError, RecursionError):
        return None


def _fingerprint(code: str, boilerplate=None, window: int = GUARANTEE - NOISE + 1):
    from copydetect import CodeFingerprint

    return CodeFingerprint("submission.py", NOISE, window, boilerplate=boilerplate, language="python",
                           fp=io.StringIO(code))


def _fingerprint_many(items: list[tuple[str, str]], boiler) -> dict:
    prints = {}
    for name, code in items:
        try:
            prints[name] = _fingerprint(code, boiler)
        except Exception:  # noqa: BLE001 - a file the tokenizer cannot take is left out, not fatal
            continue
    return prints


def _fingerprints(sources: dict[str, str], boiler, jobs: int) -> dict:
    """Tokenizing dominates (pygments): spread it over `jobs` processes when there is enough."""
    items = sorted(sources.items())
    if jobs < 2 or len(items) < 40:
        return _fingerprint_many(items, boiler)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = [items[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        prints = {}
        for part in pool.map(_fingerprint_many, chunks, [boiler] * jobs):
            prints.update(part)
    return dict(sorted(prints.items()))


def compare(sources: dict[str, str], stub: str, threshold: float = 0.5, jobs: int = 1) -> tuple[list[Pair], dict[str, str]]:
    """Every pair sharing fingerprints, most similar first; and the sources that took part.

    A pair's shares are its shared fingerprints over each side's own (the winnowing measure,
    one set intersection per pair, so 200 submissions' 19,900 pairs take well under a second);
    the pairs at or above `threshold` (at most PAIRS) are then compared token by token by
    copydetect, which gives their exact shares and the spans to highlight."""
    import numpy as np
    from copydetect import compare_files

    boiler = np.unique(np.array(sorted(_fingerprint(stub[:SOURCE_CHARS], window=1).hashes)))  # every k-gram of the stub
    prints = _fingerprints({name: code[:SOURCE_CHARS] for name, code in sources.items()}, boiler, jobs)
    names = list(prints)
    pairs = []
    for i, a in enumerate(names):
        ha = prints[a].hashes
        for b in names[i + 1:]:
            hb = prints[b].hashes
            shared = len(ha & hb)
            if shared:
                pairs.append(Pair(a, b, shared / len(ha), shared / len(hb), 0))
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    for p in [p for p in pairs if p.similarity >= threshold][:PAIRS]:
        tokens, (sa, sb), (p.slices_a, p.slices_b) = compare_files(prints[p.a], prints[p.b])
        p.tokens, p.sim_a, p.sim_b = int(tokens), float(sa), float(sb)
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    return pairs, {n: prints[n].raw_code for n in names}


def similarity_csv(pairs: list[Pair]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission_a", "submission_b", "similarity_a", "similarity_b", "similarity", "shared_tokens"])
    # shared_tokens: for the pairs compared token by token (those in report.html), else empty
    for p in pairs:
        w.writerow([T.csv_cell(p.a), T.csv_cell(p.b), f"{p.sim_a:.3f}", f"{p.sim_b:.3f}", f"{p.similarity:.3f}",
                    p.tokens or ""])
    return buf.getvalue()


def _highlighted(code: str, slices) -> str:
    """The code, HTML-escaped, with the shared spans in <mark>."""
    code = code[:CODE_CHARS]
    out, pos = [], 0
    for start, end in zip(*(slices if slices is not None else ([], []))):
        start, end = int(start), int(end)
        if start >= len(code):
            break
        end = min(end, len(code))
        out.append(html.escape(T.block(code[pos:start], CODE_CHARS)))
        out.append("<mark>" + html.escape(T.block(code[start:end], CODE_CHARS)) + "</mark>")
        pos = end
    out.append(html.escape(T.block(code[pos:], CODE_CHARS)))
    return "".join(out)


CSS = ("<style>.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin-bottom:1.5em}"
       ".pair pre{font-size:11px;max-height:420px;overflow:auto;background:#fafafa;border:1px solid #e0e0e0;"
       "padding:6px;white-space:pre-wrap;word-break:break-word;margin:0}"
       ".pair mark{background:#ffe082}</style>")


def section(pairs: list[Pair], sources: dict[str, str], threshold: float) -> str:
    shown = [p for p in pairs if p.slices_a is not None and p.similarity >= threshold]
    e = html.escape
    parts = ['<h2 id="similarity">Similarity</h2>', CSS,
             f"<p>{len(sources)} submissions compared pairwise (copydetect; the stub does not count). "
             f"{sum(1 for p in pairs if p.similarity >= threshold)} pair(s) at or above the threshold "
             f"{threshold:g} (course.yml similarity_threshold); every pair sharing code is in similarity.csv. "
             f"Each file is compared on its first {SOURCE_CHARS:,} characters.</p>"]
    for p in shown:
        a, b = e(T.one_line(p.a, T.NAME)), e(T.one_line(p.b, T.NAME))
        parts.append(f"<h3>{a} and {b}: {p.sim_a:.0%} of {a}, {p.sim_b:.0%} of {b} shared "
                     f"({num(p.tokens)} tokens)</h3>"
                     f'<div class="pair"><div><b>{a}</b><pre>{_highlighted(sources[p.a], p.slices_a)}</pre></div>'
                     f'<div><b>{b}</b><pre>{_highlighted(sources[p.b], p.slices_b)}</pre></div></div>')
    return "".join(parts)
