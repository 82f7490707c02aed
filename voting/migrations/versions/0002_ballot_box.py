"""Ballot box: scrutineer keys, key ceremony, session key, ballot cards, board, shares, outcome.

Revision ID: 0002_ballot_box
Revises: 0001_foundation
Create Date: 2026-11-26 13:40:35.338308
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002_ballot_box'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('ceremony_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sender', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['congress_session.id'], name=op.f('fk_ceremony_message_session_id_congress_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ceremony_message')),
    sa.UniqueConstraint('session_id', 'kind', 'sender', 'recipient', name=op.f('uq_ceremony_message_session_id_kind_sender_recipient'))
    )
    op.create_table('key_ceremony',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('ceremony_id', sa.String(length=200), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['congress_session.id'], name=op.f('fk_key_ceremony_session_id_congress_session')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_key_ceremony'))
    )
    op.create_table('scrutineer_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('signing_key', sa.String(length=64), nullable=False),
    sa.Column('transport_key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['congress_session.id'], name=op.f('fk_scrutineer_key_session_id_congress_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scrutineer_key')),
    sa.UniqueConstraint('session_id', 'index', name=op.f('uq_scrutineer_key_session_id_index'))
    )
    op.create_table('session_key',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('encrypted_private_key', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['congress_session.id'], name=op.f('fk_session_key_session_id_congress_session')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_key'))
    )
    op.create_table('ballot_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('card_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('spent_tag', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_ballot_card_vote_id_vote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_card')),
    sa.UniqueConstraint('card_hash', name=op.f('uq_ballot_card_card_hash'))
    )
    with op.batch_alter_table('ballot_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_card_vote_id'), ['vote_id'], unique=False)

    op.create_table('board_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ballot', sa.Text(), nullable=False),
    sa.Column('ballot_hash', sa.String(length=64), nullable=False),
    sa.Column('prev', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.Column('tracking_code', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_board_entry_vote_id_vote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_entry')),
    sa.UniqueConstraint('vote_id', 'ballot_hash', name=op.f('uq_board_entry_vote_id_ballot_hash')),
    sa.UniqueConstraint('vote_id', 'seq', name=op.f('uq_board_entry_vote_id_seq'))
    )
    with op.batch_alter_table('board_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_entry_tracking_code'), ['tracking_code'], unique=False)

    op.create_table('board_head',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('aggregate', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_board_head_vote_id_vote')),
    sa.PrimaryKeyConstraint('vote_id', name=op.f('pk_board_head'))
    )
    op.create_table('decryption_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('scrutineer', sa.Integer(), nullable=False),
    sa.Column('message', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_decryption_share_vote_id_vote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decryption_share')),
    sa.UniqueConstraint('vote_id', 'scrutineer', name=op.f('uq_decryption_share_vote_id_scrutineer'))
    )
    op.create_table('vote_election',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('election_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_vote_election_vote_id_vote')),
    sa.PrimaryKeyConstraint('vote_id', name=op.f('pk_vote_election'))
    )
    op.create_table('vote_outcome',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('cards', sa.JSON(), nullable=False),
    sa.Column('aggregate', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('signatures', sa.JSON(), nullable=False),
    sa.Column('certificate', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_vote_outcome_vote_id_vote')),
    sa.PrimaryKeyConstraint('vote_id', name=op.f('pk_vote_outcome'))
    )
    


def downgrade() -> None:
    
    op.drop_table('vote_outcome')
    op.drop_table('vote_election')
    op.drop_table('decryption_share')
    op.drop_table('board_head')
    with op.batch_alter_table('board_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_entry_tracking_code'))

    op.drop_table('board_entry')
    with op.batch_alter_table('ballot_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_card_vote_id'))

    op.drop_table('ballot_card')
    op.drop_table('session_key')
    op.drop_table('scrutineer_key')
    op.drop_table('key_ceremony')
    op.drop_table('ceremony_message')
    
