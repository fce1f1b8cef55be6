"""Attack 9: phone home to a listener on the grader's loopback."""
import socket

try:
    conn = socket.create_connection(("127.0.0.1", {{PORT}}), timeout=2)
    conn.sendall(b"hello from the submission")
    RESULT = "connected"
except OSError as e:
    RESULT = f"{type(e).__name__}: {e}"
print("NET", RESULT)


def add(a, b):
    return RESULT
