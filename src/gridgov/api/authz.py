"""Route dependencies for the permissions of domain/policy.py: `Depends(require(Permission.X))`.

The decision lives in the policy module; this file only turns a refusal into 403 problem+json before the
route body runs, so a denied caller learns nothing from the route's validation or lookups.
"""

from __future__ import annotations

from fastapi import Depends

from gridgov.api.problems import ApiProblem
from gridgov.api.security import current_actor
from gridgov.domain import policy
from gridgov.domain.errors import Forbidden
from gridgov.domain.roles import Actor


def require(permission: policy.Permission):
    def check(actor: Actor = Depends(current_actor)) -> Actor:
        try:
            policy.require(actor, permission)
        except Forbidden as exc:
            raise ApiProblem(403, "Forbidden", exc.detail) from None
        return actor

    return check
