"""G11 (appended to the image_tensors reference solution): make the grader hold memory for the
next submissions. image_tensors' tests call a student's function once per distinct input and keep
the result for every case that inspects it (`_checks.student`, issue 16), for the 16 most recent
functions. This load_image answers every path with a 150 MB array (a wrong answer: the cases
fail), so the grading process kept one per distinct path of a test file: its peak went from ~60 MB
to 937 MB, and answers nearer max_message_mb (512 MB) or more paths would take it further. Now the memo keeps at most _STUDENT_BYTES (64 MB) for all functions together; a larger
result is handed to the case and not kept."""
import numpy as np


def load_image(path):
    return np.zeros((10_000, 5_000, 3), dtype=np.uint8)  # 150 MB, a fresh one for every call
