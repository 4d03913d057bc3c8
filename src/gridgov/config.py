"""Settings: every knob typed and documented, read from GRIDGOV_* environment variables.

Defaults run the embedded demo: SQLite under ./var, in-process bus, no external services.
`tests/unit/test_config.py` checks that every field here is documented in docs/settings.md.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDGOV_", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Where the SQLite file, photos and the secret key live.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; unset means SQLite at <data_dir>/gridgov.db. "
        "PostgreSQL: postgresql://user@host:5432/db (psycopg 3).",
    )
    secret_key: str | None = Field(
        None,
        description="Signs access tokens; unset means a random key kept in <data_dir>/secret.key (SQLite only: "
        "with a shared database every process must be given the same key).",
    )
    token_ttl_minutes: int = Field(720, ge=1, le=60 * 24 * 30, description="Lifetime of an access token.")
    pii_key: str | None = Field(
        None,
        description="Encrypts residents' ID numbers and phones at rest and keys their search hashes; unset means "
        "derived from secret_key. Rotation: docs/settings.md.",
    )
    pii_old_keys: list[str] = Field(
        default_factory=list,
        description="Earlier pii_key values, still read (decrypt, search) until the register is re-encrypted.",
    )
    timezone: str = Field(
        "Asia/Shanghai", max_length=64, description="The district's time zone (IANA name): KPI date ranges and day buckets."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # a misspelt zone must stop start-up, not turn every KPI request into an error
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    host: str = Field("127.0.0.1", description="Address `gridgov serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `gridgov serve` listens on.")
    # Account security (issue 10). NIST SP 800-63B §5.1.1.2 asks for at least 8 characters; 10 is ours.
    password_min_length: int = Field(10, ge=8, le=128, description="Shortest password an account may be given.")
    login_max_failures: int = Field(
        5, ge=1, le=100, description="Failed logins of one user name within the window before the name is locked."
    )
    login_max_failures_per_address: int = Field(
        20, ge=1, le=10_000, description="Failed logins from one client address within the window before it is locked."
    )
    login_window_minutes: int = Field(15, ge=1, le=24 * 60, description="Window in which failed logins are counted.")
    login_lock_seconds: int = Field(
        60, ge=1, le=24 * 3600, description="First lock of a name or address; each lock in a row lasts twice as long."
    )
    login_lock_max_seconds: int = Field(3600, ge=1, le=7 * 24 * 3600, description="Longest lock of a name or address.")
    stream_poll_seconds: float = Field(
        0.25, gt=0, le=5, description="How often the live feed looks for events committed by other processes."
    )
    fast_password_hashing: bool = Field(
        False, description="Cheap Argon2 parameters; only for tests and demo seeding, never production."
    )
    calendar_file: Path | None = Field(
        None, description="Local working-calendar overrides (YAML/JSON): holidays, 调休 workdays, office hours."
    )
    tick_seconds: float = Field(
        0.5, gt=0, le=10, description="Longest pause between two sweeps of due timers (deadline ticker)."
    )
    yellow_share: float = Field(0.8, gt=0, lt=1, description="Share of a time limit at which the yellow warning fires.")
    open311_jurisdiction_id: str = Field(
        "gridgov", max_length=100, description="The jurisdiction_id this Open311 GeoReport v2 endpoint serves."
    )
    open311_api_keys: list[str] = Field(
        default_factory=list, description="API keys allowed to POST Open311 service requests (JSON list)."
    )
    routing_target_precision: float = Field(
        0.98, ge=0.5, lt=1,
        description="Precision that orders dispatched by the routing model alone must reach (threshold from "
        "cross-validation on the training rows).",
    )
    classifier_model: Path | None = Field(
        None,
        description="A deployment's own classifier model (from `gridgov classifier train --with-corrections`); "
        "unset: the shipped model.",
    )
    map_tile_url: str | None = Field(
        None,
        description="Optional base-map tile URL template for the screens (e.g. an intranet tile server "
        "`https://tiles.example/{z}/{x}/{y}.png`); unset: grid polygons on a plain background, no internet needed.",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=64 * 1024,
        le=64 * 1024 * 1024,
        description="Largest request body in bytes (413 beyond); photo, camera and 12345 file uploads have their own larger limits.",
    )
    relay_interval_seconds: float = Field(
        1.0, gt=0, le=60, description="How often the outbox relay retries undelivered events."
    )
    background: str = Field(
        "all",
        pattern=r"^\s*(all|none|(relay|ticker|webhooks|purge|telemetry)(\s*,\s*(relay|ticker|webhooks|purge|telemetry))*)\s*$",
        description="Loops `gridgov serve` runs beside the API: all, none, or a list of relay, ticker, webhooks, purge, telemetry.",
    )
    outbox_keep_days: int = Field(
        7, ge=1, le=3650,
        description="Delivered outbox events are deleted after this many days (undelivered and parked ones are kept); "
        "a live-feed client away longer starts from now.",
    )
    idempotency_keep_hours: int = Field(
        72, ge=1, le=24 * 365,
        description="How long a report's Idempotency-Key is remembered: a retry with the same key within it gets the first answer.",
    )
    webhook_keep_days: int = Field(
        30, ge=1, le=3650, description="Delivered webhook deliveries are deleted after this many days (dead ones are kept for retry)."
    )
    shared_state_poll_seconds: float = Field(
        2.0, ge=0, le=60, description="How often a process checks whether ladders, calendar or grids changed elsewhere."
    )
    park_after_attempts: int = Field(
        5, ge=1, le=100, description="Failed attempts after which an outbox event or a deadline timer is parked."
    )
    photo_store: str = Field(
        "auto",
        pattern="^(auto|directory|database)$",
        description="Where photos live: directory (<data_dir>/photos), database, or auto (database unless SQLite).",
    )
    photo_max_pixels: int = Field(
        40_000_000, ge=1_000_000, le=200_000_000, description="Largest photo accepted, in pixels (width x height)."
    )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'gridgov.db').resolve()}"

    @property
    def background_loops(self) -> set[str]:
        """The loops named by `background` ("all" = relay, ticker and webhooks)."""
        text = self.background.strip()
        if text == "all":
            return {"relay", "ticker", "webhooks", "purge", "telemetry"}
        return set() if text == "none" else {part.strip() for part in text.split(",")}

    @property
    def shared_database(self) -> bool:
        """A database other processes (possibly on other machines) may use too: anything but SQLite."""
        return not self.resolved_database_url.startswith("sqlite")

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"
