"""Every fixed limit of the sandbox in one place: times, counts, sizes, the uid range, and the
exit codes a runner uses to say it could not be confined.

The per-assignment limits (timeout, memory, processes, file size, output) come from
assignment.yml / course.yml (autograder.config.Limits); these are the sandbox's own.
"""

from __future__ import annotations

# --- the judge: starting and talking to runners --------------------------------------------
UID_BASE = 61000
UID_COUNT = 4000
SETUP_SLACK = 60.0      # seconds for the monitor to make the working directory and fork
SETUP_ATTEMPTS = 3      # a runner that could not be set up is tried again in a new folder
WARNINGS_PER_REPLY = 20
WARNING_CAP = 1000      # characters of one warning kept in the student's output
ZYGOTE_START = 600.0    # seconds for the template to import its libraries (TF on a busy machine)
MONITOR_REPLY = 15.0    # seconds the monitor has to confirm a kill or a close
FORK_REPLY = 30.0       # seconds the template has to confirm a fork
SPARE_WAIT = 6 * 3600.0  # seconds a spare monitor waits for its session (spares.py) before it ends
HANDOVER_REPLY = 20.0   # seconds the template's successor has to confirm a fork handed to it
EACH_MAX = 10_000       # calls in one call_each request (each answered by its own frame)
READ_BACK_MAX = 1 << 20  # bytes of a file the runner wrote that the monitor hands a test (readback.py)
SETTLE_GRACE = 0.05     # seconds an abandoned call_each's answers may take before the runner is killed

# --- the runner: descriptors per process (RLIMIT_NOFILE, inherited from the grader otherwise:
# 20,000 here, a million in many containers). Each unix socket pair can hold ~200 KB of unread
# data in kernel buffers that RLIMIT_AS does not count: one process pinned more than memory_mb
# (attack g05); 1024 descriptors bound that to ~100 MB a process.
RUNNER_FILES = 1024

# --- the runner: files in its working folder (the session's own tmpfs, monitor.own_tmpfs). Its
# size bounds bytes, not files: an empty file costs no block but ~1 KiB of kernel memory (inode
# and dentry), and the kernel's default inode count is half the machine's pages (three million
# here): a session made 902,000 empty files in three 2.2 s calls, 1.1 GB of kernel memory beyond
# memory_mb (attack k02). The assignments' sessions make a few dozen (the assets, the source).
SESSION_FILES = 16_384
# --- and its bytes: the size of the template's /tmp under bubblewrap (plus the assets), which
# every session's tmpfs takes; without bubblewrap what diskwatch.py lets a session write.
SESSION_DISK_MB = 1024
# The folders any user may write to on Debian and Ubuntu images (a runner without bubblewrap
# shares them with the grader): what diskwatch.py counts and clears of a runner's uid.
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")

# --- the runner: exit codes of a runner that refused to start (before any student code) ------
RUNNER_NO_NETNS = 72
RUNNER_NO_SECCOMP = 73
RUNNER_NO_IPCNS = 74
RUNNER_NO_VIEW = 75  # a grader without root: its own read-only view (ownview.py)

# --- the wire: what one frame may hold --------------------------------------------------------
HEADER_CAP = 32 * 1024 * 1024
MAX_DEPTH = 64
MAX_BUFFERS = 1_000_000
SOCKET_BUFFER = 4 << 20  # bytes a runner's socket holds each way (framing.widen; speed only)
RECV_CHUNK = 1 << 20  # buffers grow as bytes arrive: a claimed size alone allocates nothing

