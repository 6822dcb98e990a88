"""Time: the current instant, the municipality's time zone and checks for aware datetimes.

Owns `utc_now()` (the one clock; tests monkeypatch `core.clock.utc_now`), `LOCAL_TZ`
(Europe/Copenhagen: every time a citizen reads is Copenhagen wall-clock time) and
`require_aware()`, which refuses a naive datetime wherever an instant is stored or compared.

Must not: format times for citizens (that is `actions.wording`) or read settings.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


def utc_now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(timezone.utc)


def require_aware(moment: datetime, name: str = "moment") -> datetime:
    """`moment` unchanged when it carries a UTC offset; ValueError for a naive datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"`{name}` must be a timezone-aware datetime")
    return moment


def local_time(moment: datetime) -> datetime:
    """`moment` (aware, any offset) as Copenhagen wall-clock time."""
    return require_aware(moment).astimezone(LOCAL_TZ)


def local_today(now: datetime) -> date:
    """Today's date in Copenhagen at the aware instant `now`."""
    return local_time(now).date()
