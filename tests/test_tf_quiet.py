"""TensorFlow's log lines stay out of `course validate` and `course build` (issue 12: they used
to fill `make release`). The cheapest path through every process that imports TensorFlow: a
mini course whose test file imports it, so the judge (the `course` process) and the sandbox
template both load it. The environment is the user's, without TF_CPP_MIN_LOG_LEVEL (conftest
sets it for the test process; a user's shell does not)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import COURSE, MINI_Q2, write_mini_course

# cpu_feature_guard / oneDNN banners, absl's "before InitializeLog" notice, absl-style prefixes
# (I0000 00:00:..., W1203 ...) and TF's own Python logger.
TF_LINE = re.compile(r"oneDNN|cpu_feature_guard|absl::InitializeLog|I tensorflow|^[IWEF]\d{4} \d\d:\d\d"
                     r"|tensorflow/(core|compiler|tsl)/|WARNING:tensorflow", re.M)

TF_Q2 = MINI_Q2.replace("import numpy as np\n", "import numpy as np\nimport tensorflow as tf\n").replace(
    "np.testing.assert_allclose(got, np.arange(3.0) * 2,",
    "np.testing.assert_allclose(got, tf.constant([0.0, 1.0, 2.0]).numpy() * 2,")


def user_env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}


def course(*args, cwd) -> subprocess.CompletedProcess:
    """The real `course` command in user_env() (conftest's run_course would add the setting back)."""
    proc = subprocess.run([COURSE, *map(str, args)], cwd=cwd, env=user_env(), capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, f"course exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_the_pattern_sees_tensorflow_logging_here():
    """The oracle: without the setting, importing TensorFlow on this machine does log, and the
    pattern matches it (so the test below cannot pass because TensorFlow stayed quiet anyway)."""
    proc = subprocess.run([sys.executable, "-c", "import tensorflow as tf; tf.constant(1.0) + 1"],
                          env=user_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert TF_LINE.search(proc.stdout + proc.stderr), proc.stderr[-2000:]
    assert not TF_LINE.search("graded 3, kept 0\nq2_scale: 2/2\nTensorFlow is imported by the tests")


def test_validate_and_build_print_no_tensorflow_log_line(tmp_path):
    root = write_mini_course(tmp_path / "course")
    (root / "assignments/mini/tests/q2_scale.py").write_text(TF_Q2)
    validate = course("--root", root, "validate", "--skip-walkthrough", cwd=root)
    assert "5/5" in validate.stdout, validate.stdout  # the TensorFlow test ran and passed
    build = course("--root", root, "build", "--out", tmp_path / "dist", cwd=root)
    for name, proc in (("validate", validate), ("build", build)):
        out = proc.stdout + proc.stderr
        found = TF_LINE.search(out)
        assert not found, f"course {name} printed a TensorFlow log line: {found.group(0)!r}\n{out[-3000:]}"
