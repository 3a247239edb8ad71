"""fraud screening: payment instrument / device / address ids, scores and holds on orders; fraud labels

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fraud_labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('is_fraud', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('scenario', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('known_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name='fk_fraud_labels_order_id_orders'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'], name='fk_fraud_labels_staff_id_staff_members'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fraud_labels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fraud_labels_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_instrument_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('device_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('delivery_address_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('fraud_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('fraud_reasons', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('fraud_scored_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('fraud_hold', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_orders_delivery_address_id'), ['delivery_address_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_fraud_hold'), ['fraud_hold'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_payment_instrument_id'), ['payment_instrument_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_payment_instrument_id'))
        batch_op.drop_index(batch_op.f('ix_orders_fraud_hold'))
        batch_op.drop_index(batch_op.f('ix_orders_device_id'))
        batch_op.drop_index(batch_op.f('ix_orders_delivery_address_id'))
        batch_op.drop_column('fraud_hold')
        batch_op.drop_column('fraud_scored_at')
        batch_op.drop_column('fraud_reasons')
        batch_op.drop_column('fraud_score')
        batch_op.drop_column('delivery_address_id')
        batch_op.drop_column('device_id')
        batch_op.drop_column('payment_instrument_id')

    with op.batch_alter_table('fraud_labels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fraud_labels_order_id'))

    op.drop_table('fraud_labels')
