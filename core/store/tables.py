"""Every table of the store in one place, for the Alembic migrations (`migrations/env.py` reads
`Base.metadata`) and for tests that build rows directly.

The tables live with their area: core/store/cases/tables.py, core/store/sms/tables.py,
core/store/review/tables.py and core/store/rate_limits.py, on the shared base of
core/store/base.py. The application's own modules import them from there, not from here.

Must not: define tables or query anything.
"""

from __future__ import annotations

from core.store.base import NAMING_CONVENTION, Base, UTCDateTime
from core.store.cases.tables import Case, Caseworker, Citizen, Meeting, SharedNote
from core.store.rate_limits import RateLimitCounter
from core.store.review.tables import (
    SEARCH_VECTOR_SQL,
    ReviewAccount,
    ReviewAudit,
    ReviewAuditPurgePermit,
    ReviewAuditSubject,
    ReviewComment,
    ReviewConversation,
    ReviewCorrection,
    ReviewIndexState,
    ReviewLoginFailure,
    ReviewMark,
    ReviewMessage,
    ReviewSession,
    SearchVector,
)
from core.store.sms.tables import SmsConversation, SmsInbox, SmsOutbox, SmsReminder

__all__ = [
    "NAMING_CONVENTION",
    "SEARCH_VECTOR_SQL",
    "Base",
    "Case",
    "Caseworker",
    "Citizen",
    "Meeting",
    "RateLimitCounter",
    "ReviewAccount",
    "ReviewAudit",
    "ReviewAuditPurgePermit",
    "ReviewAuditSubject",
    "ReviewComment",
    "ReviewConversation",
    "ReviewCorrection",
    "ReviewIndexState",
    "ReviewLoginFailure",
    "ReviewMark",
    "ReviewMessage",
    "ReviewSession",
    "SearchVector",
    "SharedNote",
    "SmsConversation",
    "SmsInbox",
    "SmsOutbox",
    "SmsReminder",
    "UTCDateTime",
]
