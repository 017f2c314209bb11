"""An execution backend of the tests' own, for c.StellaScript.backend_class.

It runs nothing in a container: it "runs" a request by describing it, which
shows what the server handed its backend (the policy's defaults filled in).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

from jupyter_stellascript.execution.backend import ExecutionBackend
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionResult, ExecutionStatus
from jupyter_stellascript.languages import get_language


class DescribingBackend(ExecutionBackend):
    def __init__(self, config, policy) -> None:
        super().__init__(config, policy)
        self.started = threading.Event()

    def start(self) -> None:
        self.started.set()

    def execute(self, request: ExecutionRequest, on_output=None, cancelled=None, on_progress=None) -> ExecutionResult:
        request = self.policy.resolve(request)
        described = json.dumps({
            "backend": type(self).__name__, "language": request.language, "entry_point": request.entry_point,
            "arguments": request.arguments, "timeout_s": request.timeout_s, "network_mode": request.network_mode.value,
            "memory_bytes": request.memory_bytes, "check_only": request.check_only,
        }) + "\n"
        if on_output is not None:
            on_output("stdout", described.encode())
        now = datetime.now(timezone.utc)
        language = get_language(request.language)
        return ExecutionResult(
            status=ExecutionStatus.SUCCEEDED, exit_code=0, stdout=described, stderr="", started_at=now, completed_at=now,
            duration_ms=0, language=request.language, image="none", image_id="none",
            limits=self.policy.limits_for(language, request.memory_bytes, request.cpus), network_mode=request.network_mode,
        )

    def health(self) -> dict:
        return {"engine": "ready" if self.started.is_set() else "starting", "backend": type(self).__name__}
