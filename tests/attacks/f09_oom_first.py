"""F09: a submission whose processes together outgrow the machine (RLIMIT_AS holds per process,
and `processes` of them may run) must be what the kernel's OOM killer takes, not the judge or
another submission's runner. Safe to grade: it only reads its own and a child's oom_score_adj and
tries to lower its own (refused once a root grader set it; a grader without root gives its own
uid anyway). Otherwise honest: full marks."""
import os

import numpy as np


def _score(path="/proc/self/oom_score_adj"):
    with open(path) as f:
        return f.read().strip()


def _report():
    own = _score()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child says what it inherited
        os.write(w, _score().encode())
        os._exit(0)
    os.close(w)
    child = os.read(r, 64).decode()
    os.waitpid(pid, 0)
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("0")
        lowered = "lowered" if _score() == "0" else "kept"
    except OSError:
        lowered = "refused"
    return f"oom self={own} child={child} lower={lowered}"


def add(a, b):
    print(_report())
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
