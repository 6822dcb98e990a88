"""`insert_ignoring_conflict`: INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL.

Used where two processes (or a retried webhook) may insert the same row at the same time: the
database decides who wins, atomically, and the loser learns it from the return value.

Must not: hide other errors (only a conflict on `index_elements` is ignored).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def insert_ignoring_conflict(
    session: Session, model: Any, values: dict[str, Any], index_elements: list[str]
) -> bool:
    """Insert one row of `model`; False (and nothing written) when it conflicts on the index."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(model.__table__).values(**values).on_conflict_do_nothing(index_elements=index_elements)
        )
        return session.execute(statement).rowcount == 1
    try:  # other backends: a savepoint per attempt
        with session.begin_nested():
            session.execute(model.__table__.insert().values(**values))
        return True
    except IntegrityError:
        return False
