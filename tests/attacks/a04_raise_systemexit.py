"""Attack 4c: raise SystemExit while being imported."""
raise SystemExit


def add(a, b):
    return a + b
