"""delivery plans: days, van routes and stops of the shop's own fleet

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delivery_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('depot_name', sa.String(length=120), nullable=False),
    sa.Column('depot_lat', sa.Float(), nullable=False),
    sa.Column('depot_lon', sa.Float(), nullable=False),
    sa.Column('solver_status', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delivery_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_plans_day'), ['day'], unique=True)

    op.create_table('delivery_routes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('vehicle', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('depart', sa.DateTime(), nullable=False),
    sa.Column('back', sa.DateTime(), nullable=False),
    sa.Column('distance_km', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['delivery_plans.id'], name='fk_delivery_routes_plan_id_delivery_plans'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'vehicle', name='uq_delivery_routes_plan_id_vehicle')
    )
    with op.batch_alter_table('delivery_routes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_routes_plan_id'), ['plan_id'], unique=False)

    op.create_table('delivery_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('vehicle', sa.String(length=20), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('demand', sa.Integer(), nullable=False),
    sa.Column('eta', sa.DateTime(), nullable=True),
    sa.Column('window_start', sa.DateTime(), nullable=True),
    sa.Column('window_end', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name='fk_delivery_stops_order_id_orders'),
    sa.ForeignKeyConstraint(['plan_id'], ['delivery_plans.id'], name='fk_delivery_stops_plan_id_delivery_plans'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'order_id', name='uq_delivery_stops_plan_id_order_id')
    )
    with op.batch_alter_table('delivery_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_stops_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_stops_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_stops_plan_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_stops_order_id'))

    op.drop_table('delivery_stops')
    with op.batch_alter_table('delivery_routes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_routes_plan_id'))

    op.drop_table('delivery_routes')
    with op.batch_alter_table('delivery_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_plans_day'))

    op.drop_table('delivery_plans')
