"""REST: /schedules. Thin: parse, manager, serialize."""

from __future__ import annotations

from ..handlers.base import StellaHandler
from .models import ScheduleCreate, ScheduleUpdate

_ID = r"(?P<schedule_id>[^/]+)"


class _Schedules(StellaHandler):
    @property
    def schedules(self):
        return self.stella.schedules


class SchedulesHandler(_Schedules):
    def get(self) -> None:
        items, total = self.schedules.list(self.caller, limit=self.query_int("limit", 50), offset=self.query_int("offset", 0),
                                           script_id=self.get_query_argument("script_id", None),
                                           workflow_id=self.get_query_argument("workflow_id", None))
        self.send_json({"items": items, "total": total})

    def post(self) -> None:
        schedule = self.schedules.create(self.caller, self.parse(ScheduleCreate))
        self.set_header("Location", f"{self.request.path.rstrip('/')}/{schedule['id']}")
        self.send_json(schedule, status=201)


class ScheduleHandler(_Schedules):
    def get(self, schedule_id: str) -> None:
        self.send_json(self.schedules.get(self.caller, schedule_id))

    def put(self, schedule_id: str) -> None:
        self.send_json(self.schedules.update(self.caller, schedule_id, self.parse(ScheduleUpdate)))

    def delete(self, schedule_id: str) -> None:
        self.schedules.delete(self.caller, schedule_id)
        self.set_status(204)
        self.finish()


class PauseHandler(_Schedules):
    def post(self, schedule_id: str) -> None:
        self.send_json(self.schedules.set_enabled(self.caller, schedule_id, False))


class ResumeHandler(_Schedules):
    def post(self, schedule_id: str) -> None:
        self.send_json(self.schedules.set_enabled(self.caller, schedule_id, True))


class ScheduleRunNowHandler(_Schedules):
    def post(self, schedule_id: str) -> None:
        self.send_json(self.schedules.run_now(self.caller, schedule_id), status=202)


class ScheduleRunsHandler(_Schedules):
    """The schedule's history: each occurrence handled and its run's status, newest first."""

    def get(self, schedule_id: str) -> None:
        items, total = self.schedules.runs(self.caller, schedule_id, limit=self.query_int("limit", 50),
                                           offset=self.query_int("offset", 0))
        self.send_json({"items": items, "total": total})


def schedule_routes(prefix: str) -> list[tuple[str, type]]:
    return [
        (rf"{prefix}/schedules/?", SchedulesHandler),
        (rf"{prefix}/schedules/{_ID}/?", ScheduleHandler),
        (rf"{prefix}/schedules/{_ID}/pause/?", PauseHandler),
        (rf"{prefix}/schedules/{_ID}/resume/?", ResumeHandler),
        (rf"{prefix}/schedules/{_ID}/run-now/?", ScheduleRunNowHandler),
        (rf"{prefix}/schedules/{_ID}/runs/?", ScheduleRunsHandler),
    ]
