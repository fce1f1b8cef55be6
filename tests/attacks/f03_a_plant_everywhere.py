"""F03a (blocked already; a regression test): leave a mark for the next submission in every
place outside the working folder a runner might write (/tmp, /dev/shm, /dev, the template's
private settings folder that the libraries' caches point at, the assets, the interpreter's
folders, a __pycache__ beside a module of the standard library or the venv), and signal every
process it can see (the template, bubblewrap's init, its monitor; kill(-1)). Every place is
read-only or closed to its uid and every signal is refused: the next submission (f03b) finds no
mark, and every submission after it is graded. Otherwise honest: full marks."""
import glob, os, signal, sys, sysconfig
import numpy as np

MARK = "f03-mark"


def _places():
    yield from ["/tmp", "/dev/shm", "/dev", "/dev/pts", "/sandbox/assets", "/sandbox", "/", "/etc"]
    yield from glob.glob("/tmp/course-template-*") + glob.glob("/tmp/course-template-*/*")
    yield from [os.environ.get("MPLCONFIGDIR", "/nonexistent"), sys.prefix, sys.base_prefix,
                sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"],
                os.path.join(sysconfig.get_paths()["stdlib"], "__pycache__"),
                os.path.dirname(np.__file__), os.path.join(os.path.dirname(np.__file__), "__pycache__")]


def _plant():
    here = os.getcwd()
    for place in _places():
        if os.path.realpath(place).startswith(here):
            continue
        for name in (MARK, "matplotlibrc", "sitecustomize.py", "_checks.py"):
            try:
                with open(os.path.join(place, name), "w") as f:
                    f.write(f"{MARK} = 1\n")
                print("PLANTED", os.path.join(place, name))
            except OSError:
                pass
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        if pid != os.getpid():
            for sig in (signal.SIGSTOP, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                    print("SIGNALLED", pid)
                except OSError:
                    pass
    try:
        os.kill(-1, signal.SIGKILL)  # every process this uid may signal but itself
    except OSError:
        pass


def add(a, b):
    _plant()
    return a + b


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if not (x.shape == (3,) and list(x) == [0.0, 1.0, 2.0]):  # the hidden case: the same again
        _plant()
    return x * k


def output_shape(shape):
    return tuple(shape)
