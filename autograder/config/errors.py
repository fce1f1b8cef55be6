"""Configuration errors: each names the file and the key; a run collects them all."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path


class ConfigError(ValueError):
    """A problem in the course's configuration, located by file and key."""

    def __init__(self, path: Path | str, key: str | None, message: str):
        self.path, self.key, self.message = Path(path), key, message
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(where + message)


class ConfigErrors(ConfigError):
    """Several configuration problems found in one run, reported together (one per line).
    `path`, `key` and `message` are the first problem's, so it reads as one ConfigError too."""

    def __init__(self, errors: list[ConfigError]):
        flat: list[ConfigError] = []
        for e in errors:
            flat.extend(e.errors if isinstance(e, ConfigErrors) else [e])
        self.errors = flat
        first = flat[0]
        self.path, self.key, self.message = first.path, first.key, first.message
        ValueError.__init__(self, "\n".join(str(e) for e in flat))


class Collector:
    """Gathers every ConfigError of a load so one run reports them all. A failing `check()`
    block stops only that block: later checks of the same file still run."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    @contextmanager
    def check(self):
        try:
            yield
        except ConfigErrors as e:
            self.errors.extend(e.errors)
        except ConfigError as e:
            self.errors.append(e)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ConfigErrors(self.errors)
