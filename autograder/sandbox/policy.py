"""The confinement policy: the bubblewrap command line (what the runner sees, read-only), the
interpreter paths it must reach, and the scrubbed environment of the template process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .limits import THREAD_VARS

CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE", "CAP_KILL")
ASSETS_MOUNT = "/sandbox/assets"  # where the bundle's public assets appear inside bubblewrap


def python_paths() -> list[str]:
    """What the interpreter needs, bound read-only at the same paths."""
    import autograder
    pkg = str(Path(autograder.__file__).resolve().parent)
    paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), pkg}
    # Site folders outside the prefixes (a venv layered over another by a .pth file, a
    # --system-site-packages venv): the template's imports look there too. Only folders named as
    # site folders: a .pth may also name a checkout, whose solutions no runner may see.
    paths |= {os.path.realpath(d) for d in sys.path
              if d and os.path.basename(d.rstrip(os.sep)) in ("site-packages", "dist-packages") and os.path.isdir(d)}
    exe = os.path.realpath(sys.executable)
    if not any(exe.startswith(p + os.sep) for p in paths):
        paths.add(os.path.dirname(exe))
    out = sorted(paths)
    # Drop paths nested in another bound path.
    return [p for p in out if not any(p != q and p.startswith(q + os.sep) for q in out)]


def closed_paths() -> list[list[str]]:
    """[path, closed ancestor] for each interpreter path an unprivileged user cannot reach
    (an ancestor without o+x, like /root)."""
    import stat

    out = []
    for p in python_paths():
        parts = Path(p).parts
        for i in range(2, len(parts) + 1):
            anc = str(Path(*parts[:i]))
            try:
                if not os.stat(anc).st_mode & stat.S_IXOTH:
                    out.append([p, anc])
                    break
            except OSError:
                break
    return out


ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
       "hosts", "host.conf", "mime.types", "fonts", "alternatives", "ssl/certs", "matplotlibrc")


# The kernel's machine-wide counters in /proc, which no namespace separates: forks since boot and
# context switches (stat), page faults (vmstat), the page cache (meminfo), the thread count
# (loadavg), interrupts, disk and scheduler statistics, stall times (pressure). A hidden case can
# move any of them by a count of its inputs and the next submission read it back (attack o01).
# Runners see fixed files in their place: the same values for every submission.
PROC_EMPTY = ("vmstat", "schedstat", "softirqs", "interrupts", "diskstats")


def proc_masks(folder: str) -> list[tuple[str, str]]:
    """Write the fixed stand-ins for /proc's machine-wide counters into `folder` (world-readable)
    and return (file, /proc path) pairs to bind over them, for the kernel's entries that exist
    here. /proc/stat keeps a line per online CPU (glibc counts them for os.cpu_count() once a
    runner cannot read /sys) and the boot time; every counter is 0. /proc/meminfo keeps the
    machine's total memory, all of it free (a runner's own limit is its cgroup's)."""
    cpus = os.cpu_count() or 1
    btime = 0
    total_kb = 0
    try:
        with open("/proc/stat", encoding="ascii") as f:
            btime = next((int(line.split()[1]) for line in f if line.startswith("btime ")), 0)
        with open("/proc/meminfo", encoding="ascii") as f:
            total_kb = next((int(line.split()[1]) for line in f if line.startswith("MemTotal:")), 0)
    except (OSError, ValueError, IndexError):
        pass
    zeros = " 0" * 10
    texts = {
        "stat": (f"cpu {zeros}\n" + "".join(f"cpu{i}{zeros}\n" for i in range(cpus))
                 + f"intr 0\nctxt 0\nbtime {btime}\nprocesses 0\nprocs_running 1\nprocs_blocked 0\n"
                 + "softirq" + " 0" * 11 + "\n"),
        # Every field psutil.virtual_memory() reads (Keras's model.save calls it): without Shmem,
        # Active and Inactive it warns, and the warning reached every student's case output.
        "meminfo": (f"MemTotal:       {total_kb} kB\nMemFree:        {total_kb} kB\n"
                    f"MemAvailable:   {total_kb} kB\nBuffers:               0 kB\nCached:                0 kB\n"
                    "SwapCached:            0 kB\nActive:                0 kB\nInactive:              0 kB\n"
                    "SwapTotal:             0 kB\nSwapFree:              0 kB\nShmem:                 0 kB\n"
                    "Slab:                  0 kB\nSReclaimable:          0 kB\n"),
        "loadavg": "0.00 0.00 0.00 1/1 1\n",
        "uptime": "1.00 1.00\n",
        **{name: "" for name in PROC_EMPTY},
    }
    pairs = []
    for name, text in texts.items():
        if not os.path.exists(f"/proc/{name}"):
            continue
        path = os.path.join(folder, name)
        with open(path, "w", encoding="ascii") as f:
            f.write(text)
        os.chmod(path, 0o444)
        pairs.append((path, f"/proc/{name}"))
    if os.path.isdir("/proc/pressure"):
        empty = os.path.join(folder, "pressure")
        os.mkdir(empty, 0o555)
        pairs.append((empty, "/proc/pressure"))
    return pairs


def bwrap_args(bwrap: str, assets: str | None, root: bool, tmp_mb: int,
               masks: list[tuple[str, str]] = ()) -> list[str]:
    # --as-pid-1: the template itself is the namespace's first process, with no bubblewrap reaper
    # beside it: that reaper was a dumpable process of the grader's uid that a runner keeping
    # that uid (no root) could open /proc/1/mem of (attack o02); the template is not dumpable.
    args = [bwrap, "--unshare-net", "--unshare-pid", "--as-pid-1", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    for d in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "0755", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    for src, dest in masks:  # over the new /proc's machine-wide counters (proc_masks)
        args += ["--ro-bind", src, dest]
    binds = [(p, p) for p in python_paths()]
    if assets:
        binds.append((assets, ASSETS_MOUNT))
    made: set[str] = {"/", "/usr", "/tmp", "/proc", "/dev", "/etc", "/sys"}
    for _, dest in binds:
        # Parents bwrap would create inherit our umask (0700 under umask 077): make them
        # 0755 explicitly, so the unprivileged runner can walk to the interpreter
        # (which may live in /root).
        for parent in reversed(Path(dest).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
    for src, dest in binds:
        args += ["--ro-bind", src, dest]
    args += ["--chdir", "/tmp", "--setenv", "HOME", "/tmp"]
    if root:
        for cap in CAPS:
            args += ["--cap-add", cap]
    return args


def clean_env(extra: dict | None = None) -> dict:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
           "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
           "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow", "CUDA_VISIBLE_DEVICES": "",
           "COURSE_OFFLINE": "1"}
    env.update({k: os.environ[k] for k in THREAD_VARS if os.environ.get(k, "").isdigit()})  # the grader's, numbers only
    env.update(extra or {})
    return env
