"""publications, idea sharing, invite on membership

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('occasion', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('ledger', sa.Text(), nullable=False),
    sa.Column('published_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'number')
    )
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_round_id'), ['round_id'], unique=False)
    with op.batch_alter_table('actionidea', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sharing', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choosing_sharing', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_membership_invite_id', 'invite', ['invite_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint('fk_membership_invite_id', type_='foreignkey')
        batch_op.drop_column('invite_id')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('choosing_sharing')
    with op.batch_alter_table('actionidea', schema=None) as batch_op:
        batch_op.drop_column('sharing')
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_round_id'))
    op.drop_table('publication')
