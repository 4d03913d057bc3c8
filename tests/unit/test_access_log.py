"""`gridgov serve`'s access log drops query strings: stream tickets and search terms stay out of it."""

from __future__ import annotations

import logging

from gridgov.api.access_log import DropQueryString, uvicorn_log_config


def access_record(path: str) -> logging.LogRecord:
    # the shape uvicorn's h11/httptools protocols log with
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50312", "GET", path, "1.1", 200), None,
    )  # fmt: skip


def test_the_query_string_is_cut_from_an_access_line() -> None:
    record = access_record("/api/v1/stream?ticket=eyJhbGciOi.secret.sig")
    assert DropQueryString().filter(record) is True
    assert record.getMessage() == '127.0.0.1:50312 - "GET /api/v1/stream?… HTTP/1.1" 200'


def test_a_line_without_a_query_string_is_left_as_it_is() -> None:
    record = access_record("/api/v1/cases/GG1")
    DropQueryString().filter(record)
    assert record.getMessage() == '127.0.0.1:50312 - "GET /api/v1/cases/GG1 HTTP/1.1" 200'


def test_the_serve_log_config_puts_the_filter_on_uvicorns_access_logger() -> None:
    config = uvicorn_log_config()
    assert config["loggers"]["uvicorn.access"]["filters"] == ["drop_query_string"]
    assert config["filters"]["drop_query_string"] == {"()": "gridgov.api.access_log.DropQueryString"}
