"""Attack b05 (issue 11, finding 5): a malformed import reply whose "exc" is not a dict.

While being imported the module writes its own reply on the runner's socket (fd 3) and ends the
runner. Before the fix the judge crashed on it (AttributeError): the row was `failed`, `course
grade` exited 1 and the uid lease leaked.
"""
import json
import os
import socket
import struct

sock = socket.socket(fileno=os.dup(3))
head = json.dumps({"import_error": "exception", "exc": [1, 2], "out": "", "dropped": 0, "bufs": []}).encode()
sock.sendall(struct.pack("!I", len(head)) + head)
os._exit(0)
