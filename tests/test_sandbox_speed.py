"""Issue 16's mechanisms in the sandbox, each checked for what it must keep: the template's
staged preload (the reference solution's imports first, the rest between forks), the module's
functions announced with the import (no round trip per lookup, rebinding and deletion still
seen), and whole frames sent with one sendmsg (large and many-part frames arrive intact)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.build.bundle import bundle_for, imported_modules
from autograder.bundle_format import MANIFEST, GradingBundle
from autograder.config import load_course
from autograder.sandbox import SandboxEngine, wire
from autograder.sandbox.framing import widen
from autograder.sandbox.limits import THREAD_VARS
from autograder.sandbox.policy import clean_env
from autograder.sandbox.preload import LIGHT_PRELOAD, choose_preload, modules_named, plan_preload, preload

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "sandbox_course"

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def bundle():
    course = load_course(FIXTURE)
    return bundle_for(course.get("tiny"), course.seed)


# --- what the template imports, and when ------------------------------------------------------

def test_imported_modules_lists_top_level_imports_in_order():
    source = (
        "from __future__ import annotations\n"
        "import numpy as np, json\n"
        "from matplotlib.figure import Figure\n"
        "from . import sibling\n"
        "try:\n    import cv2\nexcept ImportError:\n    cv2 = None\n"
        "if True:\n    from PIL import Image, ImageOps\n"
        "import numpy\n"
        "def f():\n    import scipy  # inside a function: not at import time\n"
    )
    assert imported_modules(source) == ("numpy", "json", "matplotlib.figure", "matplotlib.figure.Figure", "cv2",
                                        "PIL", "PIL.Image", "PIL.ImageOps")
    assert imported_modules("def broken(:\n") == ()


def test_the_manifest_carries_the_solutions_imports_and_junk_is_ignored(bundle, tmp_path):
    assert bundle.preload and bundle.preload[0] == "numpy", bundle.preload  # the fixture's solution imports numpy
    copy = tmp_path / "bundle"
    shutil.copytree(bundle.root, copy)
    data = json.loads((copy / MANIFEST).read_text())
    for junk in (["numpy; rm -rf /"], "numpy", [1, 2], {"a": 1}):
        data["preload"] = junk
        (copy / MANIFEST).write_text(json.dumps(data))
        assert GradingBundle.load(copy).preload == (), junk
    del data["preload"]  # a bundle made before the field
    (copy / MANIFEST).write_text(json.dumps(data))
    assert GradingBundle.load(copy).preload == ()


def test_plan_puts_the_solutions_imports_first_and_keeps_tensorflow_out_unless_imported(tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "q1.py").write_text("def test():\n    import keras  # the judge's oracle\n")
    first, later = plan_preload(("numpy", "PIL.Image"), tests, "import numpy as np\n")
    assert first == ("numpy", "PIL.Image")
    assert "tensorflow" not in first + later and "keras" not in first + later  # tests run in the judge
    assert set(later) == set(LIGHT_PRELOAD) - {"numpy", "PIL.Image"} and later[0] == "scipy"
    first, _ = plan_preload(("numpy",), tests, "import tensorflow as tf\n")
    assert first[-2:] == ("tensorflow", "keras")
    # A bundle without the list: everything before the first runner, as before.
    assert plan_preload((), tests, "") == (choose_preload(tests, ""), ())


def test_modules_named_finds_every_import_statement_with_its_parent_packages():
    source = (
        "import numpy as np\n"
        "from scipy.signal import correlate2d, convolve2d\n"
        "from . import sibling\n"               # relative: not a library
        "from .pkg import thing\n"
        "def later():\n"
        "    import matplotlib.pyplot as plt\n"  # inside a function: runs during a call
        "    from PIL import Image\n"
        "    return plt, Image\n"
        "# import skimage  (a comment names nothing)\n"
        "text = 'import tensorflow'\n"
    )
    assert modules_named(source) == {
        "numpy", "scipy", "scipy.signal", "scipy.signal.correlate2d", "scipy.signal.convolve2d",
        "matplotlib", "matplotlib.pyplot", "PIL", "PIL.Image"}
    assert modules_named("def broken(:\n    import scipy\n") == frozenset()  # only a hint: no guess
    assert modules_named("") == frozenset()


def test_preload_skips_names_that_are_not_modules_and_reports_missing_ones():
    done, failed = preload(["json", "json.decoder", "json.loads", "colorsys.rgb_to_hsv",
                            "no_such_module_for_sure", "no_such_package_x.sub"])
    assert done == ["json", "json.decoder"]
    assert list(failed) == ["no_such_module_for_sure"]


PROBE = '''
import os
import sys
import json

def loaded(name):
    return name in sys.modules

def priority():
    return os.getpriority(os.PRIO_PROCESS, 0)

def never_called():  # its imports name the libraries the template is to preload (modules_named)
    import scipy.signal, skimage.io, matplotlib.pyplot
'''


def _probe(engine, staged, ask, source=PROBE):
    """ask(session) for a fresh session of the probe submission (or of `source`)."""
    s = engine.open(staged, source, "tiny.py")
    try:
        assert s.import_error is None
        return ask(s)
    finally:
        s.close()


def _until(engine, staged, ask, done=bool, seconds=120, source=PROBE):
    """The answers of sessions opened one after another until done(answer) (or time runs out)."""
    answers, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        answers.append(_probe(engine, staged, ask, source))
        if done(answers[-1]):
            break
    return answers


@linux_only
def test_the_template_is_ready_after_the_first_list_and_imports_the_rest_between_forks(bundle):
    engine = SandboxEngine()
    staged = dataclasses.replace(bundle, preload=("json",))
    try:
        session = engine.open(staged, PROBE, "tiny.py")
        zygote = session.zygote
        assert zygote.preloaded == ["json"]  # ready with the first list alone
        session.close()
        seen = _until(engine, staged, lambda s: s.env["loaded"]("scipy.signal") and s.env["loaded"]("matplotlib.pyplot"))
        assert seen[-1], "runners forked later never found the rest of the preload list imported"
    finally:
        engine.close()


@linux_only
def test_requests_never_wait_for_the_rest_of_the_list_a_successor_imports_it_all_then_serves(bundle):
    # The template hands the rest of the list to a successor (its fork) and keeps serving: a
    # runner forked meanwhile comes from the template, with none of those modules, never from a
    # template halfway through them (which is what waiting for one module at a time gave: scipy
    # imported, matplotlib not yet). Once the successor has them all, every runner has them all.
    engine = SandboxEngine()
    staged = dataclasses.replace(bundle, preload=("json",))
    later = ("scipy", "scipy.signal", "skimage", "matplotlib.pyplot")
    try:
        states = _until(engine, staged, lambda s: tuple(bool(s.env["loaded"](m)) for m in later), all)
        assert all(states[-1]), "runners never found the rest of the preload list imported"
        if os.geteuid() == 0:  # the successor imported at the lowest priority, then came back
            assert _probe(engine, staged, lambda s: s.env["priority"]()) == os.getpriority(os.PRIO_PROCESS, 0)
        partial = [st for st in states if any(st) and not all(st)]
        assert not partial, f"a runner was forked from a template halfway through the list: {partial}"
        assert not any(states[0]), "the first runner should not wait for the rest of the list"
    finally:
        engine.close()


@linux_only
def test_a_successor_that_dies_costs_nothing_but_speed(bundle):
    import psutil

    engine = SandboxEngine()
    staged = dataclasses.replace(bundle, preload=("json",))
    try:
        # Until the successor serves the requests.
        assert _until(engine, staged, lambda s: s.env["loaded"]("scipy.signal"))[-1]
        template = psutil.Process(_probe(engine, staged, lambda s: s.zygote.proc.pid))  # bwrap, or the template

        def zygotes():
            found = []
            for p in [template, *template.children(recursive=True)]:
                try:
                    if p.name() != "bwrap" and "autograder.sandbox.zygote" in " ".join(p.cmdline()):
                        found.append(p)
                except psutil.Error:
                    continue  # a monitor or runner that has just ended
            return found

        def parent(p):
            try:
                return p.ppid()
            except psutil.Error:
                return None  # ended between the listing and this look (seen once in CI)

        def living(p):
            try:
                return p.is_running() and p.status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
            except psutil.Error:
                return False

        # No session is open, so once the last closed session's monitor is gone (it may take a
        # moment to exit) and the spare monitor made for the next session is dropped (spares.py),
        # the template's only living fork is its successor.
        engine.wait_for_cleanup()
        engine.spares.drop_all()
        deadline = time.monotonic() + 60
        successors = []
        while time.monotonic() < deadline:
            found = zygotes()
            pids = {p.pid for p in found}
            successors = [p for p in found if parent(p) in pids and living(p)]
            if len(successors) == 1:
                break
            time.sleep(0.05)
        assert len(successors) == 1, successors
        for p in successors:
            p.kill()
        psutil.wait_procs(successors, timeout=10)
        for _ in range(4):  # the first hand-over fails and the judge asks again; then the template serves
            loaded = _probe(engine, staged, lambda s: (s.env["loaded"]("json"), s.env["loaded"]("scipy.signal")))
            assert loaded == (True, False)  # served by the template itself now
    finally:
        engine.close()


ONLY_NUMPY = PROBE.split("def never_called")[0]  # the same probe, naming none of the libraries


def _loaded(s):
    return {m: bool(s.env["loaded"](m)) for m in ("scipy", "scipy.signal", "matplotlib", "matplotlib.pyplot")}


def _fork_requests_named(engine, staged, source):
    return _probe(engine, staged, _loaded, source)


@linux_only
def test_the_template_preloads_only_what_the_submissions_name_and_grows_with_them(bundle):
    # A batch whose submissions import none of the libraries pays for none of them; one that
    # names matplotlib gets it preloaded for every runner after (whoever's), then one naming
    # scipy.signal adds it: a new successor with both replaces the first once it is ready, so no
    # runner ever has scipy.signal without matplotlib.
    engine = SandboxEngine()
    staged = dataclasses.replace(bundle, preload=("json",))
    names_mpl = ONLY_NUMPY + "\ndef plot():\n    import matplotlib.pyplot\n"
    names_scipy = ONLY_NUMPY + "\ndef smooth():\n    from scipy import signal\n"
    try:
        for _ in range(6):
            seen = _fork_requests_named(engine, staged, ONLY_NUMPY)
            assert not any(seen.values()), f"nothing named, yet the runner has {seen}"
            time.sleep(0.2)
        template = _probe(engine, staged, lambda s: s.zygote, ONLY_NUMPY)
        assert template.asked == ()

        def until(key):
            return _until(engine, staged, _loaded, lambda answer: answer[key], source=ONLY_NUMPY)

        _fork_requests_named(engine, staged, names_mpl)  # served by the template: the successor starts now
        answers = until("matplotlib.pyplot")
        assert answers[-1] == {"scipy": False, "scipy.signal": False, "matplotlib": True, "matplotlib.pyplot": True}
        _fork_requests_named(engine, staged, names_scipy)
        answers = until("scipy.signal")
        assert answers[-1] == dict.fromkeys(("scipy", "scipy.signal", "matplotlib", "matplotlib.pyplot"), True)
        assert all(a["matplotlib.pyplot"] for a in answers), "a runner lost what an earlier successor had"
        assert template.asked == ("scipy", "scipy.signal", "matplotlib", "matplotlib.pyplot")
    finally:
        engine.close()


def test_the_graders_thread_caps_reach_the_sandbox_and_nothing_else_does(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "2; rm -rf /")  # not a number: dropped
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.setenv("SECRET_TOKEN", "x")
    env = clean_env()
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    assert "OMP_NUM_THREADS" not in env and "MKL_NUM_THREADS" not in env and "SECRET_TOKEN" not in env
    assert set(THREAD_VARS) == {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}


@linux_only
def test_a_runner_has_the_graders_blas_thread_cap(bundle, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    source = ("import os\nimport numpy as np\ndef cap():\n    return os.environ.get('OPENBLAS_NUM_THREADS')\n"
              "def threads():\n    a = np.ones((400, 400))\n    a @ a\n    return len(os.listdir('/proc/self/task'))\n")
    engine = SandboxEngine()
    try:
        s = engine.open(bundle, source, "tiny.py")
        try:
            assert s.env["cap"]() == "1"
            assert s.env["threads"]() == 1  # a matmul started no BLAS thread pool (uncapped: one thread per core)
        finally:
            s.close()
    finally:
        engine.close()


# --- the module's functions travel with the import ----------------------------------------------

GLOBALS = '''
LIMIT = [1, 2]

def f():
    return 1

def rebind():
    global f
    def g():
        return 2
    f = g

def drop():
    global f
    del f

def crash():
    import os
    os._exit(3)
'''


@linux_only
def test_function_lookups_need_no_round_trip_and_still_see_rebinding_and_deletion(bundle):
    engine = SandboxEngine(preload=("numpy",))
    s = engine.open(bundle, GLOBALS, "tiny.py")
    ops: list[str] = []
    real = s._op

    def counting(op, target, keyerror=False, **fields):
        ops.append(op)
        return real(op, target, keyerror, **fields)

    s._op = counting
    try:
        assert s.import_error is None
        f1, f2 = s.env["f"], s.env["f"]
        assert f1 is f2 and ops == []  # announced with the import
        assert s.env["LIMIT"] == [1, 2] and ops == ["global"]  # data is looked up (a fresh copy) each time
        s.env["LIMIT"].append(3)
        assert s.env["LIMIT"] == [1, 2]
        ops.clear()
        assert s.env["f"]() == 1
        s.env["rebind"]()  # the answer names `f` as rebound
        assert s.env["f"]() == 2
        assert ops.count("global") == 1, ops
        s.env["drop"]()
        with pytest.raises(KeyError):
            s.env["f"]
        # After a crash the runner is a new one: its handles, not the old runner's.
        with pytest.raises(Exception):
            s.env["crash"]()
        s.after_fault()
        assert s.env["f"]() == 1
    finally:
        s.close()
        engine.close()


# --- whole frames ------------------------------------------------------------------------------

def test_frames_arrive_whole_whatever_their_size_and_parts():
    a, b = socket.socketpair()
    widen(a)
    widen(b)
    big = np.arange(5 * 2**20, dtype=np.uint32)  # 20 MiB: more than any socket buffer takes at once
    many = [np.full(3, i, dtype=np.int16) for i in range(1500)]  # more parts than one sendmsg carries
    frames = [({"op": "big"}, [big]), ({"op": "many"}, many), ({"op": "mixed"}, [b"", b"xy", bytearray(0), b"z"]),
              ({"op": "none"}, [])]
    got = []

    def reader():
        for _ in frames:
            got.append(wire.recv_frame(b, time.monotonic() + 60, max_bytes=1 << 30))

    t = threading.Thread(target=reader)
    t.start()
    for header, bufs in frames:
        wire.send_frame(a, header, bufs)
    t.join(60)
    a.close()
    b.close()
    assert len(got) == len(frames)
    (h0, b0), (h1, b1), (h2, b2), (h3, b3) = got
    assert h0["op"] == "big" and np.array_equal(np.frombuffer(bytes(b0[0]), dtype=np.uint32), big)
    assert h1["op"] == "many" and len(b1) == 1500
    assert all(np.array_equal(np.frombuffer(bytes(x), dtype=np.int16), y) for x, y in zip(b1, many))
    assert [bytes(x) for x in b2] == [b"", b"xy", b"", b"z"] and h3["bufs"] == [] and b3 == []


CONFIG_PROBE = '''
import os
import sys

def config_dir():
    if "matplotlib" not in sys.modules:
        return None
    import matplotlib
    path = matplotlib.get_configdir()
    return path, os.access(path, os.W_OK)
'''


@linux_only
@pytest.mark.parametrize("bwrap", [True, False])
def test_modules_imported_between_forks_read_no_configuration_a_runner_can_write(bundle, bwrap):
    """matplotlib imported by the template after runners have run reads its matplotlibrc from a
    folder of the template's own, never HOME=/tmp, where a runner could have planted one."""
    engine = SandboxEngine(bwrap=bwrap)
    staged = dataclasses.replace(bundle, preload=("json",))
    try:
        deadline = time.monotonic() + 120
        seen = None
        while seen is None and time.monotonic() < deadline:
            s = engine.open(staged, CONFIG_PROBE, "tiny.py")
            try:
                seen = s.env["config_dir"]()
            finally:
                s.close()
            if seen is None:
                time.sleep(0.5)
        assert seen is not None, "matplotlib was never imported by the template"
        path, writable = seen
        assert "course-template-" in path and not path.startswith("/tmp/.config"), path
        if os.geteuid() == 0:  # runners get a uid of their own only when the grader is root
            assert writable is False, f"a runner can write the template's matplotlib folder {path}"
    finally:
        engine.close()


