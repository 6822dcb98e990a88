"""The database: the only part of the project that talks SQL (SQLAlchemy 1.4, Alembic).

Shared by every area:
  engine       how we connect (pool, timeouts per backend) and one session per unit of work
  database     `Database`: a lazily connected handle with a thread pool and a time limit;
               `await database.call(fn, ...)` is the one way async code runs store work
  errors       `StoreUnavailable`, `CaseImportFailed`, `SmsLeaseLost`: what callers catch
  schema       Alembic migrations (`migrate`, `schema_revision`); the schema exists only through them
  base         the declarative base and the UTC timestamp column type
  tables       every table in one place, for Alembic and tests (the areas own them)
  upsert       insert-or-ignore on every backend
  rate_limits  the rate-limit counters' table and queries
By area, each with its tables and queries together (the records they hand out are core.records
and core.review_records, outside the store):
  cases/          citizens, cases, meetings, caseworkers, shared notes, the case importer
  sms/            the SMS inbox, outbox, reminders and conversation leases
  review/         the review app's accounts, audit log, index queries, marks and corrections
  conversations/  Rasa's stored conversations: reading, windows, the review index, retention

Must not: log personal data or SQL parameters; be bypassed (no raw SQL elsewhere).
"""
