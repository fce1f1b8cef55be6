"""The framework that runs the course: config -> build -> sandbox -> grading -> batch -> report -> cli."""

__version__ = "0.1.0"