# --- closing a session off the critical path -------------------------------------------------

DAEMON = '''
import os, subprocess

def start(tag):
    # A background process that outlives the call (and would outlive the runner if nobody killed it).
    p = subprocess.Popen(["sleep", tag], start_new_session=True)
    return p.pid

def ping():
    return "pong"
'''


def test_close_later_returns_at_once_and_the_engine_still_kills_what_the_runner_left(bundle):
    """`close_later` (what grading uses) hands the clean-up to the engine's thread: the next
    session opens while it runs, and once the engine is closed nothing the first runner started
    is alive and its uid is back in the pool."""
    import psutil

    tag = f"{4000 + os.getpid() % 1000}.{time.time_ns() % 10**6}"  # a unique sleep length
    engine = SandboxEngine(preload=LIGHT_PRELOAD)
    try:
        first = engine.open(bundle, DAEMON, "tiny.py")
        pid = first.env["start"](tag)
        assert psutil.pid_exists(pid) or engine.use_bwrap  # (in bubblewrap the pid is the namespace's)
        first.close_later()
        assert first.closed
        with pytest.raises(RuntimeError, match="closed"):
            first.env["ping"]()
        second = engine.open(bundle, DAEMON, "tiny.py")
        assert second.env["ping"]() == "pong"
        second.close_later()
    finally:
        engine.close()  # waits for both clean-ups
    alive = [p.pid for p in psutil.process_iter(["cmdline"]) if tag in " ".join(p.info["cmdline"] or [])]
    assert not alive, f"the first runner's background process survived the engine: {alive}"
    assert not engine._sessions, "a session was never cleaned up"
    if engine.switch_user:
        used = set(engine.used_uids)
        assert len(used) == 2
        left = [p.pid for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real in used]
        assert not left, f"processes of the runners' uids are alive: {left}"


