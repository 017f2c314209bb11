"""``stellascript runtimes``: the runtime images, one per language."""

from __future__ import annotations

import click

from .common import EXIT_ENGINE_ERROR, fail


@click.group()
def runtimes() -> None:
    """The runtime images, one per language."""


@runtimes.command("build")
@click.argument("languages", nargs=-1)
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
def runtimes_build(languages: tuple[str, ...], force: bool) -> None:
    """Build the runtime images that are missing or stale (all by default)."""
    from ..execution.container_engine import EngineUnavailable, connect
    from ..execution.images import ImageBuildFailed, RuntimeImageBuilder
    from ..languages import LANGUAGES, UnknownLanguage, get_language

    try:
        names = [get_language(name).name for name in languages] or list(LANGUAGES)
    except UnknownLanguage as error:
        fail(str(error))
    try:
        builder = RuntimeImageBuilder(connect(), progress=lambda message: click.echo(message, err=True))
        built = builder.build(names, force=force)
    except EngineUnavailable as error:
        fail(str(error), EXIT_ENGINE_ERROR)
    except ImageBuildFailed as error:
        fail(f"image build failed: {error}", 1)
    click.echo(f"{len(built)} image(s) built; {', '.join(names)} ready", err=True)


@runtimes.command("list")
def runtimes_list() -> None:
    """Show each language's runtime image and whether it is current."""
    from ..execution.container_engine import EngineUnavailable, connect
    from ..execution.images import RuntimeImageBuilder
    from ..languages import LANGUAGES

    try:
        builder = RuntimeImageBuilder(connect())
    except EngineUnavailable as error:
        fail(str(error), EXIT_ENGINE_ERROR)
    for language in LANGUAGES.values():
        state = "current" if builder.is_current(language.name) else "missing or stale"
        click.echo(f"{language.name:<11} {language.image:<32} {state}")
