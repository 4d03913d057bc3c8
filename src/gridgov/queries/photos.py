"""Read side for photos: may this caller see this photo?

A photo is seen by whoever uploaded it, by whoever may see a case that shows it (data scope, the same
clause as the case list), and by whoever may read the care file whose visit shows it. Anything else answers as if the photo did not exist.
"""

from __future__ import annotations

from sqlalchemy import Connection, exists, select

from gridgov.adapters import tables as t
from gridgov.domain.policy import Permission, allowed
from gridgov.domain.registry import scope_root
from gridgov.domain.roles import Actor
from gridgov.queries.cases import scope_clause


def photo_visible(conn: Connection, actor: Actor, photo_id: str) -> bool:
    link = t.photo_links.c
    own = select(link.photo_id).where(link.photo_id == photo_id, link.kind == "user", link.ref == actor.user_id)
    if conn.execute(select(exists(own))).scalar():
        return True
    on_case = (
        select(t.cases.c.id)
        .join(t.photo_links, (link.kind == "case") & (link.ref == t.cases.c.id))
        .where(link.photo_id == photo_id)
    )
    scope = scope_clause(actor)
    if scope is not None:
        on_case = on_case.where(scope)
    if conn.execute(select(exists(on_case))).scalar():
        return True
    return _on_care_file(conn, actor, photo_id)


def _on_care_file(conn: Connection, actor: Actor, photo_id: str) -> bool:
    """A visit's photo (kind "care"): seen by whoever may read that care file (the register's scope)."""
    sees, root = scope_root(actor)
    if not sees or not allowed(actor.role, Permission.VIEW_REGISTER):
        return False
    link, c = t.photo_links.c, t.care_persons.c
    on_care = select(c.id).join(t.photo_links, (link.kind == "care") & (link.ref == c.id)).where(link.photo_id == photo_id)
    if root is not None:
        on_care = on_care.where(c.grid_code.startswith(root, autoescape=True))
    return bool(conn.execute(select(exists(on_care))).scalar())
