"""The REST bodies and the record of webhook triggers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class WebhookCreate(BaseModel):
    """A URL that starts one script or workflow; its secret is in the answer, once."""

    model_config = ConfigDict(extra="forbid")

    script_id: str | None = Field(default=None, max_length=300, description="A script: id, name or owner/name.")
    workflow_id: str | None = Field(default=None, max_length=300, description="Or a workflow's id.")
    name: str = Field(min_length=1, max_length=200, description="What calls it (a pipeline, a repository).")
    version: str | None = Field(default=None, max_length=40, description="The version to run (default: the latest at each call).")

    @model_validator(mode="after")
    def _one_target(self) -> "WebhookCreate":
        if (self.script_id is None) == (self.workflow_id is None):
            raise ValueError("give exactly one of script_id and workflow_id")
        return self


class WebhookRecord(BaseModel):
    id: str
    name: str
    owner: str
    script_id: str | None
    workflow_id: str | None
    target_name: str = Field(description="The script's or workflow's name.")
    version: str | None
    url: str = Field(description="POST here (Authorization: token <secret>, or X-Hub-Signature-256) to start a run.")
    revoked: bool
    created_at: str
    rotated_at: str | None
    revoked_at: str | None
    last_used_at: str | None
    secret: str | None = Field(default=None, description="Only in the answer to create and rotate: it is stored hashed, "
                                                         "and cannot be shown again.")
    signing_key: str | None = Field(default=None, description="Only with the secret: the HMAC-SHA256 key of "
                                    "X-Hub-Signature-256 (the secret's SHA-256 in hex, the one value the server keeps).")
