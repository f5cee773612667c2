"""``handouts review``: write the clinician's packet (one PDF) of every sheet awaiting review."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from handouts import config, content, review
from handouts.errors import EXIT_OUTPUT, HandoutsError
from handouts.safefile import write_atomically


@dataclass
class PacketResult:
    path: Path
    items: list[review.Awaiting]
    recorded: list[Path] = field(default_factory=list)


def write_packet(root: Path, out_file: Path | None = None) -> PacketResult:
    """Load, compare with the last reviews, render one PDF; nothing is written when a sheet is broken."""
    project = config.load_project(root)
    sheets = content.load_sheets(project.content_dir)
    catalog = review.french_catalog(project.locales_dir)
    recorded = review.record_reviewed(sheets, project.content_dir, catalog)
    items = review.awaiting_review(sheets, project.content_dir, catalog)
    path = (out_file or project.root / "dist" / "review-packet.pdf").resolve()
    if not items:
        return PacketResult(path, items, recorded)
    from handouts.pdf import Part, PdfRenderer

    renderer = PdfRenderer(project.templates_dir, allowed=(project.templates_dir, project.fonts_dir),
                           fonts_dir=project.fonts_dir)
    rendered = renderer.make_pdf([Part(review.packet_html(items), "Sheets awaiting review", "", max_pages=10_000)])
    try:
        write_atomically(path, rendered.pdf or b"")
    except OSError as err:
        raise HandoutsError(f"cannot write the packet ({err.strerror}); choose another place with --out.",
                            path, exit_code=EXIT_OUTPUT) from err
    return PacketResult(path, items, recorded)
