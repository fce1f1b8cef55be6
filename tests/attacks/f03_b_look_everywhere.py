"""F03b: runs after f03a (and an honest submission) on the same worker and looks for f03a's
marks in every place f03a tried: it finds none ("no mark"). Otherwise honest: full marks."""
import glob, os, sys, sysconfig
import numpy as np


def _look():
    places = ["/tmp", "/dev/shm", "/dev", "/dev/pts", "/sandbox/assets", "/sandbox", "/", "/etc"]
    places += glob.glob("/tmp/course-template-*") + glob.glob("/tmp/course-template-*/*")
    places += [os.environ.get("MPLCONFIGDIR", "/nonexistent"), sys.prefix, sys.base_prefix,
               sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"],
               os.path.join(sysconfig.get_paths()["stdlib"], "__pycache__"),
               os.path.dirname(np.__file__), os.path.join(os.path.dirname(np.__file__), "__pycache__")]
    found = []
    for place in places:
        for name in ("f03-mark", "matplotlibrc", "sitecustomize.py", "_checks.py"):
            path = os.path.join(place, name)
            try:
                with open(path) as f:
                    if "f03-mark" in f.read():
                        found.append(path)
            except OSError:
                pass
    return "FOUND " + " ".join(found) if found else "no mark"


def add(a, b):
    print(_look())
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
