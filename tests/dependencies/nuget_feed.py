"""A local NuGet folder feed holding packages the tests build themselves:
each package's C# is compiled by the real mcs into a library and packed by
the real ``nuget pack`` (Debian's NuGet 2.8), in a container of the C#
runtime image (nuget.org is not reachable from these machines)."""

from __future__ import annotations

import shlex
import uuid
from pathlib import Path

import docker

from jupyter_stellascript.dependencies import DependencySettings, ResolveContext
from jupyter_stellascript.dependencies.base import run_tool

CSHARP_IMAGE = "stella-runtime/csharp:latest"


def unique_id(prefix: str) -> str:
    """A package id no other test (or earlier session) published."""
    return f"{prefix}.T{uuid.uuid4().hex[:8]}"


class NuGetFeed:
    def __init__(self, root: Path, client: docker.DockerClient) -> None:
        self.root = root
        self.folder = root / "feed"
        self.client = client
        (root / "builds").mkdir(parents=True, exist_ok=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in (root, root / "builds", self.folder):
            path.chmod(0o777)  # the packer runs as the unprivileged user

    def publish(self, package_id: str, version: str, code: str, dependencies: dict[str, str] | None = None) -> Path:
        """Compile ``code`` into ``<package_id>.dll`` (referencing the
        libraries of its dependencies, published before) and pack it with
        a .nuspec declaring ``dependencies`` (id -> minimum version)."""
        dependencies = dependencies or {}
        build = f"/out/builds/{package_id}.{version}"
        # Compiled against any published build of each dependency (they share their API).
        references = [f"-r:/out/{next((self.root / 'builds').glob(f'{d}.*/lib/net45/{d}.dll')).relative_to(self.root)}"
                      for d in dependencies]
        nuspec = (
            '<?xml version="1.0"?>\n<package><metadata>'
            f"<id>{package_id}</id><version>{version}</version><authors>Stella Script tests</authors>"
            f"<description>{package_id}, built by the tests</description>"
            + ("<dependencies>" + "".join(f'<dependency id="{d}" version="{v}" />' for d, v in dependencies.items())
               + "</dependencies>" if dependencies else "")
            + f'</metadata><files><file src="lib/net45/{package_id}.dll" target="lib/net45" /></files></package>\n'
        )
        build_dir = self.root / "builds" / f"{package_id}.{version}"
        build_dir.mkdir()
        build_dir.chmod(0o777)
        (build_dir / "Library.cs").write_text(code)
        (build_dir / f"{package_id}.nuspec").write_text(nuspec)
        script = (
            f"set -e; cd {build}; mkdir -p lib/net45; "
            f"{shlex.join(['mcs', '-nologo', '-target:library', f'-out:lib/net45/{package_id}.dll', *references, 'Library.cs'])}; "
            f"nuget pack {package_id}.nuspec -OutputDirectory /out/feed -NonInteractive"
        )
        context = ResolveContext(self.client, CSHARP_IMAGE, DependencySettings(timeout_s=120))
        run = run_tool(context, ["sh", "-c", script], workdir=self.root, what="nuget pack", source=str(self.folder))
        package = self.folder / f"{package_id}.{version}.nupkg"
        assert run.exit_code == 0 and package.is_file(), run.output
        return package
