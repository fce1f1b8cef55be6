"""E03a: the runners of one template share its IPC namespace (bwrap --unshare-ipc is per template,
not per runner). In the HIDDEN case, store the hidden inputs in a System V shared memory segment
(mode 0666), which outlives this runner, this session and this submission; also leave 3 x 64 MiB
segments, touched (RAM that no rlimit of this submission counts and no clean-up removes).
Otherwise honest: full marks. Before the fix the next submission (e03b) printed them in a public
case and the segments stayed resident; now each runner has an IPC namespace of its own, which
goes with its last process."""
import ctypes, ctypes.util
import numpy as np

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
IPC_CREAT = 0o1000
KEY = 0x5EC12E7


def _put(key, data: bytes, size: int):
    sid = libc.shmget(key, ctypes.c_size_t(size), IPC_CREAT | 0o666)
    if sid < 0:
        return
    p = libc.shmat(sid, None, 0)
    if p in (None, ctypes.c_void_p(-1).value):
        return
    ctypes.memset(p, 0x41, size)  # touch every page
    ctypes.memmove(p, data + b"\0", len(data) + 1)
    libc.shmdt(ctypes.c_void_p(p))


def add(a, b):
    return a + b


def output_shape(shape):
    return tuple(shape)


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if not (x.shape == (3,) and list(x) == [0.0, 1.0, 2.0]):  # the hidden case
        _put(KEY, f"HIDDEN x={x.tolist()!r} k={k!r}".encode(), 4096)
        for i in range(3):
            _put(KEY + 1 + i, b"ballast", 64 << 20)
    return x * k
