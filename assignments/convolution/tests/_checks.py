"""Helpers the convolution tests share. Shipped to students beside convolution.py."""


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
