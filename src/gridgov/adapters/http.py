"""Outbound HTTP for webhooks (httpx): one small function, so services stay free of the client."""

from __future__ import annotations

import httpx


def post_bytes(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> int:
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        return client.post(url, content=body, headers=headers).status_code
