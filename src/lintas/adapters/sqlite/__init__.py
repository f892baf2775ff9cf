"""The SQLite store: versioned migrations, one batching writer, readers."""
