"""The database: the only part of the project that talks SQL (SQLAlchemy 1.4, Alembic).

One module per idea:
  engine      how we connect (pool, timeouts per backend) and one session per unit of work
  schema      Alembic migrations (`migrate`, `schema_revision`); the schema exists only through them
  tables      the ORM tables
  records     the plain frozen records callers get (never ORM objects)
  errors      `StoreUnavailable` / `CaseImportFailed`: what callers catch
  database    `Database`: a lazily connected handle with a thread pool and a time limit, so async
              callers never block the event loop; `get_database()` is the one per process
  cases       `CaseRepository`: reads of the citizen's own case, meetings and caseworker
  notes       `SharedNotes`: preparation notes shared with consent (write, withdraw, read)
  case_import `CaseWriter`: the importer's all-or-nothing upsert

Must not: be imported by the apps for anything but these classes and functions (no raw SQL
elsewhere: import-linter checks that only `core.store` imports sqlalchemy and alembic), or log
personal data or SQL parameters.
"""
