"""F06 (blocked already; a regression test): patch what the template preloaded and plant test
helpers. At import it says whether numpy is already patched (it would be in the hidden cases'
fresh runner, and in every later submission, if a runner's changes reached the template), then
makes np.allclose, np.array_equal and np.testing.assert_allclose always agree, and writes
_checks.py, _watch.py and otter/__init__.py into its working folder (builtins are left alone:
the runner's own code needs them). The tests run in the judge, never in the runner, and a
runner is a fork that cannot write back into its template: every function is wrong and scores
0, both imports print "clean template", and the honest submission after it keeps full marks."""
import os
import numpy as np
import numpy.testing

print("INHERITED PATCH" if np.allclose(1.0, 2.0) else "clean template")

np.allclose = np.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
for name in ("_checks.py", "_watch.py", os.path.join("otter", "__init__.py")):
    os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
    with open(name, "w") as f:
        f.write("def __getattr__(name):\n    return lambda *a, **k: True\n")


def add(a, b):
    return 6


def scale(x, k):
    return np.zeros(3)


def output_shape(shape):
    return (3, 2)
