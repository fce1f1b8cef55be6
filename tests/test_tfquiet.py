"""autograder.tfquiet: TensorFlow's import-time log lines (absl's notice, oneDNN's INFO line on
CPUs where TensorFlow turns oneDNN on) never reach stderr, and nothing else written meanwhile
is lost. Each case runs in a fresh interpreter: the hook acts once per process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "PYTHONPATH": str(ROOT),
       "TF_CPP_MIN_LOG_LEVEL": "3"}


def run(code: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    return proc


def test_noise_goes_and_everything_else_stays():
    proc = run(
        "import os, autograder.tfquiet as q\n"
        "with q.filtered_stderr():\n"
        "    os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n')\n"
        "    os.write(2, b'I0000 00:00:1796422370.084873     472 port.cc:153] oneDNN custom operations are on.\\n')\n"
        "    os.write(2, b'W1204 21:54:19.597690   14483 cpu_feature_guard.cc:227] a warning\\n')\n"
        "    os.write(2, b'E1204 21:54:19.597690   14483 some_op.cc:12] a real error\\n')\n"
        "    os.write(2, b'a line of our own\\n')\n"
        "    print('stdout untouched', flush=True)\n"
        "os.write(2, b'after\\n')\n")
    assert proc.stderr == b"E1204 21:54:19.597690   14483 some_op.cc:12] a real error\na line of our own\nafter\n"
    assert proc.stdout == b"stdout untouched\n"


def test_an_exception_inside_still_restores_stderr():
    proc = run(
        "import os, autograder.tfquiet as q\n"
        "try:\n"
        "    with q.filtered_stderr():\n"
        "        os.write(2, b'kept\\n')\n"
        "        raise KeyError('x')\n"
        "except KeyError:\n"
        "    pass\n"
        "os.write(2, b'restored\\n')\n")
    assert proc.stderr == b"kept\nrestored\n"


def test_importing_tensorflow_after_autograder_prints_no_log_line():
    """The oracle first: on this machine a plain import (TF_CPP_MIN_LOG_LEVEL=3) does log; where
    it does not (a CPU on which TensorFlow leaves oneDNN off), there is nothing to prove."""
    plain = run("import tensorflow")
    if b"absl::InitializeLog" not in plain.stderr and b"] " not in plain.stderr:
        pytest.skip("TensorFlow logs nothing at import on this CPU with TF_CPP_MIN_LOG_LEVEL=3")
    quiet = run("import autograder, keras, tensorflow as tf; print(float(tf.constant(1.0) + 1))")
    assert quiet.stdout == b"2.0\n"
    assert quiet.stderr == b"", quiet.stderr.decode(errors="replace")
