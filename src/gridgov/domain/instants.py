"""The moments the platform accepts from outside: aware, and between 2000-01-01 and 2100-01-01 (UTC).

Why these bounds: no case, deadline or report of a grid-governance platform lies before 2000 (digital
urban management began in 2004) or after 2100 (the working calendar covers 1990-2100, and a deadline
beyond it is a typo). Bounding every input keeps date arithmetic far from `datetime.min`/`max`: a
query window of 90 days, a time limit of up to a year or a conversion to Asia/Shanghai can never
overflow, so no stray date reaches the database as an error.

Why naive date-times are refused rather than read as Asia/Shanghai: a client that omits the zone is
usually a client in another zone or one sending UTC without `Z`; guessing would silently move a
deadline by eight hours. The refusal names the field and shows the form we want.
"""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
EXAMPLE = "2026-11-23T09:00:00+08:00"


class InstantError(ValueError):
    """A date-time the platform does not accept; the message says what to send instead."""


def check_instant(value: datetime) -> datetime:
    """The same moment in UTC, or InstantError when it is naive or outside [EARLIEST, LATEST).

    Aware comparisons work on the fields and offsets, so even year 1 or 9999 compare without
    overflowing; only after the check is the value converted.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise InstantError(f"a date-time must carry a time zone, e.g. {EXAMPLE}")
    if not EARLIEST <= value < LATEST:
        raise InstantError("a date-time must lie between 2000-01-01 and 2100-01-01")
    return value.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """ISO 8601 text (a trailing `Z` allowed) -> a checked UTC datetime, or InstantError."""
    try:
        parsed = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise InstantError(f"a date-time must be ISO 8601 with a time zone, e.g. {EXAMPLE}") from None
    return check_instant(parsed)
