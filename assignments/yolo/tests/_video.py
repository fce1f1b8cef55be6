"""What a video file written by the submission says of itself, read by the tests from the file's
own bytes: the grader reads them back through the runner's monitor, not through the submission's
`cv2` (a yolo.py may bind that name to anything, and it answered the tests' questions about the
video it wrote: an outside round's q09). A student's own run reads the file in the folder."""
import struct

try:  # the grader's: a file the runner wrote, read by its trusted monitor (autograder/sandbox/readback.py)
    from autograder.sandbox.proxies import file_head as _file_head
except ImportError:  # a student's copy: the file is in the current folder
    _file_head = None

HEAD = 64 * 1024  # an AVI's header lists come first; OpenCV's writer puts them in the first few KiB
MAX_CHUNKS = 4096


def written_head(function, name):
    """(size, first HEAD bytes) of the file `name` that a call of `function` wrote in its working
    folder; FileNotFoundError when there is none; None where the grader cannot read it back."""
    if _file_head is not None:
        return _file_head(function, name, HEAD)
    import os

    with open(name, "rb") as f:
        return os.fstat(f.fileno()).st_size, f.read(HEAD)


def _chunks(data):
    """(id, body) of every chunk of a RIFF file's first bytes, header lists opened, up to 'movi'."""
    stack, found = [(12, len(data))], []
    while stack and len(found) < MAX_CHUNKS:
        pos, end = stack.pop()
        while pos + 8 <= end and len(found) < MAX_CHUNKS:
            cid, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
            body, stop = pos + 8, min(pos + 8 + size, end)
            if cid == b"LIST":
                if data[body:body + 4] == b"movi":
                    return found
                stack.append((stop + (size & 1), end))  # what follows this list, after it
                pos, end = body + 4, stop
                continue
            found.append((cid, data[body:stop]))
            pos = stop + (size & 1)
    return found


def avi_facts(data):
    """{"fps", "codec", "frames", "width", "height"} from the first bytes of an AVI file (its
    main header and its video stream's header and format); ValueError saying what is missing."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"AVI ":
        raise ValueError("it does not start as an AVI file (RIFF ... AVI)")
    chunks = _chunks(bytes(data))
    main = next((body for cid, body in chunks if cid == b"avih" and len(body) >= 40), None)
    if main is None:
        raise ValueError("it has no AVI main header")
    frames, width, height = (struct.unpack_from("<I", main, at)[0] for at in (16, 32, 36))
    for i, (cid, body) in enumerate(chunks):
        if cid == b"strh" and len(body) >= 36 and body[:4] == b"vids":
            scale, rate = struct.unpack_from("<II", body, 20)
            handler = body[4:8]
            strf = chunks[i + 1][1] if i + 1 < len(chunks) and chunks[i + 1][0] == b"strf" else b""
            compression = strf[16:20] if len(strf) >= 20 else b""
            # the format's compression, as OpenCV reports it (the stream header's handler may differ)
            codec = compression if compression.strip(b"\0 ") else handler
            if not scale:
                raise ValueError("its video stream has a time scale of 0")
            return {"fps": rate / scale, "codec": codec.decode("latin-1"), "frames": frames,
                    "width": width, "height": height}
    raise ValueError("it has no video stream header")
