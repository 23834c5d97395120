"""event search text: title, summary, city, venue and organiser, folded for search

Revision ID: 0002_event_search
Revises: 0001
Create Date: 2026-12-06 11:30:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.events.models import SEARCHED_FIELDS, search_text_for


# revision identifiers, used by Alembic.
revision = "0002_event_search"
down_revision = "0001"
branch_labels = None
depends_on = None

# The event table as this migration knows it (not the model, which may change later).
event = sa.table(
    "event",
    sa.column("id", sa.Integer),
    sa.column("search_text", sa.Text),
    *(sa.column(name, sa.String) for name in SEARCHED_FIELDS),
)
CHUNK = 1000


def upgrade():
    # ADD COLUMN with a constant default: no table rebuild on SQLite, no rewrite on PostgreSQL.
    op.add_column(
        "event", sa.Column("search_text", sa.Text(), server_default="", nullable=False)
    )
    # Existing events get the same text the model keeps for new and edited ones.
    connection = op.get_bind()
    fill = (
        event.update()
        .where(event.c.id == sa.bindparam("event_id"))
        .values(search_text=sa.bindparam("folded"))
    )
    rows = connection.execute(
        sa.select(event.c.id, *(event.c[name] for name in SEARCHED_FIELDS)).order_by(event.c.id)
    ).mappings().all()
    batch = []
    for row in rows:
        batch.append({"event_id": row["id"], "folded": search_text_for(row)})
        if len(batch) == CHUNK:
            connection.execute(fill, batch)
            batch = []
    if batch:
        connection.execute(fill, batch)


def downgrade():
    op.drop_column("event", "search_text")
