"""Small typed readers of YAML values; each raises ConfigError naming file and key."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from .dates import YamlLoader, parse_date
from .errors import ConfigError, ConfigErrors
from .schema import OUTPUT_KB_MAX, LatePolicy, Limits


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(path, None, "file not found")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YamlLoader)
    except yaml.YAMLError as e:
        raise ConfigError(path, None, f"not valid YAML: {e}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(path, None, f"expected a mapping at the top level, got {type(data).__name__}")
    return data


def _check_keys(path: Path, where: str, data: dict, required: set[str], optional: set[str]) -> None:
    prefix = f"{where}." if where else ""
    allowed = ", ".join(sorted(required | optional))
    found = [ConfigError(path, prefix + k, f"unknown key (allowed: {allowed})")
             for k in sorted(set(map(str, data)) - required - optional)]
    found += [ConfigError(path, prefix + k, "required key is missing") for k in sorted(required) if k not in data]
    if found:
        raise ConfigErrors(found)


def _str(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, key, f"expected a non-empty string, got {value!r}")
    return value


def _positive(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(path, key, f"expected a positive number, got {value!r}")
    return value


def _bool(path: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, key, f"expected true or false, got {value!r}")
    return value


def _str_list(path: Path, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(path, key, f"expected a list of strings, got {value!r}")
    return value


def _limits(path: Path, key: str, value: Any, base: Limits) -> Limits:
    if value is None:
        return base
    if not isinstance(value, dict):
        raise ConfigError(path, key, f"expected a mapping, got {value!r}")
    names = set(Limits.__dataclass_fields__)
    _check_keys(path, key, value, set(), names)
    updates = {k: _positive(path, f"{key}.{k}", v) for k, v in value.items()}
    if updates.get("output_kb", 0) > OUTPUT_KB_MAX:
        raise ConfigError(path, f"{key}.output_kb", f"at most {OUTPUT_KB_MAX} (KB of captured output per submission; "
                          f"a runner's reply carries it inside a 1 MiB header), got {updates['output_kb']}")
    return replace(base, **updates)


def _timezone(path: Path, key: str, value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _str(path, key, value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(path, key, f"unknown time zone {name!r}: expected an IANA name such as "
                                     "America/New_York, Europe/Paris or UTC") from None
    return name


DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(days?|hours?|d|h)$")


def _late(path: Path, key: str, value: Any, base: LatePolicy) -> LatePolicy:
    if value is None:
        return base
    if not isinstance(value, dict):
        raise ConfigError(path, key, f"expected a mapping, got {value!r}")
    _check_keys(path, key, value, set(), set(LatePolicy.__dataclass_fields__))
    updates: dict[str, Any] = {}
    for k, v in value.items():
        where = f"{key}.{k}"
        if k == "per":
            if v not in ("day", "hour"):
                raise ConfigError(path, where, f"expected day or hour, got {v!r}")
            updates[k] = v
        elif k == "last_accepted":
            m = DURATION_RE.match(v.strip()) if isinstance(v, str) else None
            if m:
                n = float(m.group(1))
                updates[k] = dt.timedelta(hours=n) if m.group(2).startswith("h") else dt.timedelta(days=n)
            else:
                try:
                    updates[k] = parse_date(path, where, v)
                except ConfigError as e:
                    raise ConfigError(path, where, e.message + ', or a duration after the due date such as '
                                      '"3 days" or "36 hours"') from None
        else:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise ConfigError(path, where, f"expected a number >= 0, got {v!r}")
            if k in ("penalty_percent", "cap_percent") and v > 100:
                raise ConfigError(path, where, f"a percentage is at most 100, got {v!r}")
            updates[k] = float(v)
    return replace(base, **updates)
