"""Integration keys (接入密钥) for machine channels.

A camera platform, an IoT gateway, the 12345 hotline system or an Open311 client gets a key of its
own, limited to the channels it feeds, instead of a dispatcher's password: it can be revoked alone,
its last use is visible, and it can do nothing else. Keys are random (256 bits), so a sha256 of the
key is enough to find and check it; the key is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from gridgov.domain.errors import Forbidden, InvalidInput, NotFound
from gridgov.domain.roles import Actor, Role

CHANNELS = ("camera", "alarm", "sos", "hotline", "open311", "telemetry")
PREFIX = "ggk_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(uow, *, name: Any, channels: Any, now, new_id) -> tuple[dict[str, Any], str]:
    if not isinstance(name, str) or not name.strip() or len(name) > 128:
        raise InvalidInput("name must be 1-128 characters (who uses the key, e.g. 海康视频平台)")
    if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
        raise InvalidInput(f"channels must be a non-empty list of: {', '.join(CHANNELS)}")
    key = PREFIX + secrets.token_urlsafe(32)
    row = {"id": new_id(now), "name": name.strip(), "key_hash": _hash(key), "prefix": key[:10],
           "channels": sorted(set(channels)), "created_at": now, "last_used_at": None, "revoked_at": None}  # fmt: skip
    uow.api_keys.add(row)
    uow.commit()
    return public(row), key


def public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "key_hash"}


def actor_for_key(uow, key: str, channel: str, now) -> Actor:
    """The actor a valid, unrevoked key acts as on `channel`; marks the key used."""
    row = uow.api_keys.by_hash(_hash(key)) if key.startswith(PREFIX) else None
    if row is None or row["revoked_at"] is not None:
        raise NotFound("unknown or revoked integration key")
    if channel not in row["channels"]:
        raise Forbidden(f"this key may feed {', '.join(row['channels'])}, not {channel}")
    uow.api_keys.update(row["id"], last_used_at=now)
    uow.commit()
    return Actor(user_id=f"key:{row['id']}", role=Role.SYSTEM, name=row["name"])


def revoke(uow, key_id: str, now) -> None:
    if not uow.api_keys.update(key_id, revoked_at=now):
        raise NotFound(f"no integration key {key_id}")
    uow.commit()
