"""/workspace: scripts as real files JupyterLab's editor opens; /templates: starting points for a new script."""

from __future__ import annotations

from ..registry.errors import ValidationFailed
from ..samples import list_templates
from ..workspace import LocalEdits, Workspace
from .base import StellaHandler as _StellaHandler


class StellaHandler(_StellaHandler):
    @property
    def stella_workspace(self) -> Workspace:
        return self.settings["stellascript_workspace"]


class WorkspaceHandler(StellaHandler):
    def get(self) -> None:
        """Where the workspace is (relative to the root dir) and, with ?path=, the script a file belongs to."""
        workspace = self.stella_workspace
        path = self.get_query_argument("path", None)
        body = {"workspace_dir": workspace.relative_dir}
        if path is not None:
            body["file"] = workspace.describe(path)
        self.send_json(body)


class CheckoutHandler(StellaHandler):
    def post(self) -> None:
        body = self.json_body()
        script_id, version, overwrite = body.get("script_id"), body.get("version"), body.get("overwrite", False)
        problems = []
        if not isinstance(script_id, str) or not script_id:
            problems.append({"field": "script_id", "message": "script_id is required"})
        if version is not None and not isinstance(version, str):
            problems.append({"field": "version", "message": "version must be text such as 1.0.2"})
        if not isinstance(overwrite, bool):
            problems.append({"field": "overwrite", "message": "overwrite must be true or false"})
        if problems:
            raise ValidationFailed(problems)
        try:
            self.send_json(self.stella_workspace.checkout(self.caller, script_id, version, overwrite).to_dict())
        except LocalEdits as error:
            # The path lets the panel open the file as it is, edits and all.
            self.send_json({"status": 409, "message": str(error), "path": error.path}, status=409)


class SaveHandler(StellaHandler):
    def post(self) -> None:
        body = self.json_body()
        bump = body.get("version_bump", "patch")
        self.send_json(self.stella_workspace.save(self.caller, body.get("path"), bump))


class TemplatesHandler(_StellaHandler):
    def get(self) -> None:
        self.send_json({"items": list_templates()})
