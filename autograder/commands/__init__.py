"""The command level: what joins the layers below for one `course` command (autograder/cli.py
parses the arguments and calls in here). Only this level, cli.py, validate.py, gradescope.py
and mutants/ may import everything below them; see docs/ARCHITECTURE.md."""
