"""The PostgreSQL store: versioned migrations in a schema of its own, one batching writer,
readers on connections of their own (see docs/postgres.md)."""
