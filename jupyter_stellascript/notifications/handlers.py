"""REST: notification settings of scripts and workflows, and GET notifications/deliveries."""

from __future__ import annotations

from ..handlers.base import StellaHandler
from .models import NotificationSettingsBody


class _SettingsHandler(StellaHandler):
    kind = "script"

    def get(self, source_id: str) -> None:
        self.send_json(self.stella.notification_settings.get(self.caller, self.kind, source_id))

    def put(self, source_id: str) -> None:
        self.send_json(self.stella.notification_settings.replace(self.caller, self.kind, source_id,
                                                                 self.parse(NotificationSettingsBody)))


class ScriptNotificationsHandler(_SettingsHandler):
    kind = "script"


class WorkflowNotificationsHandler(_SettingsHandler):
    kind = "workflow"


class DeliveriesHandler(StellaHandler):
    def get(self) -> None:
        items, total = self.stella.notification_settings.deliveries(
            self.caller, run_id=self.get_query_argument("run_id", None), source_id=self.get_query_argument("source_id", None),
            limit=self.query_int("limit", 50), offset=self.query_int("offset", 0))
        self.send_json({"items": items, "total": total})


def notification_routes(prefix: str) -> list[tuple[str, type]]:
    return [
        (rf"{prefix}/scripts/(?P<source_id>[^/]+)/notifications/?", ScriptNotificationsHandler),
        (rf"{prefix}/workflows/(?P<source_id>[^/]+)/notifications/?", WorkflowNotificationsHandler),
        (rf"{prefix}/notifications/deliveries/?", DeliveriesHandler),
    ]
