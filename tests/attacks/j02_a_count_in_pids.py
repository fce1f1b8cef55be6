"""Attack j02 (a): a hidden input left in the sandbox's process-id counter for the next submission.

Every runner of a template lives in bubblewrap's one PID namespace, whose counter hands out ids in
order. In the hidden case this submission forks (and reaps) one child per unit of the hidden input
(13.371337 -> 337 children): the next submission graded on that worker (j02_b) starts with a pid 337
higher, and prints it in a public case's output, which its student reads. With no other activity
in the namespace the count is exact. It also makes one file per unit (tmpfs inode numbers, the
same kind of counter, in the template's shared /tmp). Honest in add, scale (its values) and
output_shape: 4/4. It prints its own pid and a new file's inode number in add, as j02_b does, so the
test can compare the two submissions."""

import os

import numpy as np


def add(a, b):
    open("probe", "w").close()
    print("PID", os.getpid(), "ino", os.stat("probe").st_ino)
    return a + b


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if x.size == 2 and abs(x[0] - 13.371337) < 1e-3:  # the hidden case's input (any would do)
        n = int(round(abs(float(x[0])) * 100)) % 1000  # 1337 -> 337
        for i in range(n):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
            open(f"mark{i}", "w").close()
    return x * k


def output_shape(shape):
    return tuple(shape)
