"""Batch grading: `course grade SLUG SUBMISSIONS... --out DIR`.

How a batch runs (the modules of this package, in order):

intake.py     What was handed in. Each SUBMISSION argument is
                - a file (`.py`, `.ipynb`, `.zip`; any other file becomes a `rejected` row),
                - a Gradescope "export submissions" folder (it holds `submission_metadata.yml`
                  and one `submission_<id>/` folder per submission; rows are named by the
                  submitters' e-mail, else name, else student id),
                - one student's folder: it directly holds the assignment's file
                  (`<slug>.py` / `<slug>.ipynb`), or holds no submission-like file
                  (`.py`/`.ipynb`/`.zip`) and at most one sub-folder (a wrapper folder),
                - otherwise a folder of submissions: every entry in it not starting with `.`
                  or `__` is one submission (a file, a zip, or a sub-folder graded as one
                  student's folder, whatever is nested inside it). The entries skipped (hidden
                  names, FIFOs, broken links) are named in one warning; a symbolic link (or a
                  Gradescope metadata key) leading out of the folder is a `rejected` row, unread.
              A row is named by the stem of its file or folder, made file-name safe. Two
              submissions with the same name (alice.py and late/alice.py) become `alice` and
              `alice-2`, in the sorted order of their paths; the reason column says so.
              Every submission gets a SHA-256 content hash (of its bytes; of the relative
              paths and bytes of the files for a folder).
unpack.py     Safe unpacking on the worker: zips are checked before anything is written
              (zip slip, absolute paths, symbolic links, special files, encrypted entries,
              duplicate entries, more than MAX_FILES entries or MAX_BYTES unpacked bytes,
              counted while unpacking, so a lying header does not help a zip bomb).
              Each problem becomes a `rejected` row with a plain reason.
worker.py     Grades one task: the submission's bytes in, a result dict out. Each worker
              process unpacks the grading bundle (zip bytes) once into its own private temp
              folder and keeps one engine for all its submissions.
executors.py  `local`: a pool of `--jobs` spawned worker processes (concurrent.futures);
              `dask`: one task per submission on a Dask cluster (a LocalCluster with
              `--jobs` single-threaded worker processes unless `--scheduler` names one).
              Tasks carry the submission bytes and the bundle as zip bytes, so workers share
              no filesystem with the client. A worker process that dies has its submissions
              retried once in a fresh worker; twice, and the row says the grader failed.
store.py      DIR/state/: one record per submission (the full result, the content hash and
              the grading key: bundle contents + limits + engine), written atomically
              (temp file, fsync, os.replace), and journal.jsonl, an append-only log with one
              `graded` line per grading. A rerun with the same --out skips every submission
              whose record matches its hash and key, regrades a changed one, and so grades
              nothing twice; `--no-resume` regrades everything. The reports are built from
              every record in the store, so a run over part of the class keeps the rest.
cli.py        The command: intake, plan, progress (a rich bar with ETA on a terminal, plain
              lines otherwise), reports (autograder.report), a summary table. Exit status 0
              when every submission got a row; 1 when the grader itself failed for some row
              (status `failed`, retried on the next run); 2 for a usage or configuration error.
"""

from .intake import IntakeError, Submission, collect

__all__ = ["IntakeError", "Submission", "collect"]
