"""Secrets in the database, and the REST bodies that make and change them.

A value is stored only as a Fernet token (crypto.py); names, visibility and
versions are plain. A secret's name is unique per owner; ``owner/name`` names
one secret whoever asks.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, iso_utc, utcnow

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
_NAME = re.compile(NAME_PATTERN)
# An owner is a user name (as the identity provider gives it); the reference is owner/name.
REFERENCE_PATTERN = r"^(?:[^/\s]{1,200}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
ENV_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
MAX_VALUE_BYTES = 64 * 1024
# What one run may ask for: the files are a 1 MiB tmpfs, charged to the run's memory.
MAX_SECRETS_PER_RUN = 16


class SecretVisibility(str, enum.Enum):
    """Who may use a secret (never read its value through the API: nobody may).

    private: its owner; team: members of its team; organization: any
    authenticated user. There is no public secret. Admins may use all.
    """

    PRIVATE = "private"
    TEAM = "team"
    ORGANIZATION = "organization"


class SecretRow(Base):
    __tablename__ = "secrets"
    __table_args__ = (UniqueConstraint("owner", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))

    def metadata_view(self) -> dict:
        return SecretMetadata(
            name=self.name, owner=self.owner, reference=f"{self.owner}/{self.name}", description=self.description or "",
            visibility=SecretVisibility(self.visibility), team=self.team, version=self.version,
            created_at=iso_utc(self.created_at), updated_at=iso_utc(self.updated_at), updated_by=self.updated_by,
        ).model_dump(mode="json")


class SecretKeyCheck(Base):
    """One value encrypted under the current key: a wrong key file fails to decrypt it."""

    __tablename__ = "secret_key_check"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary)


def _value(text: str) -> str:
    if not text:
        raise ValueError("the value must not be empty")
    if "\0" in text:
        raise ValueError("the value must not contain NUL characters")
    if len(text.encode("utf-8")) > MAX_VALUE_BYTES:
        raise ValueError(f"the value is larger than {MAX_VALUE_BYTES} bytes")
    return text


SecretName = Annotated[str, Field(pattern=NAME_PATTERN, description="Letters, digits, _ . - (at most 100; first a letter or digit); unique per owner.")]
SecretReference = Annotated[str, Field(pattern=REFERENCE_PATTERN, description="A secret's name, or owner/name.")]
# The value is write-only: no answer ever contains it (nor its length).
SecretValue = Annotated[str, AfterValidator(_value), Field(description=f"The value (write-only), at most {MAX_VALUE_BYTES} bytes of UTF-8.",
                                                            json_schema_extra={"writeOnly": True, "format": "password"})]
Description = Annotated[str, Field(max_length=2000)]
TeamName = Annotated[str, Field(min_length=1, max_length=200)]
EnvName = Annotated[str, Field(pattern=ENV_PATTERN)]


class SecretCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SecretName
    value: SecretValue
    visibility: SecretVisibility = SecretVisibility.PRIVATE
    team: TeamName | None = Field(default=None, description="For team visibility: one of your teams (default: your only team).")
    description: Description = ""


class SecretReplace(BaseModel):
    """A new value (a new version); left out, the other fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    value: SecretValue
    visibility: SecretVisibility | None = None
    team: TeamName | None = None
    description: Description | None = None


class SecretMetadata(BaseModel):
    """A secret as the API shows it: everything but its value."""

    name: str
    owner: str
    reference: str = Field(description="owner/name: names this secret for anyone who may use it.")
    description: str
    visibility: SecretVisibility
    team: str | None
    version: int = Field(description="1 when created, one more with every PUT; execution records name the version a run used.")
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    updated_at: str = Field(json_schema_extra={"format": "date-time"})
    updated_by: str


def is_name(text: str) -> bool:
    return bool(_NAME.match(text))
