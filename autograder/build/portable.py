"""Step: names that unpack everywhere. Students unzip bundles on Windows and macOS too: a name
Windows refuses (CON, aux.txt, a `:` or `?`, a trailing dot or space) or two names that differ only
in capitals (one file on a case-insensitive disk) would be lost there, silently."""

from __future__ import annotations

import re

from .errors import BuildError

RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
FORBIDDEN = re.compile(r'[<>:"|?*\\\x00-\x1f]')


def check_names(names, zip_name: str) -> None:
    """BuildError naming the first entry of `zip_name` that would not unpack as itself on Windows
    or macOS."""
    seen: dict[str, str] = {}
    for name in names:
        for part in name.split("/"):
            if FORBIDDEN.search(part) or part.split(".")[0].lower() in RESERVED or part.endswith((".", " ")):
                raise BuildError(f"{zip_name}: {name!r} cannot be unpacked on Windows (a reserved name, a "
                                 "character among <>:\"|?*\\, or a trailing dot or space); rename it")
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            raise BuildError(f"{zip_name}: {other!r} and {name!r} differ only in capitals: one file on Windows "
                             "and macOS, where the second overwrites the first; rename one")
