"""The framework that runs the course: config -> build -> sandbox -> grading -> batch -> report -> cli."""

__version__ = "0.1.0"

from . import tfquiet as _tfquiet

_tfquiet.install()  # before anything imports TensorFlow (tfquiet.py says why)
