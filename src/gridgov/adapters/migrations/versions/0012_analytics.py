"""Analytics: KPI registry, scoring schemes, archived briefs (issue 13).

KPI figures and the wall are SQL aggregates over one time column each (docs/kpis.md: the basis):
reported_at and due_at had indexes; dispatched_at, handled_at and closed_at get theirs, so a range of
days reads only its own cases. The wall counts open cases per grid and the overdue among them:
(status, grid_code, due_at) answers that from the index, one range per open status.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # -- KPI indexes (issue 13, items 1 and 7)
    for column in ("dispatched_at", "handled_at", "closed_at"):
        op.create_index(f"ix_cases_{column}", "cases", [column])
    op.create_index("ix_cases_status_grid_due", "cases", ["status", "grid_code", "due_at"])
    # -- further issue-13 tables below this line


def downgrade() -> None:
    # -- further issue-13 tables above this line (dropped first)
    op.drop_index("ix_cases_status_grid_due", table_name="cases")
    for column in ("closed_at", "handled_at", "dispatched_at"):
        op.drop_index(f"ix_cases_{column}", table_name="cases")
