"""`make wheelhouse`: download, at set-up time, every wheel the named assignments' Gradescope
zips install (and the uv that setup.sh pins), so the end-to-end test can run setup.sh offline.

    python -m autograder.build.wheelhouse --dest .wheelhouse [SLUG...]   (default: image_tensors)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from ..config import find_root, load_course
from . import requirements
from .autograder_zip import TEMPLATES, autograder_files

DEFAULT_SLUGS = ["image_tensors"]


def uv_version() -> str:
    """The uv setup.sh pins (one source of truth: the template)."""
    m = re.search(r"^UV_VERSION=(\S+)$", (TEMPLATES / "setup.sh").read_text(encoding="utf-8"), re.M)
    if not m:
        raise SystemExit(f"{TEMPLATES / 'setup.sh'}: no UV_VERSION= line")
    return m.group(1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.build.wheelhouse")
    p.add_argument("--dest", type=Path, default=Path(".wheelhouse"))
    p.add_argument("--root", type=Path, default=None, help="course root (default: found from here)")
    p.add_argument("slugs", nargs="*", default=DEFAULT_SLUGS)
    args = p.parse_args(argv)
    course = load_course(find_root(args.root) if args.root else find_root())
    args.dest.mkdir(parents=True, exist_ok=True)
    for a in course.select(args.slugs):
        files = autograder_files(course, a)
        reqs = args.dest / f"requirements-{a.slug}.txt"
        cons = args.dest / f"constraints-{a.slug}.txt"
        reqs.write_bytes(files["requirements.txt"])
        cons.write_bytes(files["constraints.txt"])
        print(f"wheelhouse: {a.slug} ({len(requirements.requirement_lines(reqs.read_text(encoding='utf-8')))} direct requirements)")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--only-binary", ":all:", "--dest", str(args.dest), "-r", str(reqs), "-c", str(cons)],
                       check=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                    "--only-binary", ":all:", "--no-deps", "--dest", str(args.dest), f"uv=={uv_version()}"],
                   check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
