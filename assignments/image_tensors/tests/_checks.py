"""Helpers the image_tensors tests share. Shipped to students beside image_tensors.py."""


def expect_error(error, call, function, *args, hint=""):
    """Call function(*args) and require `error`; any other outcome fails with a message saying
    what was expected (`call` describes the call) and what happened instead."""
    try:
        function(*args)
    except error:
        return
    except Exception as raised:
        raise AssertionError(f"{call}: expected {error.__name__}, got {type(raised).__name__}: {raised}{hint}") from None
    raise AssertionError(f"{call}: expected {error.__name__}, but nothing was raised{hint}")
