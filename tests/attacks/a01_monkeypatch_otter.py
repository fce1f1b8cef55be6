"""Attack 1: wrong answers, plus every otter runner and checker patched to report success."""
import numpy as np
import otter.test_files.abstract_test as abstract_test
import otter.test_files.exception_test as exception_test
from otter.execute import checker


def _all_passed(self, *args, **kwargs):
    for tc in getattr(self, "test_cases", []):
        self.test_case_results.append(abstract_test.TestCaseResult(test_case=tc, message="ok", passed=True))
    return None


exception_test.ExceptionTestFile.run = _all_passed
exception_test.test_case.call_func = lambda self, env: None
abstract_test.TestFile.grade = property(lambda self: 1.0)
abstract_test.TestFile.score = property(lambda self: self.possible)
abstract_test.TestFile.passed_all = property(lambda self: True)
checker.Checker.check = classmethod(lambda cls, *a, **k: None)
import builtins
builtins.AssertionError = type("AssertionError", (Exception,), {})


def add(a, b):
    return 0


def safe_div(a, b):
    return 0.0


def scale(x, k):
    return np.zeros(3)


def load_numbers(path):
    return np.zeros(3)
