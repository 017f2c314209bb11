"""scripts/samples: the sample library (list, read, clone)."""

from __future__ import annotations

from ..handlers.base import StellaHandler
from .manager import SampleLibrary
from .models import SampleClone


class _SamplesHandler(StellaHandler):
    @property
    def library(self) -> SampleLibrary:
        return self.stella.samples


class SamplesHandler(_SamplesHandler):
    def get(self) -> None:
        listing = self.library.list(language=self.get_query_argument("language", None) or None,
                                    category=self.get_query_argument("category", None) or None)
        self.send_json(listing.model_dump(mode="json"))


class SampleHandler(_SamplesHandler):
    def get(self, sample_id: str) -> None:
        self.send_json(self.library.get(sample_id).model_dump(mode="json"))


class SampleCloneHandler(_SamplesHandler):
    def post(self, sample_id: str) -> None:
        body = self.parse(SampleClone)
        script = self.library.clone(self.caller, sample_id, body)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/stellascript/api/v1/scripts/{script['id']}")
        self.set_header("ETag", f'"{script["version"]}"')
        self.send_json(script, status=201)


def sample_routes(prefix: str) -> list[tuple[str, type]]:
    """Before scripts/{script_id}: "samples" is not a script id."""
    sample = r"(?P<sample_id>[^/]+)"
    return [
        (rf"{prefix}/scripts/samples/?", SamplesHandler),
        (rf"{prefix}/scripts/samples/{sample}/?", SampleHandler),
        (rf"{prefix}/scripts/samples/{sample}/clone/?", SampleCloneHandler),
    ]
