"""log-analyzer (Python, requests 2.31.0 and pandas 2.1.0) against logs a real
HTTP service serves, and backup-verify (Bash) against a real backup folder
with fresh and stale files, listed by Python's http.server."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.samples.http_target import TOKEN, HttpTarget
from tests.samples.library import SampleRunner, covers

pytestmark = pytest.mark.slow

INFO = [
    "2026-12-01T10:00:00Z INFO request served in 12 ms",
    '{"time": "2026-12-01T10:00:01Z", "level": "info", "msg": "error budget 99.9%"}',
    "2026-12-01T10:00:02Z INFO ERRORS_TOTAL=0 all good",
    "2026-12-01T10:00:03Z WARN cache miss ratio high",
]
ERRORS = [
    "2026-12-01T10:00:04Z ERROR db: timeout after 31 ms",
    "2026-12-01T10:00:05Z ERROR db: timeout after 45 ms",
    "2026-12-01T10:00:06Z FATAL worker 7 crashed",
]


def log(infos: int, errors: int) -> str:
    """``infos`` non-error lines and ``errors`` error lines (the db timeout twice as often as the crash)."""
    lines = [INFO[i % len(INFO)] for i in range(infos)] + [ERRORS[i % len(ERRORS)] for i in range(errors)]
    return "\n".join(lines) + "\n\n"


@covers("log-analyzer")
def test_log_analyzer_passes_a_quiet_log(samples: SampleRunner, http_service: HttpTarget) -> None:
    http_service.documents["quiet.log"] = log(infos=97, errors=3)
    token = samples.secret("svc-token", TOKEN)
    run = samples.run("log-analyzer", {"url": f"{http_service.url}/documents/quiet.log", "auth_token": token})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["lines"], out["error_rate"], out["max_error_rate"], out["healthy"]) == (100, 0.03, 0.05, True)
    assert out["levels"] == {"INFO": 73, "WARN": 24, "ERROR": 2, "FATAL": 1}
    assert out["top_errors"] == [{"message": "N ERROR db: timeout after N ms", "count": 2},
                                 {"message": "N FATAL worker N crashed", "count": 1}]
    assert run.lines("✓") == ["✓ 100 lines read (at least 1 expected)",
                              "✓ error rate 3.00% (3 ERROR/FATAL lines), at most 5.00% allowed"]
    assert http_service.seen("/documents/quiet.log")[-1].headers["authorization"] == f"Bearer {TOKEN}"


@covers("log-analyzer")
def test_log_analyzer_fails_a_noisy_log_and_an_unreachable_one(samples: SampleRunner, http_service: HttpTarget) -> None:
    http_service.documents["noisy.log"] = log(infos=40, errors=10)
    run = samples.run("log-analyzer", {"url": f"{http_service.url}/documents/noisy.log", "max_error_rate": 0.1, "top": 1})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    assert (out["lines"], out["error_rate"], out["healthy"]) == (50, 0.2, False)
    assert out["top_errors"] == [{"message": "N ERROR db: timeout after N ms", "count": 7}]
    assert run.lines("✗") == ["✗ error rate 20.00% (10 ERROR/FATAL lines), at most 10.00% allowed"]

    run = samples.run("log-analyzer", {"url": f"{http_service.url}/documents/missing.log"})
    assert run.exit_code == 2 and "404" in run.stdout, run.describe()


# -- backup-verify -----------------------------------------------------------------

HOUR = 3600


def backup(folder: Path, name: str, content: bytes, age_hours: float, checksum: bytes | None = None) -> None:
    """A backup file ``age_hours`` old, with its .sha256 beside it (of ``checksum``'s content when given)."""
    path = folder / name
    path.write_bytes(content)
    digest = hashlib.sha256(checksum if checksum is not None else content).hexdigest()
    (folder / f"{name}.sha256").write_text(f"{digest}  {name}\n")
    when = time.time() - age_hours * HOUR
    os.utime(path, (when, when))


@pytest.fixture(scope="module")
def backups(http_service: HttpTarget) -> dict[str, str]:
    """Three backup folders: healthy (fresh newest, stale older ones), all stale, a corrupt newest."""
    root = http_service.files / "backups"
    shutil.rmtree(root, ignore_errors=True)
    healthy, stale, corrupt = (root / name for name in ("healthy", "stale", "corrupt"))
    for folder in (healthy, stale, corrupt):
        folder.mkdir(parents=True)
        (folder / "README.txt").write_text("not a backup")
        (folder / "older").mkdir()
    backup(healthy, "db-2026-12-02.tar.gz", b"x" * 4096, age_hours=2)
    backup(healthy, "db-2026-11-30.tar.gz", b"y" * 4000, age_hours=50)
    backup(healthy, "db-2026-11-29.tar.gz", b"z" * 3900, age_hours=74)
    backup(stale, "db-2026-11-20.tar.gz", b"x" * 4096, age_hours=30 * 24)
    backup(stale, "db-2026-11-19.tar.gz", b"", age_hours=31 * 24)
    backup(corrupt, "db-2026-12-02.tar.gz", b"truncated", age_hours=1, checksum=b"the whole backup")
    return {name: f"{http_service.files_url}/backups/{name}/" for name in ("healthy", "stale", "corrupt")}


@covers("backup-verify")
def test_backup_verify_passes_a_fresh_intact_backup_folder(samples: SampleRunner, backups: dict[str, str]) -> None:
    run = samples.run("backup-verify", {"backup_url": backups["healthy"], "min_count": 3, "min_size_bytes": 1000})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["healthy"], out["count"], out["checksum"], out["too_small"]) == (True, 3, "ok", [])
    assert out["newest"]["name"] == "db-2026-12-02.tar.gz" and 1.9 <= out["newest"]["age_hours"] <= 2.2
    assert out["newest"]["size_bytes"] == 4096
    assert sorted(out["stale"]) == ["db-2026-11-29.tar.gz", "db-2026-11-30.tar.gz"]  # older ones are kept, and said
    assert [line.split(",")[0] for line in run.lines("✓")] == [
        "✓ 3 backups match '.*\\.(tar\\.gz|tgz|zip|dump|sql\\.gz)$' (at least 3 needed)",
        "✓ the newest backup", f"✓ db-2026-12-02.tar.gz matches its SHA-256 ({hashlib.sha256(b'x' * 4096).hexdigest()})"]


@covers("backup-verify")
def test_backup_verify_fails_stale_small_and_corrupt_backups(samples: SampleRunner, backups: dict[str, str]) -> None:
    run = samples.run("backup-verify", {"backup_url": backups["stale"], "min_count": 3})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    assert (out["healthy"], out["count"], out["too_small"]) == (False, 2, ["db-2026-11-19.tar.gz"])
    assert out["newest"]["name"] == "db-2026-11-20.tar.gz" and out["newest"]["age_hours"] >= 30 * 24 - 1
    assert len(out["problems"]) == 3 and len(run.lines("✗")) == 3

    run = samples.run("backup-verify", {"backup_url": backups["corrupt"]})
    assert run.exit_code == 1, run.describe()
    assert (run.outputs["checksum"], run.outputs["problems"]) == ("mismatch", ["db-2026-12-02.tar.gz does not match its .sha256 file"])

    run = samples.run("backup-verify", {"backup_url": backups["healthy"].replace("/healthy/", "/nowhere/")})
    assert run.exit_code == 2 and "cannot read the backup folder" in run.stdout, run.describe()
