"""Helpers the convolution tests share. Shipped to students beside convolution.py.

`oracle` keeps the judge's reference results (Keras layers built and run, scipy references,
decoded assets) for the life of the grading process, which serves every submission of a batch:
they depend on the test's inputs only, never on the student (issue 16).
"""

from _oracles import Memo, content_key
from _readable import explain as _explain_unreadable

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("convolution.py")

try:  # the grader's results, recorded when the course was built (autograder/grading/oracles.py)
    from autograder.grading import oracles as _recorded
except ImportError:  # a student's copy: every oracle is computed
    _recorded = None
try:  # the grader's: a loop of calls to the submission in one request (autograder/sandbox/proxies.py)
    from autograder.sandbox.proxies import call_each as _call_each
except ImportError:  # a student's copy: each() just loops
    _call_each = None

# The memo (_oracles.py). A path to a file is keyed by the file's bytes too. The keys have no
# "oracle" prefix: this assignment's keys never had one.
_memo = Memo(_recorded, args_key=lambda args: content_key(args, files=True), named=False)
oracle = _memo.oracle  # results read-only


def expect_value_error(call, function, *args):
    """Call function(*args) and require ValueError; `call` describes the call in the message,
    which says what was expected and what happened instead."""
    try:
        function(*args)
    except ValueError:
        return
    except Exception as raised:
        raise AssertionError(f"{call}: expected ValueError, got {type(raised).__name__}: {raised}") from None
    raise AssertionError(f"{call}: expected ValueError, but nothing was raised")


def expect_value_errors(function, cases):
    """expect_value_error(call, function, *args) for each (call, args) in `cases`, in order: the
    first call that does not raise ValueError fails, and no later call runs. The grader sends
    the whole loop to the submission at once (issue 16); a student's copy just loops."""
    cases = [(call, tuple(args)) for call, args in cases]
    if _call_each is None:
        for call, args in cases:
            expect_value_error(call, function, *args)
        return
    for (call, _args), replay in zip(cases, _call_each(function, [args for _call, args in cases], expect="ValueError")):
        expect_value_error(call, replay)


def each(function, arg_tuples):
    """function(*args) for each args tuple, in order, as an iterator: the first call that raises
    raises from it and no later call runs, exactly as a loop calling the function would. The
    grader sends the whole loop to the submission at once (issue 16: one round trip, not one per
    call); a student's copy just loops."""
    if _call_each is not None:
        return _call_each(function, arg_tuples)
    return (function(*args) for args in arg_tuples)
