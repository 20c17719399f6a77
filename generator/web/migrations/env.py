"""Alembic environment: run with the connection the application hands over (db.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from generator.web.db import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:  # `alembic` command line: sqlalchemy.url from the config
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