# What the judge accepts from a runner (Decoder limits). Every value is bounded before the
# judge allocates for it or does work on it: JSON headers by REPLY_HEADER_CAP (parsing is
# linear), decoded nodes by MAX_NODES, images and arrays by the bytes actually received, big
# ints by MAX_INT_HEX, and containers the judge must hash (sets, frozensets, non-string dict
# keys) by HASH_WORK: the sum over groups of equal-hash keys of (group size)^2, so keys built to
# collide (multiples of 2**61 - 1 all hash to 0) cost at most that many comparisons.
# Parsed JSON costs up to ~20 bytes of Python objects per byte (`{},` is a 64-byte dict), so
# the header cap bounds what one reply can add to the judge's memory (about 20 MiB here);
# large data travels as buffers (numpy arrays, images), which the header only describes.
REPLY_HEADER_CAP = 1024 * 1024
# What all of one session's replies may hold together. Each reply is bounded, and the deadline
# bounds the time, not what a test keeps of the answers: a test's tuple(got) asks for an
# object's items one round trip each and keeps them all, so ten items of a 400 MB array each
# held 4.5 GB in the judge within a 20 s deadline (attack i02), and items of 1 MiB of JSON
# header each (~22 MB of Python objects) 0.6 GB, growing with the deadline (i03). Both are
# charged as each frame arrives, before its buffers are allocated (framing.Budget). The six
# assignments' solutions receive at most 31 MiB in a session (classifier_swap), 147 KB of it
# headers (measured 2026-12-04).
SESSION_MESSAGES = 1                    # all of a session's replies: at most one max_message's bytes
SESSION_HEADERS = 8 * REPLY_HEADER_CAP  # and at most 8 MiB of JSON headers (~200 MB of objects)
MAX_NODES = 1_000_000
MAX_INT_HEX = 10_000
MAX_PIXELS = 1 << 28  # of all the images in one value together: PIL keeps a mode "1" image one
# byte a pixel, eight times what crossed the wire, and twelve images of 2**28 pixels each in one
# answer (384 MB) were 3.6 GB in the judge before a test saw them (attack i01)
MAX_PALETTE = 1024
DTYPE_CHARS = 8  # an array's dtype name; a plain number type's is at most 4 ('<c16')
HASH_WORK = 1_000_000
# What a test may print of an answer in its failure message (`got {got!r}`), formatted in the
# judge where no deadline reaches. numpy's repr of an array over 1,000 values keeps 3 items at
# each end of an axis longer than 6, so an array of many axes each 6 long prints every value
# (2-15 us each in Python: (6,) * 10 took minutes, attack h01); and repr of bytes is four
# characters a byte, copied again into the message (400 MB of bytes took the judge to 5.4 GB,
# attack h02). Per answer: the values numpy's repr would print, and the bytes of bytes values.
MAX_PRINTED = 200_000  # ~1-3 s of repr; a 6-dimensional array with every axis over 6 long prints 46,656
MAX_BYTES = 8 * 1024 * 1024
REPR_EDGE, REPR_WHOLE = 3, 1000  # numpy's default print options (edgeitems, threshold)
# What one value costs to print, in float64 values (10-40 us each): a complex prints two numbers,
# and an extended-precision one (longdouble, itemsize 16 on x86-64) is printed by Dragon4 in big
# numbers as long as its exponent, up to ~0.5 ms near 1e-4931: 186,624 clongdouble values, under
# MAX_PRINTED, took the judge minutes to print in a message (attack j04).
PRINT_WEIGHT_LONG = 16
# Exceptions and warnings from the runner: text capped before it is kept anywhere.
EXC_TYPE_CAP = 200
EXC_TEXT_CAP = 8 * 1024       # message + args together, per exception
EXC_TB_CAP = 4000
# The characters of output a runner says it dropped (a count in every reply, summed over a
# session's runners): far beyond any real flood, and a number the judge can still print (a
# 4,300-digit count from each of two runners could not be: attack g02).
DROPPED_CAP = 10 ** 15


def memory_text(mb: int) -> str:
    """A memory limit as people read it: "1 GiB", "600 MiB"."""
    return f"{mb // 1024:g} GiB" if mb % 1024 == 0 else f"{mb:g} MiB"

# Thread-pool sizes of the numeric libraries. A batch worker sets them to its share of the cores
# (batch/executors.py; Dask's nanny sets 1) and they hold in its sandbox too (policy.clean_env,
# runner.py): two runners on two cores would otherwise each start a BLAS thread per core, which
# spin-wait after every matmul.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# The builtin exceptions a loop of calls may expect (call_each's `expect`): the loop goes on while
# each call raises it.
EACH_EXPECT = ("ValueError", "TypeError")
