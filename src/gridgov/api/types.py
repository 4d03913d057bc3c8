"""Field types shared by every route's parameters and bodies, so one rule holds for each kind of input.

`Instant` is the only date-time type an API input may use: it refuses naive values and anything outside
2000-01-01 .. 2100-01-01 (see domain/instants.py for why) with a 422 that names the field, and hands the
route a UTC datetime. Routes that answer in another error format (Open311) call
`gridgov.domain.instants.parse_instant` and map `InstantError` themselves.

Text needs no type of its own: api/limits.py refuses control characters and lone surrogates in every
query, path, form and JSON body before a route runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from gridgov.domain.instants import EXAMPLE, check_instant


def _instant(value: datetime) -> datetime:
    return check_instant(value)


Instant = Annotated[
    datetime,
    AfterValidator(_instant),
    Field(description=f"An ISO 8601 date-time with a time zone, e.g. {EXAMPLE}, between 2000 and 2100."),
]
