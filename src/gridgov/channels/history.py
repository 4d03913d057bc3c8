"""A district's past work orders (its history): the rows routing is learned from.

Read with the 12345 channel's own reader (channels/hotline.py: CSV in UTF-8 or GBK, or XLSX), with a
column mapping for our fields text, category, unit, time and place, and the report every file import
answers with (domain/imports.py): rows kept by line, every rejected row with its line and reason, the
columns ignored. A column
named in the mapping that the file lacks refuses the file, naming the file's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gridgov.channels.hotline import read_numbered_table
from gridgov.domain.errors import InvalidInput
from gridgov.domain.imports import ImportReport

FIELDS = ("text", "category", "unit", "time", "place")


@dataclass(frozen=True)
class HistoryRow:
    line: int
    text: str
    category: str | None
    unit: str | None
    time: str | None
    place: str | None

    def get(self, name: str) -> str | None:
        return getattr(self, name)


@dataclass
class HistoryImport:
    rows: list[HistoryRow]
    report: ImportReport = field(default_factory=ImportReport)


def read_history(content: bytes, filename: str, mapping: dict[str, str], required: tuple[str, ...] = ("text",)) -> HistoryImport:
    """The history's rows with our field names. `mapping` is field -> column for the fields given;
    a row without a value in a `required` field is rejected with its line, never silently kept."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown fields {', '.join(unknown)} (known: {', '.join(FIELDS)})")
    if "text" not in mapping:
        raise InvalidInput("the mapping must name the text column")
    unreadable: list[tuple[int, str]] = []
    numbered = read_numbered_table(content, filename, unreadable)
    if not numbered:
        raise InvalidInput(f"{filename} has no rows")
    columns = set(numbered[0][1])
    missing = [f"{f} ({c})" for f, c in mapping.items() if c not in columns]
    if missing:
        raise InvalidInput(f"{filename}: no column {', '.join(missing)}; columns in the file: {', '.join(sorted(columns))}")
    out = HistoryImport(rows=[], report=ImportReport(ignored_columns=sorted(columns - set(mapping.values()))))
    for line, reason in unreadable:  # one bad character loses its row, never the history
        out.report.reject(line, reason)
    for line, row in numbered:
        values = {f: (row.get(c) or "").strip() for f, c in mapping.items()}
        empty = [f for f in required if not values.get(f)]
        if empty:
            out.report.reject(line, f"no {' and no '.join(empty)}")
            continue
        out.report.add(line)
        out.rows.append(HistoryRow(line=line, text=values["text"], **{f: values.get(f) or None for f in FIELDS[1:]}))
    return out
