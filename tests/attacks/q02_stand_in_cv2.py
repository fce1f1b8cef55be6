"""Attack q02 (yolo, appended to the solution by the test, whose detect_video it also changes to
write at 25 frames a second, not the input's rate): the q9 tests read the video detect_video
wrote through the submission's own `cv2` (a test parameter, so a handle to whatever yolo.py binds
to that name). Bound to a stand-in that tells the tests the frame rate and codec they expect for
the files detect_video wrote, the slip passed: q9 14/14, against 8/14 for the same slip with the
real cv2. The tests now read the file's own header, which the runner's monitor reads back
(autograder/sandbox/readback.py): the same score as the slip alone."""

# ---- the attack: a stand-in cv2 ----
import cv2 as _real_cv2  # noqa: E402


class _Capture:
    def __init__(self, path, *args):
        self._path, self._capture = str(path), _real_cv2.VideoCapture(str(path), *args)

    def get(self, prop):
        if self._path in _WRITTEN:
            if prop == _real_cv2.CAP_PROP_FPS:
                return _WRITTEN[self._path]
            if prop == _real_cv2.CAP_PROP_FOURCC:
                return float(int.from_bytes(b"MJPG" if self._path.endswith(".avi") else b"mp4v", "little"))
        return self._capture.get(prop)

    def __getattr__(self, name):
        return getattr(self._capture, name)


class _CV2:
    def __getattr__(self, name):
        return getattr(_real_cv2, name)

    @staticmethod
    def VideoCapture(path, *args):
        return _Capture(path, *args)


cv2 = _CV2()
