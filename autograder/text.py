"""The one sanitiser for student-derived text, and every size limit on the grader's outputs.

A student controls much of what the grader writes: exception messages, printed output, file
and zip entry names, notebook text. Every such string passes through one of the functions
below before it reaches a terminal (progress lines, tables, `note:` lines), a CSV cell, a log,
results.json or report.html:

  visible(text)           control characters shown as escapes (`\\x1b`, `\\u202e`): C0 and C1
                          controls, DEL, bidi overrides and isolates, zero-width and other
                          format characters, line/paragraph separators, lone surrogates.
                          Newlines and tabs are kept (multi-line text stays multi-line).
  one_line(text, limit)   visible(), and a newline or carriage return becomes a visible `\\n`
                          so a reason cannot start a new (forged) line in a log; capped.
  block(text, limit)      visible(), multi-line (CR LF and lone CR become LF), capped
                          (messages, captured output).
  csv_cell(text)          one_line() capped at CSV_CELL, and never a spreadsheet formula.
  cap(text, limit)        the length cap alone, with a marker saying how much was cut.

The limits live here, in one place; every writer imports them.
"""

from __future__ import annotations

import re
import unicodedata

# --- limits (characters) ---------------------------------------------------------------------
TERMINAL_LINE = 160     # a reason on a progress line or a `note:` line
TABLE_CELL = 200        # a reason in the terminal's summary table
REASON = 2_000          # a submission's reason as stored and shown in logs/results.json/HTML
CSV_CELL = 4_000        # one grades.csv/canvas.csv cell (csv's default field limit is 131072)
MESSAGE = 4_000         # one test case's failure message
CASE_OUTPUT = 8_000     # what the submission printed during one case
OUTPUT = 64_000         # the submission's whole captured output in one result
NAME = 200              # a name, path or origin shown anywhere
TRACEBACK = 8_000       # a grader failure's traceback printed to the terminal

# Notebook and source intake (bytes / characters / depth), see grading/intake.py.
NOTEBOOK_BYTES = 25 * 1024 * 1024   # a notebook file (outputs and pictures included)
JSON_VALUES = 1_000_000             # values in a notebook's JSON, estimated before parsing: each
                                    # costs the judge ~60 bytes, a 1-character string 10x its text
SOURCE_CHARS = 1024 * 1024          # the Python code graded (a .py, or a notebook's code cells)

CUT = "... [{n:,} more characters cut]"

# What is never shown raw: C0 controls but \t and \n, DEL and C1, soft hyphen, Arabic letter
# mark, zero-width and directional marks, line/paragraph separators, bidi embeddings,
# overrides and isolates, invisible operators, BOM, interlinear annotations, lone surrogates,
# and the rest of Unicode's format characters (category Cf: number signs, hieroglyph and musical
# format controls, tags). tests/test_sandbox_attacks3.py checks this against unicodedata.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
                     "\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
                     "\U000110bd\U000110cd\U00013430-\U0001345f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                     "\U000e0000-\U000e007f]")
_NEWLINES = re.compile("\r\n|[\r\n]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def cap(text: str, limit: int, marker: str = CUT, slack: int = 0) -> str:
    """At most about `limit` characters: the head, then a marker with the number cut. The one
    cap of the grader (messages, reasons, captured output); `slack` lets a text a little over
    the limit through whole rather than cut a few characters."""
    text = str(text)
    if len(text) <= limit + slack:
        return text
    return text[:limit] + marker.format(n=len(text) - limit)


def visible(text: str) -> str:
    return _HIDDEN.sub(_escape, str(text))


def block(text: str, limit: int = MESSAGE) -> str:
    """Multi-line text, capped first (so escaping never works on megabytes), then made visible."""
    return visible(_NEWLINES.sub("\n", cap(text, limit)))


def one_line(text: str, limit: int = REASON) -> str:
    """One line: newlines shown as `\\n`, tabs as spaces, controls visible, capped."""
    text = cap(text, limit)
    text = _NEWLINES.sub("\\\\n", text).replace("\t", " ")
    return visible(text)


def csv_cell(text: str, limit: int = CSV_CELL) -> str:
    """One line, capped, and never read as a formula by a spreadsheet (a leading = + - @)."""
    text = " ".join(one_line(text, limit).split())
    if text[:1] in ("=", "+", "-", "@"):
        text = "'" + text
    return text


def indent(text: str, prefix: str) -> str:
    """Every line of an already sanitised block behind a prefix: nothing a student wrote can
    start a line of a log at column 0 (where the grader's own `score:` lines are)."""
    return "\n".join(prefix + line for line in text.split("\n"))


def folded(name: str) -> str:
    """A name as people and laptops compare them: Unicode NFC (macOS writes file names decomposed,
    NFD: e + a combining accent) and no case (Windows' and macOS' file systems ignore it)."""
    return unicodedata.normalize("NFC", name).casefold()
