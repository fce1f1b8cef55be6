"""F07b: runs after f07a (and an honest submission) on the same worker, and in every call looks
for f07a's key in its uid's keyring (a worker's sessions lease the same few uids in turn). Before
the fix it printed "FOUND HIDDEN x=[...] k=..."; now keyctl is refused ("no key"). Otherwise
honest: full marks."""
import ctypes
import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
KEYCTL = {"x86_64": 250, "aarch64": 219}
KEY_SPEC_USER_KEYRING, KEYCTL_SEARCH, KEYCTL_READ = -4, 10, 11


def _look():
    import platform
    nr = KEYCTL.get(platform.machine())
    if nr is None:
        return "no key (no syscall table)"
    kid = libc.syscall(nr, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, b"user", b"f07-hidden-inputs", 0)
    if kid < 0:
        return "no key"
    buf = ctypes.create_string_buffer(4096)
    n = libc.syscall(nr, KEYCTL_READ, kid, buf, 4096)
    return "FOUND " + buf.raw[:max(n, 0)].decode(errors="replace")


def add(a, b):
    print(_look())
    return a + b


def scale(x, k):
    print(_look())
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    print(_look())
    return tuple(shape)
