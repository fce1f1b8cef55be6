"""The build: a pipeline of small steps, each one transformation with typed input and output.

assets -> grading bundle -> render (README, notebook, requirements) -> strip hidden tests
-> leak guard -> pack (deterministic zip). See pipeline.py for the order.
"""
