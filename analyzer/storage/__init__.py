"""SQL storage for the service: SQLAlchemy 2 tables, Alembic migrations and queries."""
