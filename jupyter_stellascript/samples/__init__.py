"""Starting points: the sample library (``samples/``, its manifest
``samples/samples.toml``) users clone, and one template per language for a new script."""

from .catalog import SampleCatalog, SampleManifestError, samples_dir
from .manager import SampleLibrary
from .templates import list_templates, templates_dir

__all__ = ["SampleCatalog", "SampleLibrary", "SampleManifestError", "list_templates", "samples_dir", "templates_dir"]
