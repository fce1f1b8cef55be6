"""assignments/yolo/tests/_video.py: what the q9 tests read of a written .avi from its own bytes
(the grader reads them back through the runner's monitor, not through the submission's cv2). The
oracle is OpenCV reading the same file: frame rate, codec (for MJPG, the codec q9 asks for), frame
count and size. Malformed headers are refused with a reason, whatever their nesting."""

from __future__ import annotations

import struct
import sys

import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "assignments" / "yolo" / "tests"))
import _video  # noqa: E402

cv2 = pytest.importorskip("cv2")


@pytest.mark.parametrize("fps", [2, 5, 10, 29.97, 30])
@pytest.mark.parametrize("codec", ["MJPG", "XVID", "mp4v"])
def test_the_header_says_what_opencv_reads(tmp_path, fps, codec):
    path = tmp_path / "v.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (128, 64))
    for i in range(7):
        writer.write(np.full((64, 128, 3), i * 30, np.uint8))
    writer.release()
    facts = _video.avi_facts(path.read_bytes()[:_video.HEAD])
    capture = cv2.VideoCapture(str(path))
    assert facts["fps"] == pytest.approx(capture.get(cv2.CAP_PROP_FPS), abs=1e-6)
    assert facts["frames"] == int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 7
    assert (facts["height"], facts["width"]) == (int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                                                 int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))) == (64, 128)
    read = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode("latin-1")
    # OpenCV names FFmpeg's MPEG-4 streams FMP4 whatever tag the file holds; MJPG is read as written
    assert facts["codec"] == codec and (read == codec or (codec != "MJPG" and read == "FMP4")), (facts, read)


def _riff(*chunks: bytes) -> bytes:
    body = b"AVI " + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def _list(kind: bytes, *chunks: bytes) -> bytes:
    return _chunk(b"LIST", kind + b"".join(chunks))


def test_malformed_headers_are_refused_with_a_reason():
    avih = _chunk(b"avih", struct.pack("<10I", 200000, 0, 0, 0, 5, 0, 1, 0, 128, 64) + b"\0" * 16)
    strh = _chunk(b"strh", b"vids" + b"MJPG" + struct.pack("<IHHIIIII", 0, 0, 0, 0, 1, 5, 0, 5) + b"\0" * 20)
    strf = _chunk(b"strf", struct.pack("<IiiHH", 40, 128, 64, 1, 24) + b"MJPG" + b"\0" * 20)
    good = _riff(_list(b"hdrl", avih, _list(b"strl", strh, strf)))
    assert _video.avi_facts(good) == {"fps": 5.0, "codec": "MJPG", "frames": 5, "width": 128, "height": 64}
    cases = {
        "not RIFF": (b"GIF89a" + good[6:], "does not start"),
        "truncated": (good[:10], "does not start"),
        "no main header": (_riff(_list(b"hdrl", _list(b"strl", strh, strf))), "main header"),
        "no video stream": (_riff(_list(b"hdrl", avih)), "video stream"),
        "zero scale": (good.replace(struct.pack("<II", 1, 5), struct.pack("<II", 0, 5)), "time scale"),
        "lists nested 5,000 deep": (_riff(b"LIST" + struct.pack("<I", 0xFFFFFFF0) + b"hdrl" * 1
                                          + (b"LIST" + struct.pack("<I", 0xFFFFFFF0) + b"hdrl") * 5000), "main header"),
        "a chunk claiming 4 GB": (_riff(b"avih" + struct.pack("<I", 0xFFFFFFFF) + b"\0" * 8), "main header"),
    }
    for what, (data, reason) in cases.items():
        with pytest.raises(ValueError, match=reason):
            _video.avi_facts(data)
