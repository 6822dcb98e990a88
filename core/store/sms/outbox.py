"""`Outbox`: SMS waiting to be sent, retried until sent or expired, never sent twice.

States of a row: `pending` (due at `next_attempt_at`) → `sending` (claimed with a lease; the
request is in flight) → `sent` (the gateway answered with its id, or reported on our `userref`).
A definite failure (5xx, refused connection) goes back to `pending` with backoff; a permanent
one (400, 422) to `failed`. When we cannot know whether the gateway took it (time-out, or the
process died during the request) the row becomes `unconfirmed`: a delivery report with our
`userref` turns it into `sent`; without one it is sent again after `resend_after` seconds. Rows
of a number that said STOP are `cancelled` (except the STOP confirmation); rows not sent by
`expires_at` are `expired`. Per conversation only the oldest open row is sent, so SMS leave in
the order they were written.

Claims use `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL and a conditional UPDATE on SQLite,
as in `core.store.sms.conversations`. Sync methods plus async `a<name>` forms.

Must not: talk to the gateway (bot/rasa_plugins/sms does), or log numbers or texts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from core.clock import require_aware
from core.records import SmsDeliveryReport, SmsSendRecord
from core.store.database import Database, get_database
from core.store.sms.tables import SmsConversation, SmsInbox, SmsOutbox

PENDING, SENDING, UNCONFIRMED, SENT = "pending", "sending", "unconfirmed", "sent"
FAILED, EXPIRED, CANCELLED = "failed", "expired", "cancelled"
OPEN = (PENDING, SENDING, UNCONFIRMED)
RETRYABLE = (PENDING, UNCONFIRMED)
STOP_CONFIRMATION = "stop_confirmation"
# GatewayAPI's final delivery states (docs/rest.rst, "States and status codes"); a transient
# state reported after a final one is ignored.
FINAL_DELIVERY_STATES = frozenset(
    {"DELIVERED", "EXPIRED", "DELETED", "UNDELIVERABLE", "ACCEPTED", "REJECTED", "SKIPPED"}
)
MAX_ERROR_CHARS = 200


def _short(text: str | None) -> str | None:
    return None if text is None else text[:MAX_ERROR_CHARS]


def _sweep(session: Session, now: datetime, resend_after: timedelta) -> dict[str, int]:
    """Housekeeping: stale claims become unconfirmed, opt-outs cancel, old rows expire."""
    stale = session.execute(
        update(SmsOutbox)
        .where(SmsOutbox.state == SENDING, SmsOutbox.lease_until < now)
        .values(state=UNCONFIRMED, next_attempt_at=now + resend_after, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    opted_out = exists().where(
        SmsConversation.id == SmsOutbox.conversation_id, SmsConversation.opted_out_at.isnot(None)
    )
    cancelled = session.execute(
        update(SmsOutbox)
        .where(SmsOutbox.state.in_(RETRYABLE), SmsOutbox.kind != STOP_CONFIRMATION, opted_out)
        .values(state=CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    expired = session.execute(
        update(SmsOutbox)
        .where(SmsOutbox.state.in_(RETRYABLE), SmsOutbox.expires_at <= now)
        .values(state=EXPIRED)
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"unconfirmed": int(stale or 0), "cancelled": int(cancelled or 0), "expired": int(expired or 0)}


def _claim(session: Session, owner: str, now: datetime, until: datetime, limit: int) -> list[SmsSendRecord]:
    earlier = aliased(SmsOutbox)
    blocked = exists().where(
        earlier.conversation_id == SmsOutbox.conversation_id,
        earlier.id < SmsOutbox.id,
        earlier.state.in_(OPEN),
    )
    lease_free = or_(SmsOutbox.lease_until.is_(None), SmsOutbox.lease_until < now)
    candidates = (
        session.execute(
            select(SmsOutbox.id)
            .where(
                SmsOutbox.state.in_(RETRYABLE),
                SmsOutbox.next_attempt_at <= now,
                SmsOutbox.expires_at > now,
                lease_free,
                ~blocked,
            )
            .order_by(SmsOutbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=SmsOutbox)
        )
        .scalars()
        .all()
    )
    claimed: list[SmsSendRecord] = []
    for outbox_id in candidates:
        result = session.execute(
            update(SmsOutbox)
            .where(SmsOutbox.id == outbox_id, SmsOutbox.state.in_(RETRYABLE), lease_free)
            .values(state=SENDING, lease_owner=owner, lease_until=until, attempts=SmsOutbox.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        row, msisdn, opted_out = session.execute(
            select(SmsOutbox, SmsConversation.msisdn, SmsConversation.opted_out_at)
            .join(SmsConversation, SmsConversation.id == SmsOutbox.conversation_id)
            .where(SmsOutbox.id == outbox_id)
        ).one()
        if opted_out is not None and row.kind != STOP_CONFIRMATION:
            row.state, row.lease_owner, row.lease_until = CANCELLED, None, None
            continue
        claimed.append(
            SmsSendRecord(
                id=row.id,
                conversation_id=row.conversation_id,
                msisdn=msisdn,
                text=row.text,
                encoding=row.encoding,
                kind=row.kind,
                attempts=int(row.attempts) - 1,
            )
        )
    return claimed


def _ours(outbox_id: int, owner: str) -> object:
    return and_(SmsOutbox.id == outbox_id, SmsOutbox.lease_owner == owner, SmsOutbox.state == SENDING)


def _finish(session: Session, outbox_id: int, owner: str, values: dict[str, object]) -> bool:
    result = session.execute(
        update(SmsOutbox)
        .where(_ours(outbox_id, owner))
        .values(lease_owner=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _sent(
    session: Session, outbox_id: int, owner: str, gateway_message_id: str | None, now: datetime
) -> bool:
    values = {"state": SENT, "sent_at": now, "gateway_message_id": gateway_message_id}
    if _finish(session, outbox_id, owner, values):
        return True
    # A delivery report may have come first and marked it sent: keep the gateway's id.
    row = session.get(SmsOutbox, outbox_id)
    if row is not None and row.state == SENT and row.gateway_message_id is None:
        row.gateway_message_id = gateway_message_id
    return False


def _report(session: Session, report: SmsDeliveryReport) -> bool:
    found = session.execute(
        select(SmsOutbox, SmsConversation.msisdn)
        .join(SmsConversation, SmsConversation.id == SmsOutbox.conversation_id)
        .where(SmsOutbox.id == report.outbox_id)
        .with_for_update(of=SmsOutbox)
    ).first()
    if found is None or found[1] != report.msisdn:
        return False
    row: SmsOutbox = found[0]
    if row.delivery_status in FINAL_DELIVERY_STATES and report.status not in FINAL_DELIVERY_STATES:
        return True  # a late transient state after a final one: ignored (GatewayAPI's advice)
    row.delivery_status = report.status[:20]
    row.delivery_error = _short(report.error)
    row.delivery_code = _short(report.code)
    row.delivery_at = report.at
    row.gateway_message_id = row.gateway_message_id or report.gateway_message_id
    if row.state in (*OPEN, EXPIRED, CANCELLED):
        # The gateway has it: never send it again (it may have answered before we knew).
        row.state, row.lease_owner, row.lease_until = SENT, None, None
        row.sent_at = row.sent_at or report.at
    return True


def _purge(session: Session, before: datetime) -> int:
    """Delete handled messages and finished outbox rows older than `before` (retention)."""
    outbox = session.execute(
        delete(SmsOutbox)
        .where(SmsOutbox.created_at < before, SmsOutbox.state.notin_(OPEN))
        .execution_options(synchronize_session=False)
    ).rowcount
    inbox = session.execute(
        delete(SmsInbox)
        .where(SmsInbox.received_at < before, SmsInbox.state == "done")
        .execution_options(synchronize_session=False)
    ).rowcount
    return int(outbox or 0) + int(inbox or 0)


def _depth(session: Session, now: datetime) -> tuple[int, float]:
    count, oldest = session.execute(
        select(func.count(SmsOutbox.id), func.min(SmsOutbox.created_at)).where(SmsOutbox.state.in_(OPEN))
    ).one()
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return int(count or 0), max(0.0, age)


def _has_written(session: Session, conversation_id: str) -> bool:
    found = session.execute(select(exists().where(SmsOutbox.conversation_id == conversation_id))).scalar()
    return bool(found)


def _rows_for(session: Session, conversation_id: str) -> list[dict[str, object]]:
    rows = session.execute(
        select(SmsOutbox).where(SmsOutbox.conversation_id == conversation_id).order_by(SmsOutbox.id)
    ).scalars()
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "text": row.text,
            "state": row.state,
            "attempts": row.attempts,
            "inbox_id": row.inbox_id,
            "reminder_id": row.reminder_id,
            "delivery_status": row.delivery_status,
            "segments": row.segments,
            "encoding": row.encoding,
        }
        for row in rows
    ]


class Outbox:
    """The SMS outbox in `database` (default: the process-wide one)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or get_database()

    def sweep(self, now: datetime, resend_after_s: float) -> dict[str, int]:
        """Stale claims → unconfirmed, opted-out rows → cancelled, overdue rows → expired."""
        require_aware(now, "now")
        return self.database.run(_sweep, now, timedelta(seconds=resend_after_s))

    def claim(self, owner: str, now: datetime, lease_s: float, limit: int = 4) -> list[SmsSendRecord]:
        """Claim up to `limit` due rows (the oldest open one of each conversation) for sending."""
        require_aware(now, "now")
        return self.database.run(_claim, owner, now, now + timedelta(seconds=lease_s), limit)

    def sent(self, outbox_id: int, owner: str, gateway_message_id: str | None, now: datetime) -> bool:
        return self.database.run(_sent, outbox_id, owner, gateway_message_id, now)

    def retry(self, outbox_id: int, owner: str, error: str, next_attempt_at: datetime) -> bool:
        """A definite failure: try again at `next_attempt_at`."""
        return self.database.run(
            _finish,
            outbox_id,
            owner,
            {"state": PENDING, "next_attempt_at": next_attempt_at, "last_error": _short(error)},
        )

    def unconfirmed(self, outbox_id: int, owner: str, error: str, resend_at: datetime) -> bool:
        """We cannot know whether the gateway took it: wait for a report, resend at `resend_at`."""
        return self.database.run(
            _finish,
            outbox_id,
            owner,
            {"state": UNCONFIRMED, "next_attempt_at": resend_at, "last_error": _short(error)},
        )

    def failed(self, outbox_id: int, owner: str, error: str) -> bool:
        """A permanent failure (the gateway refused the request itself): never retried."""
        return self.database.run(_finish, outbox_id, owner, {"state": FAILED, "last_error": _short(error)})

    def report(self, report: SmsDeliveryReport) -> bool:
        """Store a delivery report with its SMS; False when no SMS of ours matches it."""
        require_aware(report.at, "at")
        return self.database.run(_report, report)

    def purge(self, before: datetime) -> int:
        return self.database.run(_purge, before)

    def depth(self, now: datetime) -> tuple[int, float]:
        """How many SMS wait to go out (not yet confirmed sent) and the oldest one's age in seconds."""
        require_aware(now, "now")
        return self.database.run(_depth, now)

    def has_written(self, conversation_id: str) -> bool:
        """True when the conversation has an SMS in the outbox (sent, waiting or kept after it)."""
        return self.database.run(_has_written, conversation_id)

    def rows_for(self, conversation_id: str) -> list[dict[str, object]]:
        """The conversation's outbox rows, oldest first (operators and tests)."""
        return self.database.run(_rows_for, conversation_id)
