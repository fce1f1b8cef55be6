"""TensorFlow's log lines kept out of a grader's terminal, in one place for every process that
imports autograder (the `course` command, batch and Dask workers, the sandbox template).

TF_CPP_MIN_LOG_LEVEL=3 silences TensorFlow's C++ logging once TensorFlow has read it (every
process `course` starts inherits it; the sandbox and the walkthrough kernel set 3 too), and
its Python loggers are set to errors only (retracing notices). But TensorFlow 2.21 on a CPU
where it turns oneDNN on (AMX or AVX-512 VNNI/BF16: Sapphire Rapids here) logs "oneDNN custom
operations are on", after absl's "All log messages before absl::InitializeLog() ..." notice,
while its library loads, before the setting is consulted. So the first `import tensorflow`
runs with file descriptor 2 pointed at a temporary file, and what was written there goes back
to the real stderr without absl's INFO and WARNING lines and that notice (errors and everything
else stay). Nothing changes what TensorFlow computes (TF_ENABLE_ONEDNN_OPTS=0 would: other
kernels)."""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import re
import sys
import tempfile

# absl's notice, and its INFO / WARNING prefix: "I1204 21:54:19.597690   14483 port.cc:153] ",
# before absl is initialised "I0000 00:00:1796422370.084873     472 port.cc:153] "
NOISE = re.compile(rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
                   rb"|[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w./-]+:\d+\] )")


@contextlib.contextmanager
def filtered_stderr():
    """Run the body with fd 2 in a temporary file; then write its lines back, noise left out."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no stderr at all: nothing to keep clean
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = b"".join(line for line in caught.read().splitlines(keepends=True) if not NOISE.match(line))
            while kept:  # a pipe may take part of it at a time
                kept = kept[os.write(2, kept):]


class _QuietImport(importlib.abc.MetaPathFinder):
    """Wraps the loading of the top-level `tensorflow` package, once per process."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow" or path is not None:
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)  # once, and find_spec below must not find this finder again
        spec = importlib.util.find_spec(name)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        real = loader.exec_module

        def exec_module(module):
            with filtered_stderr():
                real(module)

        loader.exec_module = exec_module  # this spec's own loader instance
        return spec


def install() -> None:
    """Before anything imports TensorFlow (a user's own TF_CPP_MIN_LOG_LEVEL wins); the import
    hook only when TensorFlow is not in yet and the hook not already set."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietImport())
