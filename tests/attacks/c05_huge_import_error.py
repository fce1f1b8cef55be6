"""Attack c05 (issue 11, finding 8): a 10 MB import error, which once made a 9.5 MiB
grades.csv that Python's csv module refuses to read with its default field limit."""

raise ImportError("=HYPERLINK(\"http://evil.example\")" + "I" * 10_000_000)
