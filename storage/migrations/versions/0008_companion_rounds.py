"""residents' companion rounds

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_round_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_round_parent_round_id', 'round', ['parent_round_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_constraint('fk_round_parent_round_id', type_='foreignkey')
        batch_op.drop_column('parent_round_id')
