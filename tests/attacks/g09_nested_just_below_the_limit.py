"""G09: code nested just below what the reader accepts. How deep an AST `ast.parse` may build
depends on how deep the caller's stack already is (CPython 3.11: three levels fewer for each
frame), so a sum of {{TERMS}} ones, which the reader parses and accepts, failed with
RecursionError a few frames deeper in the judge: in the preload hint read from the source when a
runner starts (a RuntimeError, so taken for a template that could not fork: three attempts, then
"the sandbox could not start a runner") and in the sentence naming missing functions. The row
was the grader's failure and the worker threw its engine away. The test grades this file with
several sums around the reader's limit (the window is a few frames wide). add is wrong on
purpose (the missing-names sentence is only written for a submission that lost points); scale
and output_shape are honest."""
import numpy as np

DEEP = {{SUM}}


def add(a, b):
    return a - b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
