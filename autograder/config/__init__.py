"""Typed course configuration: course.yml and every assignments/<slug>/assignment.yml.

Loading never guesses: an unknown key, a missing file or a bad value raises ConfigError naming
the file and the key, so an instructor can fix it without reading this code. One load reports
every problem it finds together (ConfigErrors).

  errors.py   ConfigError, ConfigErrors and the Collector a load gathers them in
  schema.py   the typed result: Limits, LatePolicy, Question, Assignment, Course
  dates.py    the YAML loader that keeps dates as strings, and the strict date parser
  readers.py  small typed readers of YAML values (strings, numbers, limits, time zone, late policy)
  points.py   points resolved once from assignment.yml, the test file and its cases
  loading.py  load_course, load_assignment, source_pairs, find_root
"""

from .dates import YamlLoader, parse_date
from .errors import Collector, ConfigError, ConfigErrors
from .loading import SourcePair, find_root, load_assignment, load_course, source_pairs
from .points import resolve_points
from .schema import (SLUG_RE, SUBMISSION_TIMEOUT_FACTOR, Assignment, Course, LatePolicy, Limits, Question,
                     is_helper)

__all__ = ["YamlLoader", "parse_date", "Collector", "ConfigError", "ConfigErrors", "SourcePair", "find_root",
           "load_assignment", "load_course", "source_pairs", "resolve_points", "SLUG_RE",
           "SUBMISSION_TIMEOUT_FACTOR", "Assignment", "Course", "LatePolicy", "Limits", "Question", "is_helper"]
