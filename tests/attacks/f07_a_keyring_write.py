"""F07a: the kernel keeps a uid's user keyring (@u) for the uid, not for its processes or a
namespace, and the sandbox lends its uids out again. In the HIDDEN case, put the hidden inputs
in this uid's keyring (add_key). Before the fix the key was still there when a later session
leased the same uid, and the next submission (f07b) printed it; now the seccomp filter refuses
add_key, request_key and keyctl. Otherwise honest: full marks."""
import ctypes
import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
ADD_KEY = {"x86_64": 248, "aarch64": 217}
KEY_SPEC_USER_KEYRING = -4


def _put(text: str):
    import platform
    nr = ADD_KEY.get(platform.machine())
    if nr is not None:
        data = text.encode()
        libc.syscall(nr, b"user", b"f07-hidden-inputs", data, len(data), KEY_SPEC_USER_KEYRING)


def add(a, b):
    return a + b


def output_shape(shape):
    return tuple(shape)


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if not (x.shape == (3,) and list(x) == [0.0, 1.0, 2.0]):  # the hidden case
        _put(f"HIDDEN x={x.tolist()!r} k={k!r}")
    return x * k
