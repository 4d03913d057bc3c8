"""Limits on the documents people upload (YAML, CSV, JSON) and on the text inside them.

Every table, calendar, ladder and rule file comes from outside, so it is read with bounds that hold
whatever the file holds: a nesting depth (PyYAML's composer and Python's JSON decoder recurse, so a
file nested 5,000 deep would otherwise end in a RecursionError), a node count, no YAML aliases (a
"billion laughs" file expands a few lines into gigabytes), a row count and a field size for CSV, and
no character that cannot be stored: lone surrogates (which UTF-8 cannot encode, so SQLite fails on
them) and control characters other than tab and line breaks (PostgreSQL refuses NUL in text; the
others are never meant and break the screens and exports).

Bounds are policy: our largest real documents are the category table (~200 rows) and the responsibility
list (a few hundred rules); the limits are two orders of magnitude above them.
"""

from __future__ import annotations

import csv
import io
import math
import re
from typing import Any

from gridgov.domain.errors import InvalidInput

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # photos up to 10 MB (the case hub issue); larger ones get 413

MAX_DEPTH = 32  # condition sets nest all/any/not a few levels; 32 is far above any real rule
MAX_NODES = 200_000  # values in one YAML document
MAX_TEXT = 4 * 1024 * 1024  # characters in one YAML/CSV document
MAX_ROWS = 100_000  # rows in one CSV file
MAX_FIELD = 20_000  # characters in one CSV field
INT_RANGE = 2**63  # no column stores more than a signed 64-bit integer

# C0 controls except tab, LF and CR; DEL; and the surrogate range (only lone ones survive decoding)
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def bad_character(text: str) -> str | None:
    """Why `text` cannot be accepted (which character, where), or None when it is fine."""
    found = _BAD.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"contains {kind} (U+{code:04X}) at position {found.start() + 1}"


def _path(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_value(value: Any, where: str = "") -> None:
    """Refuse a decoded JSON/YAML value that is deeper than MAX_DEPTH, holds a bad character in a key
    or string, an integer beyond 64 bits or a non-finite number; the error names the field.

    Iterative (an explicit stack), so the check itself never recurses."""
    stack: list[tuple[Any, list[Any]]] = [(value, [where] if where else [])]
    while stack:
        item, path = stack.pop()
        if len(path) > MAX_DEPTH + (1 if where else 0):
            raise InvalidInput(f"{_path(path[:MAX_DEPTH]) or 'the document'}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            problem = bad_character(item)
            if problem:
                raise InvalidInput(f"{_path(path) or 'the value'} {problem}", field=_path(path) or None)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -INT_RANGE <= item < INT_RANGE:
                raise InvalidInput(f"{_path(path) or 'the value'} is too large a number", field=_path(path) or None)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidInput(f"{_path(path) or 'the value'} must be a finite number", field=_path(path) or None)
        elif isinstance(item, dict):
            for key, sub in item.items():
                if isinstance(key, str) and bad_character(key):
                    raise InvalidInput(f"a key in {_path(path) or 'the document'} {bad_character(key)}")
                stack.append((sub, [*path, key]))
        elif isinstance(item, list | tuple):
            stack.extend((sub, [*path, i]) for i, sub in enumerate(item))


def load_yaml(text: str, what: str, *, strings_only: bool = False) -> Any:
    """Parse one YAML document with the safe loader (or the strings-only base loader), within the
    bounds above; any problem is an InvalidInput naming `what` and the line."""
    import yaml

    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{what} is larger than {MAX_TEXT} characters")
    loader = _bounded_loader(yaml.BaseLoader if strings_only else yaml.SafeLoader)(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None)
        raise InvalidInput(f"{what} is not valid YAML{at}" + (f": {reason}" if reason else "")) from None
    finally:
        loader.dispose()
    check_value(data)
    return data


_LOADERS: dict[type, type] = {}


def _bounded_loader(base: type) -> type:
    if base in _LOADERS:
        return _LOADERS[base]
    import yaml

    class Bounded(base):  # type: ignore[misc, valid-type]
        def __init__(self, stream) -> None:
            super().__init__(stream)
            self._depth = 0
            self._nodes = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, "anchors and aliases (*name) are not accepted", mark)
            self._depth += 1
            self._nodes += 1
            try:
                if self._depth > MAX_DEPTH or self._nodes > MAX_NODES:
                    mark = self.peek_event().start_mark
                    limit = f"nested deeper than {MAX_DEPTH} levels" if self._depth > MAX_DEPTH else f"more than {MAX_NODES} values"
                    raise yaml.composer.ComposerError(None, None, limit, mark)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    _LOADERS[base] = Bounded
    return Bounded


def read_csv(
    text: str, what: str, *, max_rows: int = MAX_ROWS, rejected: list[tuple[int, str]] | None = None
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the (line number, row) pairs of a CSV document, within the bounds above; a bad
    character, an over-long field or too many rows refuses the whole file, naming the line. Given a
    `rejected` list, a row with a bad character is left out and listed there (line, reason) instead,
    for imports that keep the good rows of a long history."""
    if len(text) > MAX_TEXT * 8:
        raise InvalidInput(f"{what} is larger than {MAX_TEXT * 8} characters")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None) or []
        rows: list[tuple[int, dict[str, str]]] = []
        for row in reader:
            line = reader.line_num
            if len(rows) >= max_rows:
                raise InvalidInput(f"{what} has more than {max_rows} rows")
            for value in row:
                if len(value) > MAX_FIELD:
                    raise InvalidInput(f"{what}, line {line}: a field is longer than {MAX_FIELD} characters")
            problem = next((p for p in map(bad_character, row) if p), None)
            if problem:
                if rejected is None:
                    raise InvalidInput(f"{what}, line {line}: a field {problem}")
                rejected.append((line, f"a field {problem}"))
                continue
            if not any(row):
                continue
            rows.append((line, dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))))
    except csv.Error as exc:
        raise InvalidInput(f"{what}, line {reader.line_num}: not valid CSV ({exc})") from None
    for name in header:
        problem = bad_character(name)
        if problem:
            raise InvalidInput(f"{what}: a column name {problem}")
    return header, rows
