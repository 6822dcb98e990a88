"""The audit log as CSV: what `python -m bot audit-export` prints and administrators download.

One line per entry, oldest first: tidspunkt (Copenhagen time, ISO 8601), bruger, rolle, handling,
samtale, borgere (the citizens whose data it showed, separated by spaces), detaljer, fra (client
address). A citizen's own export (`--citizen ID`) is what they are entitled to see about who read
their conversations.

Must not: read the database (callers pass the entries).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from core.clock import LOCAL_TZ
from core.review_records import AuditEntry

HEADER = ("tidspunkt", "bruger", "rolle", "handling", "samtale", "borgere", "detaljer", "fra")


def _safe_cell(value: str) -> str:
    """No spreadsheet formulas: a cell starting with = + - @ gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """The CSV text, header first, one chunk per entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    yield buffer.getvalue()
    for entry in entries:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                entry.at.astimezone(LOCAL_TZ).isoformat(timespec="seconds"),
                _safe_cell(entry.username),
                entry.role,
                entry.action,
                _safe_cell(entry.conversation_id or ""),
                " ".join(entry.citizen_ids),
                _safe_cell(entry.detail),
                entry.client,
            ]
        )
        yield buffer.getvalue()
