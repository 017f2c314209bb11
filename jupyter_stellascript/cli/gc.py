"""``stellascript gc``: collect the compile cache and derived images once.

Exit codes: 0 collected (also when some artifacts were kept because they are
in use); 2 bad input; 125 the container engine could not be reached (the
compile cache was still collected).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import EXIT_ENGINE_ERROR, fail, parse_duration, parse_pairs, parse_size, use_data_dir


def _duration_or_zero(text: str) -> float:
    return 0.0 if text.strip() == "0" else parse_duration(text)


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} B"


@click.command()
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.option("--max-bytes", help="Size cap of the compile cache, e.g. 5g (default: c.StellaScript.cache_max_bytes's default).")
@click.option("--image-max-bytes", help="Size cap of the derived images, e.g. 20g (default: image_max_bytes's default).")
@click.option("--older-than", help="Remove what has not been used for this long, e.g. 7d (default: the retentions, 30d).")
@click.option("--grace", default="10m", show_default=True, help="Never remove what was used this recently ('0': no grace).")
@click.option("--label", "labels", multiple=True, metavar="NAME=VALUE",
              help="Only derived images that also carry this label (repeatable).")
@click.option("--no-images", is_flag=True, help="Collect only the compile cache.")
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), help="Data directory (default: $STELLASCRIPT_DATA).")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def gc(dry_run: bool, max_bytes: str | None, image_max_bytes: str | None, older_than: str | None, grace: str,
       labels: tuple[str, ...], no_images: bool, data: Path | None, as_json: bool) -> None:
    """Remove least recently used compile-cache entries and derived images
    over their size caps or unused for too long, never one in use."""
    import dataclasses

    from ..config import StellaScript
    from ..execution.compile_cache import CompileCache
    from ..gc import GarbageCollector, StoreLimits

    use_data_dir(data)
    config = StellaScript()
    limits = config.gc_limits()
    retention = parse_duration(older_than) if older_than else None
    limits = dataclasses.replace(
        limits,
        cache=StoreLimits(parse_size(max_bytes) if max_bytes else limits.cache.max_bytes, retention or limits.cache.retention_s),
        images=StoreLimits(parse_size(image_max_bytes) if image_max_bytes else limits.images.max_bytes,
                           retention or limits.images.retention_s),
        grace_s=_duration_or_zero(grace),
    )
    collector = GarbageCollector(limits, CompileCache(config.compile_cache_path()),
                                 derived=None if no_images else _derived_images, labels=parse_pairs(labels, "label"))
    reports = collector.collect(dry_run=dry_run)
    if as_json:
        click.echo(json.dumps([report.to_dict() for report in reports], indent=2))
    else:
        verb = "would remove" if dry_run else "removed"
        for report in reports:
            for item in report.evicted:
                click.echo(f"{verb} {report.store} {item.name} ({_size(item.size_bytes)}, {item.reason})")
            click.echo(f"{report.store}: {len(report.evicted)} {verb} ({_size(report.freed_bytes)}), "
                       f"{len(report.in_use)} kept in use, {_size(report.kept_bytes)} kept")
    errors = [report.error for report in reports if report.error]
    if errors:
        fail("; ".join(errors), EXIT_ENGINE_ERROR)


def _derived_images():
    from ..dependencies import DerivedImages
    from ..execution.container_engine import connect

    return DerivedImages(connect())
