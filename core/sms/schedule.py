"""When a meeting reminder may go out: N days before the meeting's date, within allowed hours.

Rule (municipality settings, `sms` section; Copenhagen wall-clock time):
- the reminder is due from `reminder_from_hour` on the date `reminder_days_before` days before
  the meeting's date (meeting Tuesday 8 December 10.00, 3 days, 9-19: from Saturday 5 December
  9.00); a meeting booked later than that gets its reminder at once (within the hours);
- it goes out only between `reminder_from_hour` and `reminder_until_hour`: one due at night
  waits for the morning;
- never once the meeting has started.

The deadline `deliver_before` is the end of the allowed hours of the day it was scheduled (or the
meeting's start, when sooner): a reminder not handed to the gateway by then is not sent at night,
but scheduled again by the next run in the allowed hours.

Must not: read the clock (callers pass `now`; `core.clock.utc_now` in production).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Protocol

from core.clock import LOCAL_TZ, local_time, require_aware


class ReminderPractice(Protocol):
    reminder_days_before: int
    reminder_from_hour: int
    reminder_until_hour: int


def _local_hour(day: datetime, hour: int) -> datetime:
    """`hour` o'clock (0-24) on the local date of `day`, as an aware Copenhagen time."""
    midnight = datetime.combine(local_time(day).date(), time(0), tzinfo=LOCAL_TZ)
    return (midnight.replace(tzinfo=None) + timedelta(hours=hour)).replace(tzinfo=LOCAL_TZ)


def opens_at(starts_at: datetime, practice: ReminderPractice) -> datetime:
    """The first moment the reminder for a meeting at `starts_at` may go out."""
    first_day = local_time(require_aware(starts_at, "starts_at")) - timedelta(
        days=practice.reminder_days_before
    )
    return _local_hour(first_day, practice.reminder_from_hour)


def within_hours(now: datetime, practice: ReminderPractice) -> bool:
    """True when `now` is inside the allowed hours (Copenhagen time)."""
    return (
        _local_hour(now, practice.reminder_from_hour) <= now < _local_hour(now, practice.reminder_until_hour)
    )


def is_due(starts_at: datetime, now: datetime, practice: ReminderPractice) -> bool:
    """True when the reminder for a meeting at `starts_at` may go out at `now`."""
    require_aware(now, "now")
    return opens_at(starts_at, practice) <= now < starts_at and within_hours(now, practice)


def deliver_before(starts_at: datetime, now: datetime, practice: ReminderPractice) -> datetime:
    """The end of today's allowed hours at `now`, or the meeting's start when that is sooner."""
    return min(_local_hour(now, practice.reminder_until_hour), starts_at)
