"""F01a: a process that outlives its session. The judge ends a session at once and leaves the
rest (its monitor killing what the runner started, removing its folder) to ONE clean-up thread,
which works through the sessions in order. Here the public cases fill the working folder with
empty files, so removing it holds that thread for seconds; the hidden case meanwhile forks a
child that keeps the hidden inputs and serves them on an abstract unix socket (the runners of
one template share bubblewrap's network namespace). Before the fix the child was still alive
when the next submission (f01b) ran and printed the hidden inputs in a public case; now a
closed session's runner is killed at once, before the thread removes anything. Otherwise
honest: full marks."""
import os, socket, time
import numpy as np

FILES = 60_000  # per call: three public calls make the folder a few seconds' work to remove
NAME = b"\0f01-hidden-inputs"
made = [0]


def _fill():
    folder = os.path.join(os.getcwd(), "many")
    os.makedirs(folder, exist_ok=True)
    stop = time.monotonic() + 2.0
    for _ in range(FILES):
        if time.monotonic() > stop:
            break
        try:
            os.close(os.open(os.path.join(folder, str(made[0])), os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError:  # since k02 a session's folder holds limits.SESSION_FILES files: the loop stops there
            break
        made[0] += 1


def _serve(secret: bytes):
    if os.fork():
        return
    try:
        os.close(3)  # the runner's socket stays the runner's
        os.setsid()
        s = socket.socket(socket.AF_UNIX)
        s.bind(NAME)
        s.listen(8)
        s.settimeout(1.0)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                c, _ = s.accept()
            except OSError:
                continue
            c.sendall(secret)
            c.close()
    finally:
        os._exit(0)


def add(a, b):
    _fill()
    return a + b


def output_shape(shape):
    _fill()
    return tuple(shape)


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if not (x.shape == (3,) and list(x) == [0.0, 1.0, 2.0]):  # the hidden case
        _serve(f"HIDDEN x={x.tolist()!r} k={k!r}".encode())
    else:
        _fill()
    return x * k
