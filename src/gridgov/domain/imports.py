"""The one report every file import answers with (12345 work orders, the register, later campaigns).

Tools that feed files in (a district's nightly sync, a grid worker's spreadsheet) read one shape: what was
imported, what had been imported before and was left as it is, each refused row with its line in the file
(the header is line 1) and the reason, and the columns the import did not use. A bad row never stops the
others, and no row is in two lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportReport:
    imported: list[dict[str, Any]] = field(default_factory=list)
    already_imported: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def add(self, line: int, **ref: Any) -> None:
        self.imported.append({"line": line, **ref})

    def again(self, line: int, **ref: Any) -> None:
        self.already_imported.append({"line": line, **ref})

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append({"line": line, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "already_imported": self.already_imported,
            "rejected": sorted(self.rejected, key=lambda r: r["line"]),
            "ignored_columns": self.ignored_columns,
        }