# --- first use done in the template, and the student's time kept apart from ours ------------

WARM = '''
import sys

def state():
    from PIL import Image
    from matplotlib import font_manager
    # (the open fonts themselves matplotlib drops in a fork: FT2Font is not fork-safe)
    return {"pil_formats": Image._initialized,
            "fonts_found": font_manager.fontManager._findfont_cached.cache_info().currsize}

def first_plot():
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot().plot([0, 1], [1, 0])
    FigureCanvasAgg(fig).draw()
    return True

def nothing(a):
    return 0
'''


@linux_only
def test_a_runner_starts_with_pils_formats_registered_and_matplotlibs_fonts_found(bundle):
    """The template does what PIL and matplotlib do on their first use in a process (warm): a
    runner, its fork, starts with it done rather than paying for it in a student's first call."""
    engine = SandboxEngine()
    staged = dataclasses.replace(bundle, preload=("numpy", "PIL.Image", "matplotlib.figure",
                                                  "matplotlib.backends.backend_agg"))
    try:
        session = engine.open(staged, WARM, "tiny.py")
        try:
            before = session.env["state"]()
            assert before["pil_formats"] == 2, f"PIL's formats not registered in the template: {before}"
            assert before["fonts_found"] >= 1, f"no font looked up in the template: {before}"
            assert session.env["first_plot"]() is True  # the warm state is matplotlib's own: it draws
        finally:
            session.close()
    finally:
        engine.close()


@linux_only
def test_the_copies_a_watched_call_makes_are_not_counted_as_the_students_time(bundle):
    """A watched call copies its array arguments before and compares them after (did the
    function modify them?): that is the grader's work, so the time split (issue 16) counts it
    as traffic, not as the student's. A function that does nothing with 64 MB has ~0 of its own."""
    from autograder.sandbox.proxies import call_watched

    engine = SandboxEngine(preload=("numpy",))
    try:
        session = engine.open(bundle, WARM, "tiny.py")
        try:
            big = np.ones(8 * 2**20)  # 64 MB: two copies and a comparison take tens of ms
            session.timing.update(student=0.0, wire=0.0)
            value, changed, returned = call_watched(session.env["nothing"], (big,), {})
            assert (value, changed, returned) == (0, [], [])
            student, wire_s = session.timing["student"], session.timing["wire"]
            assert student < wire_s / 4, f"the watching was counted as the student's: {session.timing}"
        finally:
            session.close()
    finally:
        engine.close()
