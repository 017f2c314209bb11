"""Cron expressions, evaluated by croniter in the schedule's IANA time zone.

Five fields (minute hour day-of-month month day-of-week), or six with seconds
first (as Windmill and Quartz write them: ``*/10 * * * * *`` is every ten
seconds), with names (``jan``, ``mon``) and ranges. Occurrences are computed
from a zone-aware ``datetime`` (zoneinfo), the way croniter's "About DST"
documents: across a daylight-saving change, a wall-clock time that does not
exist is moved past the gap, and one that happens twice (clocks going back)
occurs at both instants (tests/schedules/test_cron.py pins both).
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from croniter.croniter import CroniterError

MAX_CRON_LENGTH = 200


def cron_problem(expression: str) -> str | None:
    """What is wrong with ``expression``, or None."""
    fields = expression.split()
    if len(fields) not in (5, 6):
        return f"a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first), not {len(fields)}"
    try:
        iterator = croniter(expression, datetime(2026, 1, 1, tzinfo=timezone.utc), second_at_beginning=len(fields) == 6)
    except Exception as error:  # croniter's parser raises several types; any of them means "not valid"
        return f"not a valid cron expression: {error}"
    try:
        iterator.get_next(datetime)
    except CroniterError:
        return "the expression matches no date (such as February 30th)"
    return None


def zone_problem(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones, such as "America"
        return f"{name!r} is not an IANA time zone (such as UTC, Europe/Berlin, America/New_York)"
    return None


class CronSchedule:
    """The occurrences of one expression in one zone."""

    def __init__(self, expression: str, zone: str) -> None:
        self.expression = " ".join(expression.split())
        self.zone = ZoneInfo(zone)
        self.with_seconds = len(self.expression.split()) == 6

    def after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (zone-aware), in the schedule's zone."""
        start = moment.astimezone(self.zone)
        return croniter(self.expression, start, second_at_beginning=self.with_seconds).get_next(datetime)

    def next_epoch(self, after_epoch: float) -> int:
        """The first occurrence after a Unix time, as Unix seconds."""
        return int(self.after(datetime.fromtimestamp(after_epoch, timezone.utc)).timestamp())

    def upcoming(self, moment: datetime, count: int) -> list[datetime]:
        found, cursor = [], moment
        for _ in range(count):
            cursor = self.after(cursor)
            found.append(cursor)
        return found
