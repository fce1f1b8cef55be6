"""file_head: the start of a file the submission wrote, read back by the runner's monitor (trusted)
rather than through the submission's own libraries (autograder/sandbox/readback.py). The oracle is
the file read locally, as the in-process engine and a student's own run of the tests read it.
What a runner can put in its folder instead of a file (a link, a pipe, a folder) is never followed
or waited on, and a runner that ended unasked is still reported when the next call meets it."""

from __future__ import annotations

import os
import sys
import time
import types

import pytest

from conftest import open_tiny_session
from autograder.sandbox.faults import RunnerFault, SubmissionExit
from autograder.sandbox.proxies import file_head

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")

SOURCE = '''
import os
import threading
import time

def write(name, n):
    data = bytes(i % 251 for i in range(n))
    with open(name, "wb") as f:
        f.write(data)
    return len(data)

def plant():
    os.symlink("/etc/passwd", "link")
    os.mkfifo("pipe")
    os.mkdir("folder")
    return 0

def exit_soon():
    threading.Thread(target=lambda: (time.sleep(0.2), os._exit(3)), daemon=True).start()
    return 0
'''


@pytest.fixture
def session(numpy_engine):
    with open_tiny_session(numpy_engine, SOURCE) as s:
        yield s


def test_the_monitor_reads_what_the_local_read_gives(session, tmp_path, monkeypatch):
    module = types.ModuleType("local_tiny")
    exec(compile(SOURCE, "local_tiny.py", "exec"), module.__dict__)
    monkeypatch.chdir(tmp_path)
    for n, limit in ((100_000, 1000), (10, 65536), (0, 100), (300_000, 1 << 20)):
        assert session.env["write"]("out.bin", n) == module.write("out.bin", n) == n
        want = file_head(module.write, "out.bin", limit)
        got = file_head(session.env["write"], "out.bin", limit)
        assert got == want and got[0] == n and len(got[1]) == min(n, limit), (n, limit, got[0], len(got[1]))
    with pytest.raises(FileNotFoundError):
        file_head(session.env["write"], "absent.bin")
    # the monitor's own cap: at most READ_BACK_MAX bytes, whatever a test asks
    session.env["write"]("big.bin", (1 << 20) + 5)
    size, data = file_head(session.env["write"], "big.bin", 1 << 22)
    assert (size, len(data)) == ((1 << 20) + 5, 1 << 20)


def test_links_pipes_folders_and_paths_are_not_files(session):
    assert session.env["plant"]() == 0
    for name in ("link", "pipe", "folder", "../tiny.py", "/etc/passwd", ".", "", "a\0b"):
        began = time.monotonic()
        with pytest.raises(FileNotFoundError):
            file_head(session.env["write"], name)
        assert time.monotonic() - began < 5, name  # a pipe is never waited on
    assert file_head(session.env["write"], "tiny.py")[0] == len(SOURCE.encode())  # the session goes on


def test_a_runner_that_ended_unasked_is_still_reported(session):
    """The monitor says once, unasked, that the runner ended; a read back that meets that word
    first keeps it for the kill that asks, so the next call reports the exit at once instead of
    waiting MONITOR_REPLY (15 s) for a word already read."""
    assert session.env["exit_soon"]() == 0
    time.sleep(1.0)
    assert file_head(session.env["write"], "tiny.py")[0] == len(SOURCE.encode())
    began = time.monotonic()
    with pytest.raises((SubmissionExit, RunnerFault)) as raised:
        session.env["write"]("x", 1)
    assert time.monotonic() - began < 5
    assert "3" in str(raised.value), raised.value
