"""Dates in course.yml: YAML keeps them as strings (YamlLoader), then parse_date reads them
strictly, so a bad date is an error naming file and key (never PyYAML's own crash).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


class YamlLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings: PyYAML would crash on 2027-13-01 with a message
    naming neither file nor key; parse_date parses them strictly instead."""


YamlLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


DATE_SHAPE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$")


def parse_date(path: Path, key: str, value: Any) -> dt.datetime:
    # Dates reach here as strings (YamlLoader keeps them so): parsed strictly, and a date of the
    # right shape that the calendar lacks (2027-04-31) is called impossible, not malformed.
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(23, 59))
    m = DATE_SHAPE_RE.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ConfigError(path, key, f"malformed date {value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    year, month, day = (int(g) for g in m.groups()[:3])
    hour, minute = (int(m.group(4)), int(m.group(5))) if m.group(4) else (23, 59)
    if not 1 <= month <= 12:
        raise ConfigError(path, key, f"impossible date {value!r}: there is no month {month}")
    try:
        date = dt.date(year, month, day)
    except ValueError:
        last = calendar.monthrange(year, month)[1]
        raise ConfigError(path, key, f"impossible date {value!r}: {calendar.month_name[month]} {year} "
                                     f"has {last} days") from None
    if hour > 23 or minute > 59:
        raise ConfigError(path, key, f"impossible time {value!r}: hours run 00-23 and minutes 00-59")
    return dt.datetime.combine(date, dt.time(hour, minute))
