"""The plain records of the review app's store: frozen dataclasses, never ORM objects.

Times are timezone-aware UTC. A `Reader` is who is asking (an account, as the review app signed
it in); the store decides with it which conversations a query may return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

ROLE_CASEWORKER = "caseworker"
ROLE_ADMIN = "admin"
ROLES: tuple[str, ...] = (ROLE_CASEWORKER, ROLE_ADMIN)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    email: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    has_password: bool

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


@dataclass(frozen=True)
class SignedIn:
    """A valid session: the account and the session's CSRF token."""

    account: Account
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Reader:
    """Who reads: administrators see everything; a caseworker anonymous and own citizens' conversations."""

    username: str
    role: str
    email: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


@dataclass(frozen=True)
class ConversationFilter:
    """What the conversation list shows (every field optional)."""

    flags: frozenset[str] = frozenset()  # core.conversation_events.FLAGS
    channel: str | None = None
    date_from: date | None = None  # Copenhagen dates, inclusive
    date_to: date | None = None
    search: str | None = None
    identified: bool | None = None
    reviewed: bool | None = None


@dataclass(frozen=True)
class ConversationRow:
    id: str
    channel: str
    started_at: datetime
    last_event_at: datetime
    message_count: int
    citizen_id: str | None
    citizen_name: str | None
    identity_mixed: bool
    unsure: bool
    handoff: bool
    crisis: bool
    note_shared: bool
    reviewed: bool

    @property
    def identified(self) -> bool:
        return self.citizen_id is not None or self.identity_mixed


@dataclass(frozen=True)
class ConversationPage:
    rows: tuple[ConversationRow, ...]
    page: int
    per_page: int
    has_next: bool


@dataclass(frozen=True)
class Comment:
    username: str
    created_at: datetime
    text: str


@dataclass(frozen=True)
class Correction:
    event_id: int
    message_text: str
    predicted: str | None
    topic: str
    username: str
    created_at: datetime


@dataclass(frozen=True)
class ReviewState:
    """The caseworkers' work on one conversation."""

    reviewed_by: str | None
    reviewed_at: datetime | None
    comments: tuple[Comment, ...]
    corrections: tuple[Correction, ...]


@dataclass(frozen=True)
class SharedNoteView:
    meeting_id: str
    meeting_starts_at: datetime
    meeting_kind: str
    note_text: str  # as the caseworker reads it: Danish headings, the citizen's answers as written
    consented_at: datetime
    language: str = "da"  # the language the citizen used the guide in


@dataclass(frozen=True)
class UpcomingMeeting:
    citizen_id: str
    citizen_name: str
    meeting_id: str
    kind: str
    starts_at: datetime
    location: str | None
    online: bool
    note: SharedNoteView | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    username: str
    role: str
    action: str
    conversation_id: str | None
    detail: str
    client: str
    citizen_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DayStats:
    day: date
    conversations: int
    unsure: int
    handoffs: int

    @property
    def unsure_rate(self) -> float:
        return self.unsure / self.conversations if self.conversations else 0.0


@dataclass(frozen=True)
class Overview:
    days: tuple[DayStats, ...]
    topics: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class PurgeReport:
    conversations_deleted: int = 0
    conversations_trimmed: int = 0
    events_deleted: int = 0
    notes_deleted: int = 0
    audit_rows_deleted: int = 0
    sessions_deleted: int = 0
    details: dict[str, int] = field(default_factory=dict)
