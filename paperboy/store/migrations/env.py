"""Alembic environment: runs against the engine that `paperboy.store.migrations` hands in."""

from alembic import context

from paperboy.store.migrations import version_schema

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    if engine.dialect.name == "postgresql":
        # Building an index on a big table takes longer than any query may.
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    context.configure(connection=connection, render_as_batch=engine.dialect.name == "sqlite",
                      version_table_schema=version_schema(connection))
    with context.begin_transaction():
        context.run_migrations()
