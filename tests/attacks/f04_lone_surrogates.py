"""F04: lone surrogates (legal in a Python str, and JSON's "\\ud800" escape decodes to one) in
everything a runner says: printed output, a warning, an exception's message and args, a type's
name, a returned dict's keys and values. Before the fix the judge stored them raw, and writing
the record (UTF-8, which cannot hold a surrogate) raised UnicodeEncodeError in `course grade`
itself: "the grader failed", the batch stopped, and a rerun stopped at the same submission. Now
the one JSON writer keeps them as "\\ud800" escapes, which read back as the same string, and
every other output shows them escaped. Scores 0: no function is right."""
import sys, warnings
import numpy as np

print("lone \ud800 surrogate \udcff and NUL \x00 end")
sys.stderr.write("err \udfff\n")


class Weird:
    pass


Weird.__qualname__ = "W\ud800eird"


def add(a, b):
    warnings.warn("warn \ud800 text")
    print("in add \udc80")
    return Weird()


def scale(x, k):
    raise ValueError("bad \ud800 value", "\udc00")


def output_shape(shape):
    return {"\ud800key": "\udfffvalue", "k": np.array([1.0])}
