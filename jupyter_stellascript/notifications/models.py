"""Notification rules (what scripts, workflows and schedules take) and the delivery record."""

from __future__ import annotations

import re
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# ${{ secrets.NAME }} (or owner/NAME) inside a webhook URL: resolved for the rule's owner at delivery.
SECRET_IN_URL = re.compile(r"\$\{\{\s*secrets\.([A-Za-z0-9][A-Za-z0-9_./-]{0,200})\s*\}\}")
URL_PATTERN = r"^https?://\S+$"
MAX_RULES = 20


class NotificationEvent(str, Enum):
    FAILURE = "failure"
    RECOVERY = "recovery"
    SUCCESS = "success"
    START = "start"


class WebhookFormat(str, Enum):
    JSON = "json"
    SLACK = "slack"


class NotificationRule(BaseModel):
    """``{on, webhook, format}`` posts to a URL; ``{on, run}`` starts a handler run of a script (or a
    workflow with ``run_kind: workflow``) whose arguments name the run that it is about."""

    model_config = ConfigDict(extra="forbid")

    on: list[NotificationEvent] = Field(min_length=1, max_length=4, description="When: failure, recovery (the first "
                                        "success after failures), success, start.")
    webhook: str | None = Field(default=None, max_length=2000,
                                description="An http(s) URL; ${{ secrets.NAME }} in it is the secret's value (masked in the delivery log).")
    format: WebhookFormat = Field(default=WebhookFormat.JSON, description="json: the event as an object; slack: {text, blocks}.")
    run: str | None = Field(default=None, max_length=300, description="A handler: a script (id, name or owner/name) or, "
                            "with run_kind workflow, a workflow id.")
    run_kind: str = Field(default="script", pattern="^(script|workflow)$")

    @field_validator("webhook")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(URL_PATTERN, SECRET_IN_URL.sub("secret", value)):
            raise ValueError("must be an http:// or https:// URL without blanks (secrets as ${{ secrets.NAME }})")
        return value

    @model_validator(mode="after")
    def _one_channel(self) -> "NotificationRule":
        if (self.webhook is None) == (self.run is None):
            raise ValueError("give exactly one of webhook and run")
        return self


Rules = list[NotificationRule]


class NotificationSettingsBody(BaseModel):
    """PUT scripts/{id}/notifications or workflows/{id}/notifications: replaces the rules."""

    model_config = ConfigDict(extra="forbid")

    notifications: list[NotificationRule] = Field(default_factory=list, max_length=MAX_RULES)


class DeliveryRecord(BaseModel):
    id: int
    source_kind: str = Field(description="script, workflow or schedule: whose rule it is.")
    source_id: str
    event: NotificationEvent
    run_kind: str = Field(description="execution or workflow_run")
    run_id: str
    channel: str = Field(description="webhook or run")
    target: str = Field(description="The URL with secrets masked (***), or the handler's reference.")
    format: str | None
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    response_status: int | None
    error: str | None
    handler_run_id: str | None
    created_at: str
    completed_at: str | None
