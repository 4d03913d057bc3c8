"""The access log of `gridgov serve`: one line per request, without its query string.

A query string may carry a stream ticket (`/api/v1/stream?ticket=…`), an old client's token, or what
a dispatcher searched for (a resident's name or phone). Access logs are kept long, copied to log
collectors and read by people who may see neither, so uvicorn's access lines keep the path and drop
the rest: `GET /api/v1/stream?… HTTP/1.1 200`.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

ACCESS_LOGGER = "uvicorn.access"


class DropQueryString(logging.Filter):
    """Rewrites uvicorn's access records (args: client, method, path with query, HTTP version, status)
    so that the path stops at `?`. A filter on the logger, not a handler: every handler sees the
    shortened line, including ones added later."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?…", *args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the query-string filter on its access logger."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["drop_query_string"] = {"()": f"{__name__}.DropQueryString"}
    config["loggers"][ACCESS_LOGGER]["filters"] = ["drop_query_string"]
    return config
