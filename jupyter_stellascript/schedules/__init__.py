"""Schedules (issue 17): cron occurrences of a script or a workflow, run as their owner.

cron.py (croniter in an IANA zone), models.py (REST bodies and records),
tables.py, firing.py (who fires each occurrence: a claim in the database),
manager.py (CRUD, pause/resume, run-now, history), handlers.py (REST).
"""

from .firing import ScheduleFiring
from .manager import Schedules

__all__ = ["ScheduleFiring", "Schedules"]
