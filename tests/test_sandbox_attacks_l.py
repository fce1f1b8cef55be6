"""The l round of white-box attacks (tests/attacks/l01.py on, 2026-12-04): kernel memory that no
rlimit or tmpfs size counts, through doors other than round k's, graded by the real
`course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course, each followed
on the same worker by an honest submission (conftest.grade_duo_attacks), while the kernel's
unreclaimable slab and unevictable pages (/proc/meminfo's SUnreclaim and Unevictable, where these
doors keep their memory) are sampled every 0.05 s. The machine's other work moves them by a few
MB; the bounds leave room for that."""

from __future__ import annotations

import re
import sys

import pytest

import conftest
from conftest import check_honest_neighbours

INOTIFY_ATTACK = "l01_inotify_event_queues"
FANOTIFY_ATTACK = "l02_fanotify_event_queues"
EPOLL_ATTACK = "l03_epoll_watches"
PIPE_ATTACK = "l04_pipe_buffers"
PTY_ATTACK = "l05_pseudo_terminals"
SECRET_ATTACK = "l06_secret_memory"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


SAMPLED = ("SUnreclaim", "Unevictable")  # slab no one can reclaim; pages no one can swap or drop


def grade_sampled(tmp, attacks):
    """conftest.grade_sampled of the unreclaimable slab and the unevictable pages."""
    return conftest.grade_sampled(tmp, attacks, lambda: conftest.meminfo_mb(*SAMPLED))


@pytest.fixture(scope="module")
def graded_inotify(tmp_path_factory):
    return grade_sampled(tmp_path_factory.mktemp("attacks-l01"), [INOTIFY_ATTACK])


@pytest.fixture(scope="module")
def graded_fanotify(tmp_path_factory):
    return grade_sampled(tmp_path_factory.mktemp("attacks-l02"), [FANOTIFY_ATTACK])


@pytest.fixture(scope="module")
def graded_epoll(tmp_path_factory):
    return grade_sampled(tmp_path_factory.mktemp("attacks-l03"), [EPOLL_ATTACK])


@pytest.fixture(scope="module")
def graded_pipes(tmp_path_factory):
    return grade_sampled(tmp_path_factory.mktemp("attacks-l04"), [PIPE_ATTACK])


@pytest.fixture(scope="module")
def graded_ptys(tmp_path_factory):
    return grade_sampled(tmp_path_factory.mktemp("attacks-l05"), [PTY_ATTACK])


@pytest.fixture(scope="module")
def graded_secret(tmp_path_factory):
    return grade_sampled(tmp_path_factory.mktemp("attacks-l06"), [SECRET_ATTACK])


def _full_marks_and_output(graded, attack):
    check_honest_neighbours(graded, [attack])
    _proc, _out, rows, records = graded
    assert (rows[attack]["status"], float(rows[attack]["score"])) == ("graded", 4.0), rows[attack]
    return records[attack]["result"]


def test_no_memory_in_inotify_event_queues(graded_inotify):
    """Before: 128 inotify instances (fs.inotify.max_user_instances, a uid) watching the session's
    folder, and 8,192 files with distinct 255-character names made and removed there, queued
    16,384 events in each, a 512-byte kmalloc each: the kernel's unreclaimable slab rose from
    34 to 1,074 MB (measured as here) in a session of memory_mb 1 GiB, counted by no rlimit.
    The seccomp filter now refuses inotify_init and inotify_init1 with ENOSYS (38), what a
    kernel without inotify answers: nothing queued, 4/4 (honest otherwise), the neighbour 4/4,
    the slab within 150 MB of where it was."""
    graded, rise = graded_inotify
    result = _full_marks_and_output(graded, INOTIFY_ATTACK)
    queued = re.findall(r"inotify queued: (\d+) MB in (\d+) instances \(refused: ([^)]*)\)", result["output"])
    assert queued == [("0", "0", "errno 38")] * 3, result["output"]
    assert rise["SUnreclaim"] < 150, rise


def test_no_memory_in_fanotify_event_queues(graded_fanotify):
    """Before: 128 unprivileged fanotify groups reporting names (FAN_REPORT_DFID_NAME, allowed
    since Linux 5.13) marking the session's folder, and 8,192 distinct 255-character names made
    and removed there in three 2 s calls, queued about a million events of ~330 bytes: the
    unreclaimable slab rose from 35 to 575 MB (more with a longer call timeout, up to ~1 GiB at
    16,384 events a group). fanotify_init is now refused with ENOSYS (38) like inotify's: 4/4,
    the neighbour 4/4, the slab within 150 MB of where it was."""
    graded, rise = graded_fanotify
    result = _full_marks_and_output(graded, FANOTIFY_ATTACK)
    queued = re.findall(r"fanotify events queued: (\d+) in (\d+) groups \(refused: ([^)]*)\)", result["output"])
    assert queued == [("0", "0", "errno 38")] * 3, result["output"]
    assert rise["SUnreclaim"] < 150, rise


