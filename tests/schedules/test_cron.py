"""Cron in a zone, as croniter documents daylight-saving changes."""

from __future__ import annotations

from datetime import datetime, timezone

from jupyter_stellascript.schedules.cron import CronSchedule, cron_problem, zone_problem


def test_six_fields_have_seconds_first_and_names_work():
    assert cron_problem("*/10 * * * * *") is None and cron_problem("0 9 * jan-mar mon-fri") is None
    every_ten = CronSchedule("*/10 * * * * *", "UTC").upcoming(datetime(2026, 1, 1, tzinfo=timezone.utc), 2)
    assert [moment.second for moment in every_ten] == [10, 20]
    assert "7" in cron_problem("* * * * * * 2030") and zone_problem("Nowhere/City")


def test_a_time_skipped_by_daylight_saving_runs_after_the_gap():
    # Europe/Berlin skips 02:00-03:00 on 2026-03-29.
    runs = CronSchedule("30 2 * * *", "Europe/Berlin").upcoming(datetime(2026, 3, 27, 12, tzinfo=timezone.utc), 3)
    assert [(run.day, run.hour, run.minute) for run in runs] == [(28, 2, 30), (29, 3, 0), (30, 2, 30)]
    assert runs[0].utcoffset().total_seconds() == 3600 and runs[2].utcoffset().total_seconds() == 7200


def test_a_time_that_happens_twice_runs_at_both_instants():
    # New York goes back from 02:00 EDT to 01:00 EST on 2026-11-01: 01:30 happens twice.
    runs = CronSchedule("30 1 * * *", "America/New_York").upcoming(datetime(2026, 10, 31, 12, tzinfo=timezone.utc), 3)
    utc = [run.astimezone(timezone.utc) for run in runs]
    assert [(moment.day, moment.hour) for moment in utc] == [(1, 5), (1, 6), (2, 6)]
    assert all((run.hour, run.minute) == (1, 30) for run in runs)
