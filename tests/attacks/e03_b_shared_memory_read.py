"""E03b: a later submission (another student) reads what e03a left in the template's IPC namespace
and prints it in a public case (printed output of public cases is shown to the student)."""
import ctypes, ctypes.util, os
import numpy as np

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
KEY = 0x5EC12E7


def add(a, b):
    try:
        print("sysvipc:", open("/proc/sysvipc/shm").read())
    except OSError as e:
        print("sysvipc:", e)
    sid = libc.shmget(KEY, ctypes.c_size_t(0), 0)
    if sid >= 0:
        p = libc.shmat(sid, None, 0o10000)  # SHM_RDONLY
        print("FOUND:", ctypes.string_at(p).decode(errors="replace")[:200])
    else:
        print("no segment, errno", ctypes.get_errno())
    print("/dev/shm writable:", os.access("/dev/shm", os.W_OK), "/tmp writable:", os.access("/tmp", os.W_OK))
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