def test_epoll_registrations_are_bounded_by_a_processs_descriptors(graded_epoll):
    """l03: 500 eventfds registered in each of ~520 epoll instances (every descriptor left of
    1,024), 260,000 registrations held for the session: the slab rose ~49 MB (about 190 bytes a
    registration), a process's share like its socket buffers (g05), since a registration needs
    both descriptors open in one process. Held (not fixed): 4/4, the neighbour 4/4, the rise
    under 150 MB. A uid's `processes` together may hold fs.epoll.max_user_watches (5.5 million
    here, ~1 GB): the known per-process limit of docs/SECURITY.md."""
    graded, rise = graded_epoll
    result = _full_marks_and_output(graded, EPOLL_ATTACK)
    watches = [int(n) for n in re.findall(r"epoll watches: (\d+) \(refused: errno 24\)", result["output"])]
    assert len(watches) == 3 and 0 < max(watches) <= 512 * 512, result["output"]
    assert rise["SUnreclaim"] < 150, rise


def test_pipe_buffers_stop_at_the_uids_allowance(graded_pipes):
    """l04: ~510 pipes, each asked for 1 MiB (F_SETPIPE_SZ) and filled: the kernel refuses the
    raise (EPERM, 1) once the uid's pipes hold fs.pipe-user-pages-soft (16,384 pages, 64 MiB),
    and each runner has a uid of its own (its children share it): 63 MB held, 34 pipes raised.
    Pipe pages are not slab; the bound is the attack's own count. Held: 4/4, the neighbour 4/4."""
    graded, rise = graded_pipes
    result = _full_marks_and_output(graded, PIPE_ATTACK)
    held = re.findall(r"pipes: (\d+), raised to 1 MiB: (\d+), held: (\d+) MB \(refused: errno 1\)", result["output"])
    assert len(held) == 3, result["output"]
    assert all(int(mb) <= 64 and int(raised) < 64 for _, raised, mb in held), held
    assert rise["SUnreclaim"] < 150, rise


def test_pseudo_terminals_are_bounded_by_a_processs_descriptors(graded_ptys):
    """l05: bubblewrap's /dev has a devpts of its own whose /dev/ptmx anyone may open: 1,020 ptys
    (every descriptor left), each written until it would block (11 MB of input no one reads):
    the slab rose ~46 MB, ~45 KB a pty. Held: a process's descriptors bound it, and the kernel's
    kernel.pty.max (4,096, 1,024 of them kept for the machine's own devpts) bounds every
    sandbox together. 4/4, the neighbour 4/4, the rise under 150 MB."""
    graded, rise = graded_ptys
    result = _full_marks_and_output(graded, PTY_ATTACK)
    ptys = re.findall(r"ptys: (\d+), written: (\d+) MB \(refused: errno 24\)", result["output"])
    assert len(ptys) == 3 and all(int(n) <= 1024 and int(mb) < 64 for n, mb in ptys), result["output"]
    assert rise["SUnreclaim"] < 150, rise


def test_no_memory_in_secret_files(graded_secret):
    """Before: memfd_secret files of 8 MiB, each mapped, touched and unmapped (RLIMIT_MEMLOCK
    bounds one mapping, not the file; RLIMIT_AS counts the pages only while mapped), 2.5 s in
    each public call: 1,224 MB in 153 files by the last call, the kernel's Unevictable from 11 to
    1,232 MB in a session of memory_mb 1 GiB (memfd_create has been refused since g06; this is
    its 5.14 sibling). The seccomp filter now refuses memfd_secret with ENOSYS (38), what a
    kernel without it answers: nothing held, 4/4, the neighbour 4/4, Unevictable within 150 MB."""
    graded, rise = graded_secret
    result = _full_marks_and_output(graded, SECRET_ATTACK)
    held = re.findall(r"secret memory: (\d+) MB in (\d+) files \(refused: ([^)]*)\)", result["output"])
    assert held == [("0", "0", "errno 38")] * 3, result["output"]
    assert rise["Unevictable"] < 150 and rise["SUnreclaim"] < 150, rise
