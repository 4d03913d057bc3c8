"""Domain errors: one base class, and one subclass per kind of refusal the API maps to a status code.

Entry points translate these into problem+json once (api/problems.py) or a CLI message; the domain
never knows about HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes; `title` is a short stable summary, str(e) the detail."""

    title = "Request refused"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    """Input that can never be right (bad coordinates, empty description ...): HTTP 422."""

    title = "Invalid input"


class TooLarge(InvalidInput):
    """Input over a size limit (a photo's bytes or pixels): HTTP 413."""

    title = "Too large"


class NotFound(DomainError):
    """A referenced thing (case, unit, grid, user) does not exist or is outside the caller's scope: 404."""

    title = "Not found"


class Forbidden(DomainError):
    """The caller's role or membership does not allow this: 403."""

    title = "Forbidden"


class InvalidTransition(DomainError):
    """The case's current state does not allow this action: 409, with the allowed actions listed."""

    title = "Transition not allowed in this state"


class StaleVersion(DomainError):
    """The caller acted on an older version of the case than the stored one: 409."""

    title = "Stale version"


class Conflict(DomainError):
    """The request clashes with stored state (duplicate username, reused idempotency key ...): 409/422."""

    title = "Conflict"


class IdempotencyMismatch(DomainError):
    """An Idempotency-Key came back with a different body: 422, the earlier request stands."""

    title = "Idempotency key reused with a different request"
