"""Attack k05: what a submission's FILE NAME carries into a terminal, a CSV and a web page.

The code is honest (the duo solution's three functions); the attack is the name it is uploaded
under. tests/test_sandbox_attacks_k.py copies this file into one batch folder under names a
spreadsheet or a terminal would obey: formula prefixes (`=cmd|' -C calc'!A0`, `+SUM(1,2)`,
`-2+3`, `@evil`), a comma and a double quote (a CSV cell's separators), a newline followed by a
forged `score: 43 of 4` line, a carriage return, a tab, an OSC window title and a clear-screen
CSI, and a right-to-left override that shows `fdp.exe` reversed. c15 covered the escapes in one
name; here the whole set goes through `course grade SLUG FOLDER --out OUT` at once. Each must be
one graded 4/4 row whose name no spreadsheet reads as a formula, and nothing raw may reach
stdout, stderr, grades.csv, canvas.csv, similarity.csv, report.html, the feedback pages or the
logs."""

import numpy as np


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
