"""The relational schema (SQLAlchemy Core tables); Alembic migrations create exactly this.

Core rather than ORM mapping: repositories translate rows to domain objects explicitly, which keeps the
domain free of persistence concerns and the hot path (a case transition) down to a few statements.
Timestamps are stored as UTC and come back timezone-aware on every backend (UTCDateTime).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, whatever the backend keeps.

    On SQLite the value is kept in SQLAlchemy's own text layout ("2026-11-23 01:00:00.000000", UTC), but
    formatted and parsed here with the C-level isoformat/fromisoformat instead of the generic regex
    processor: reading a case touches seven timestamps, and this halves the cost of a transition.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; the platform works in aware time")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def to_text(value):
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the database; the platform works in aware time")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return to_text

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_text(value):
            if value is None:
                return None
            return datetime.fromisoformat(value).replace(tzinfo=UTC)

        return from_text


grid_nodes = Table(
    "grid_nodes",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_code", String(32), nullable=True, index=True),
    Column("geometry", JSON, nullable=False),
    Column("properties", JSON, nullable=False, default=dict),
)

units = Table(
    "units",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("kind", String(16), nullable=False),  # department | social_entity
    Column("unit_type", String(32), nullable=False),
    Column("phone", String(32), nullable=True),
    Column("grid_codes", JSON, nullable=False, default=list),
    Column("active", Boolean, nullable=False, default=True),
)

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("unit_id", String(64), ForeignKey("units.id"), nullable=True, index=True),
    Column("grid_code", String(32), nullable=True),
    Column("phone", String(32), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    # bumped by "sign out everywhere", a password change and disabling: every token carries the
    # generation it was issued under and stops working once it differs (services/accounts.py)
    Column("token_generation", Integer, nullable=False, default=0, server_default=text("0")),
)

# Tokens revoked before their expiry (one logout), and stream tickets already used (single use). A row
# matters only until `expires_at`, the token's own expiry; later rows are purged.
revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("jti", String(32), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# Login attempts per user name and per client address (domain/login_throttle.py). `key` is
# "name:<sha256>" or "address:<sha256>", so no user name or address is stored in the clear.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started", UTCDateTime, nullable=True),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("lockouts", Integer, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("description", Text, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("address", String(500), nullable=True),
    Column("category", String(64), nullable=True, index=True),
    Column("grade", Integer, nullable=False),
    Column("channel", String(32), nullable=False, index=True),
    Column("grid_code", String(32), nullable=True, index=True),
    Column("reporter_id", String(64), nullable=False, index=True),
    Column("reporter_name", String(64), nullable=True),
    Column("reporter_phone", String(32), nullable=True),
    Column("photos", JSON, nullable=False, default=list),
    Column("status", String(16), nullable=False, index=True),
    Column("unit_id", String(64), nullable=True, index=True),
    Column("reported_at", UTCDateTime, nullable=False, index=True),
    Column("accepted_at", UTCDateTime, nullable=True),
    Column("dispatched_at", UTCDateTime, nullable=True, index=True),  # KPI basis time (0012)
    Column("due_at", UTCDateTime, nullable=True, index=True),
    Column("handled_at", UTCDateTime, nullable=True, index=True),  # KPI basis time (0012)
    Column("closed_at", UTCDateTime, nullable=True, index=True),  # KPI basis time (0012)
    Column("result", Text, nullable=True),
    Column("result_photos", JSON, nullable=False, default=list),
    Column("rating", Integer, nullable=True),
    Column("rating_comment", String(500), nullable=True),
    Column("rework_count", Integer, nullable=False, default=0),
    Column("return_count", Integer, nullable=False, default=0),
    Column("pending_extension", JSON, nullable=True),
    Column("sensitive", Boolean, nullable=False, default=False),
    Column("report_count", Integer, nullable=False, default=1),
    Column("triaged_at", UTCDateTime, nullable=True),
    Column("triage_reason", String(500), nullable=True),  # set while the case waits for a person
    Column("triage", JSON, nullable=True),  # grade reasons, classification, routing decision
    Column("ladder", String(64), nullable=True),
    Column("time_limit", String(16), nullable=True),
    Column("suspended_since", UTCDateTime, nullable=True),
    Column("pending_suspension", JSON, nullable=True),
    Column("supervisions", JSON, nullable=False, default=list),
    Column("source_ref", String(96), nullable=True, index=True),  # device + event kind, for merging repeats
    Column("timer_plan", String(64), nullable=True),  # fingerprint of the planned timers: unchanged → no I/O
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # the wall's open cases per grid, overdue by deadline: one index range per open status (0012)
    Index("ix_cases_status_grid_due", "status", "grid_code", "due_at"),
)

case_timeline = Table(
    "case_timeline",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("actor_name", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=False),
    Column("reason", String(500), nullable=True),
    Column("data", JSON, nullable=False, default=dict),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # camera | sensor | sos_button
    Column("name", String(128), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("grid_code", String(32), nullable=True),
    Column("person", JSON, nullable=True),  # SOS button: the care person (name, phone, address, contacts)
    Column("active", Boolean, nullable=False, default=True),
    Column("profile", String(32), nullable=True),  # a sensor's device profile (issue 16)
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),  # sha256 of the key; the key is shown once
    Column("prefix", String(12), nullable=False),  # its first characters, to tell keys apart in lists
    Column("channels", JSON, nullable=False),  # camera | alarm | sos | hotline | open311
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

categories = Table(
    "categories",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("major", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("name_en", String(128), nullable=False),
    Column("grade", Integer, nullable=False),
    Column("time_limit", String(16), nullable=False),
    Column("unit_type", String(32), nullable=False),
    Column("synonyms", JSON, nullable=True),  # other names (issue 11): a list of words
    Column("phrases", JSON, nullable=True),  # typical phrasings: slots of alternatives (domain/recognition.py)
    Column("scenes", JSON, nullable=True),  # camera scene types and sensor metrics filed under the category
)

routing_rules = Table(
    "routing_rules",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("when", JSON, nullable=False),
    Column("unit_id", String(64), nullable=True),
    Column("unit_type", String(32), nullable=True),
    Column("loop", String(16), nullable=False),
    Column("time_limit", String(16), nullable=True),
    Column("ladder", String(64), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_type", String(64), nullable=False),
    Column("case_id", String(32), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    # A relay's lease on the row (migration 0009): no two relays deliver one event.
    Column("claimed_by", String(96), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    # Set after `park_after_attempts` failures: the event waits for an admin's retry, later ones flow.
    Column("parked_at", UTCDateTime, nullable=True),
    Column("parked_reason", Text, nullable=True),
    # The relay reads undelivered events in id order: only they are indexed (see migration 0007).
    Index("ix_outbox_pending", "id", sqlite_where=text("published_at IS NULL"), postgresql_where=text("published_at IS NULL")),
)

case_timers = Table(
    "case_timers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False, index=True),
    Column("key", String(160), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("fired_at", UTCDateTime, nullable=True),
    Column("data", JSON, nullable=False),
    # Failed firings (migration 0009): counted, the last error kept, parked after `park_after_attempts`.
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("parked_at", UTCDateTime, nullable=True),
    UniqueConstraint("case_id", "key"),
    # The sweep reads only unfired timers by due time: its cost follows the due steps, not the open cases.
    Index("ix_case_timers_pending", "due_at", sqlite_where=text("fired_at IS NULL"), postgresql_where=text("fired_at IS NULL")),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False),
    Column("source", String(64), nullable=False),  # the outbox event that caused it: delivery is idempotent
    Column("case_id", String(32), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    UniqueConstraint("user_id", "source"),
    Index("ix_notifications_user_unread", "user_id", "read_at"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("url", String(500), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", String(32), ForeignKey("webhooks.id"), nullable=False),
    Column("source", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("claimed_by", String(96), nullable=True),  # a sender's lease (migration 0009): sent once
    Column("claimed_until", UTCDateTime, nullable=True),
    UniqueConstraint("webhook_id", "source"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

photos = Table(
    "photos",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the content
    Column("content_type", String(32), nullable=False),
    Column("size", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
)

# Who may see a photo: everyone who uploaded it (kind "user"; photos are stored by content, so two people
# may upload the same one) and whoever may see a case showing it (kind "case", as a report's or a
# result's photo). Rows are only added: a photo once shown on a case stays on its history.
photo_links = Table(
    "photo_links",
    metadata,
    Column("photo_id", String(64), primary_key=True),
    Column("kind", String(8), primary_key=True),  # user | case
    Column("ref", String(64), primary_key=True),  # the user id or the case id
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("purpose", String(200), nullable=True),
)

# State every process must agree on (migration 0009). A change bumps its row in `shared_versions` in
# the same transaction; each process compares versions every `shared_state_poll_seconds` and reloads.
shared_versions = Table(
    "shared_versions",
    metadata,
    Column("name", String(64), primary_key=True),  # ladders | calendar | grids | imported:<file>
    Column("version", Integer, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

escalation_ladders = Table(
    "escalation_ladders",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("definition", JSON, nullable=False),  # services/ladders.ladder_to_dict
    Column("updated_at", UTCDateTime, nullable=False),
)

calendar_overrides = Table(
    "calendar_overrides",
    metadata,
    Column("name", String(32), primary_key=True),  # one row, "local": the admin's upload as sent
    Column("text", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

classifier_corrections = Table(
    "classifier_corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("label", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# How a district's history names its units and categories, mapped onto the directory and the category
# table by an admin (issue 11, migration 0011): 街道办事处 -> the street office's unit id.
routing_aliases = Table(
    "routing_aliases",
    metadata,
    Column("kind", String(16), primary_key=True),  # unit | category
    Column("alias", String(128), primary_key=True),
    Column("target", String(64), nullable=False),  # units.id or categories.code
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

photo_blobs = Table(
    "photo_blobs",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the content, as in `photos`
    Column("content", LargeBinary, nullable=False),
)

# The register (人房企, issue 14, migration 0013). Personal numbers are never stored in clear: `*_sealed`
# is the Fernet token, `*_hash` the HMAC used to find a person by number, `*_masked` what most roles see
# (adapters/pii_vault.py).
register_buildings = Table(
    "register_buildings",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("grid_code", String(64), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("grid_code", "name"),
)

register_houses = Table(
    "register_houses",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("building_id", String(26), ForeignKey("register_buildings.id"), nullable=False),
    Column("grid_code", String(64), nullable=False, index=True),
    Column("room", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("building_id", "room"),
)

register_residents = Table(
    "register_residents",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("name", String(64), nullable=False, index=True),
    Column("id_hash", String(64), nullable=False, unique=True),
    Column("id_sealed", Text, nullable=False),
    Column("id_masked", String(18), nullable=False),
    Column("phone_hash", String(64), nullable=True, index=True),
    Column("phone_sealed", Text, nullable=True),
    Column("phone_masked", String(20), nullable=True),
    Column("sex", String(8), nullable=False),
    Column("birth_year", Integer, nullable=False),
    Column("grid_code", String(64), nullable=False, index=True),
    Column("house_id", String(26), ForeignKey("register_houses.id"), nullable=True, index=True),
    Column("residence", String(16), nullable=False),  # permanent | floating
    Column("separated", Boolean, nullable=False),  # 人户分离
    Column("household_no", String(32), nullable=True, index=True),
    Column("relation", String(16), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Every change to a register record: who, when, what (field names and grid codes, never a personal value).
register_history = Table(
    "register_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject_type", String(16), nullable=False),  # resident | organisation
    Column("subject_id", String(26), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # registered | moved | changed
    Column("details", JSON, nullable=False),
)

# Care files (一人一档, issue 14, migration 0013): one per resident of the register; family contacts' phones
# are sealed like the register's numbers (one Fernet token for the list), their masked form beside it.
care_persons = Table(
    "care_persons",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("resident_id", String(26), ForeignKey("register_residents.id"), nullable=False, unique=True),
    Column("grid_code", String(64), nullable=False, index=True),
    Column("category", String(32), nullable=False),
    Column("tier", String(16), nullable=False),  # high | key | normal
    Column("contacts_sealed", Text, nullable=True),
    Column("contacts_masked", JSON, nullable=False),
    Column("notes", Text, nullable=True),
    Column("opened_on", String(10), nullable=False),  # ISO date in Beijing time: the visit rhythm starts here
    Column("last_visit_on", String(10), nullable=True),
    Column("next_due_on", String(10), nullable=False, index=True),  # kept on every change: overdue is one range
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Visits are only added. (visitor_id, client_ref) is the phone's own id for the visit: a retry on a bad
# network finds the visit it already recorded.
care_visits = Table(
    "care_visits",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("care_person_id", String(26), ForeignKey("care_persons.id"), nullable=False, index=True),
    Column("visitor_id", String(64), nullable=False),
    Column("client_ref", String(64), nullable=False),
    Column("visited_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
    Column("photos", JSON, nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("visitor_id", "client_ref"),
)

# Organisations and merchants (实有单位) of the register, by unified social credit code (GB 32100).
register_organisations = Table(
    "register_organisations",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("credit_code", String(18), nullable=False, unique=True),
    Column("name", String(128), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("grid_code", String(64), nullable=False, index=True),
    Column("building_id", String(26), ForeignKey("register_buildings.id"), nullable=True),
    Column("address", String(200), nullable=True),
    Column("contact", String(64), nullable=True),
    Column("phone_hash", String(64), nullable=True, index=True),
    Column("phone_sealed", Text, nullable=True),
    Column("phone_masked", String(20), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Sensor rules' progress per (device, rule), written after each reading (domain/telemetry.RuleState),
# so a restart resumes a duration or a repeat count where it was (issue 16).
telemetry_states = Table(
    "telemetry_states",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("rule", String(64), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Alarms (DESIGN §4). `active_key` is "device:rule" while the alarm is active and NULL once cleared, so
# the unique index keeps one active alarm per (device, rule) on both SQLite and PostgreSQL.
alarms = Table(
    "alarms",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("device_id", String(64), nullable=False, index=True),
    Column("rule", String(64), nullable=False),
    Column("profile", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # active | cleared
    Column("acknowledged", Boolean, nullable=False),
    Column("acknowledged_by", String(64), nullable=True),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("active_key", String(130), nullable=True, unique=True),
    Column("grid_code", String(32), nullable=True, index=True),
    Column("case_id", String(26), nullable=True),
    Column("reasons", JSON, nullable=False),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("cleared_at", UTCDateTime, nullable=True),
    Column("triggers", Integer, nullable=False),  # readings on which its condition held while active
    Column("last_triggered_at", UTCDateTime, nullable=False),
)
