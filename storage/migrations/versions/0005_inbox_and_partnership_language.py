"""inbox of incoming updates (replaces processed updates), partnership language

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('event', sa.Text(), nullable=False),
    sa.Column('received_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index('ix_inbox_pending', 'inbox', ['processed_at', 'received_at'], unique=False)
    op.execute("INSERT INTO inbox (key, platform, event, received_at, processed_at, attempts) "
               "SELECT key, '', '{}', processed_at, processed_at, 1 FROM processedupdate")
    op.drop_table('processedupdate')
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default='nb'))
    op.execute("UPDATE partnership SET lang = COALESCE((SELECT b.lang FROM channelbinding b "
               "WHERE b.partnership_id = partnership.id ORDER BY b.id LIMIT 1), 'nb')")


def downgrade() -> None:
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('lang')
    op.create_table('processedupdate',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('processed_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.execute("INSERT INTO processedupdate (key, processed_at) SELECT key, processed_at FROM inbox "
               "WHERE processed_at IS NOT NULL")
    op.drop_index('ix_inbox_pending', table_name='inbox')
    op.drop_table('inbox')
