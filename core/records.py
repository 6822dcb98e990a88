"""The plain records the store hands out and takes in: frozen dataclasses, never ORM objects.

Case kinds, statuses and meeting kinds are the assistant's meanings (`core.vocabulary`); times
are timezone-aware UTC; phone numbers are E.164.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.vocabulary import OPEN_STATUSES


@dataclass(frozen=True)
class CitizenRecord:
    id: str
    name: str
    phone: str | None  # E.164, e.g. "+4520123456"


@dataclass(frozen=True)
class CaseworkerRecord:
    name: str
    phone: str | None  # E.164
    email: str | None


@dataclass(frozen=True)
class CaseRecord:
    id: str
    kind: str  # one of core.vocabulary.CASE_KINDS
    status: str  # one of core.vocabulary.CASE_STATUSES
    opened_on: date
    ends_on: date | None
    caseworker: CaseworkerRecord | None


@dataclass(frozen=True)
class MeetingRecord:
    id: str
    kind: str  # one of core.vocabulary.MEETING_KINDS
    starts_at: datetime  # timezone-aware, UTC
    location: str | None
    online: bool
    participants: tuple[str, ...]
    cancelled: bool = False  # cancelled meetings are never "coming" and get no reminder


@dataclass(frozen=True)
class SharedNoteRecord:
    """A preparation note the citizen consented to share (also what `SharedNotes.save` stores).

    `answers`: question key -> the citizen's answer as written (None: skipped). `note_text`: the
    note as the caseworker reads it, with Danish headings whatever language the citizen used.
    `language`: the language the citizen used the guide in ("da" or "en"). `citizen_text`: the
    note exactly as the citizen saw it, when that was not Danish (None: `note_text` is it). Notes
    stored before English existed are Danish, with no `citizen_text`.
    """

    meeting_id: str
    answers: dict[str, Any]
    note_text: str
    consented_at: datetime
    language: str = "da"
    citizen_text: str | None = None


@dataclass(frozen=True)
class CitizenBundle:
    """One citizen with their cases and meetings, as the importer writes them."""

    citizen: CitizenRecord
    cases: tuple[CaseRecord, ...] = ()
    meetings: tuple[MeetingRecord, ...] = ()


ENTITIES: tuple[str, ...] = ("citizens", "caseworkers", "cases", "meetings")


@dataclass
class EntityCounts:
    """What an import did to one kind of entity."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def caseworker_identity_key(name: str, phone: str | None, email: str | None) -> str:
    """E-mail (case-insensitive) identifies a caseworker; without one, name + phone does."""
    if email:
        return "email:" + email.strip().casefold()
    return "name-phone:" + " ".join(name.split()).casefold() + "|" + (phone or "")


# --- SMS: what core.store.sms hands out and takes in ------------------------------------------
@dataclass(frozen=True)
class SmsConversationRecord:
    """A conversation's SMS state (the number only for sending; never log it)."""

    id: str  # "sms:" + pseudonym
    msisdn: str  # E.164
    opted_out: bool
    options: tuple[dict[str, str], ...]  # [{"title", "payload"}] of the last SMS with options
    remainder: str | None  # what "MERE" sends next
    rate_notified_at: datetime | None


@dataclass(frozen=True)
class SmsReceived:
    """An SMS as the webhook stores it (`text` None: refused as too long)."""

    provider_id: str  # the gateway's message id with its name, e.g. "gatewayapi:1000001"
    conversation_id: str
    msisdn: str  # E.164
    text: str | None
    received_at: datetime


@dataclass(frozen=True)
class SmsIncomingRecord:
    """One received SMS waiting to be handled (`text` None: refused as too long)."""

    id: int
    conversation_id: str
    text: str | None
    received_at: datetime
    attempts: int


@dataclass(frozen=True)
class SmsReminderRecord:
    """A reminder to deliver, with the meeting as it stands in the case data now."""

    id: int
    conversation_id: str
    meeting_id: str
    meeting_starts_at: datetime  # the time the reminder was scheduled for
    deliver_before: datetime
    state: str
    meeting_kind: str | None = None  # None: the meeting is gone
    meeting_now_starts_at: datetime | None = None
    meeting_location: str | None = None
    meeting_online: bool = False
    meeting_cancelled: bool = False

    def still_valid(self, now: datetime) -> bool:
        """The meeting exists, is not cancelled or moved, has not started; the deadline holds."""
        return (
            self.meeting_kind is not None
            and not self.meeting_cancelled
            and self.meeting_now_starts_at == self.meeting_starts_at
            and now < self.meeting_starts_at
            and now < self.deliver_before
        )


@dataclass(frozen=True)
class SmsOutgoing:
    """An SMS to put in the outbox (already normalised and measured)."""

    text: str
    encoding: str  # GSM or UCS2
    segments: int
    kind: str = "reply"  # reply, reminder, notice, stop_confirmation


@dataclass(frozen=True)
class SmsSendRecord:
    """An outbox row claimed for sending."""

    id: int  # the userref
    conversation_id: str
    msisdn: str  # E.164
    text: str
    encoding: str
    kind: str
    attempts: int  # attempts made before this one


@dataclass(frozen=True)
class SmsDeliveryReport:
    """A delivery status report from the gateway (its `userref` is our outbox id)."""

    outbox_id: int
    msisdn: str  # E.164; must match the outbox row's number
    status: str  # e.g. DELIVERED, ENROUTE, UNDELIVERABLE
    gateway_message_id: str | None
    error: str | None
    code: str | None
    at: datetime


def current_caseworker(cases: Sequence[CaseRecord]) -> CaseworkerRecord | None:
    """The caseworker of the newest open case that has one (cases come newest first)."""
    return next((c.caseworker for c in cases if c.status in OPEN_STATUSES and c.caseworker), None)
