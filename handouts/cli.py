"""The command line: parse options, call the pipeline, print what happened. Nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from handouts.cliutil import PROJECT_OPTION, HandoutsGroup, format_problem, shown


@click.group(cls=HandoutsGroup)
@click.version_option(package_name="handouts")
def main() -> None:
    """Print aftercare sheets for patients, in their language."""


@main.command()
@PROJECT_OPTION
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="A language to build (repeat for several). Default: every language.")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the PDFs: OUT/<lang>/<sheet>.pdf. Default: dist/ in the project.")
@click.option("--brand", "brand_name", metavar="NAME", help="A brand profile in brands/. Default: from handouts.yaml.")
@click.option("--strict", is_flag=True, help="Fail when a translation is missing or fuzzy.")
@click.argument("sheets", nargs=-1)
def build(root: Path, langs: tuple[str, ...], out_dir: Path | None, brand_name: str | None,
          strict: bool, sheets: tuple[str, ...]) -> None:
    """Build the PDF sheets (all of them, or only the SHEETS named)."""
    from handouts import build as pipeline

    result = pipeline.build(root, langs, sheets, out_dir, brand_name, strict)
    for warning in result.warnings:
        click.echo(f"warning: {format_problem(warning)}", err=True)
    for path in result.written:
        click.echo(f"wrote {shown(path)}")
    languages = sorted({path.parent.name for path in result.written})
    click.echo(
        f"Built {len(result.written)} sheet{'s' if len(result.written) != 1 else ''} "
        f"in {len(languages)} language{'s' if len(languages) != 1 else ''} ({', '.join(languages)})"
        + (f", with {len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''}." if result.warnings else ".")
    )


@main.command(name="list")
@PROJECT_OPTION
def list_command(root: Path) -> None:
    """Show the sheets and the languages, with how complete each translation is."""
    from handouts import catalogs, config, content

    project = config.load_project(root)
    handouts = content.load_handouts(project.content_dir)
    click.echo("Sheets:")
    width = max((len(h.name) for h in handouts), default=0)
    for handout in handouts:
        review = handout.review
        status = (f"reviewed by {review.reviewed_by} on {review.reviewed_on}" if not review.is_draft
                  else "DRAFT (not reviewed)")
        click.echo(f"  {handout.name:<{width}}  {handout.title.text}  [{status}]")
    click.echo("Languages:")
    template_file = catalogs.template_path(project.locales_dir)
    template = catalogs.read_po(template_file) if template_file.is_file() else None
    for lang in catalogs.languages(project.locales_dir):
        if lang == catalogs.SOURCE_LANGUAGE:
            click.echo(f"  {lang}  source language")
            continue
        catalog = catalogs.load_catalog(project.locales_dir, lang)
        assert catalog is not None
        if template is None:
            click.echo(f"  {lang}  {catalog.path} (no {template_file.name} to compare with)")
            continue
        done, fuzzy, total = catalogs.completeness(catalog, template)
        percent = 100 * done // total if total else 100
        click.echo(f"  {lang}  {percent}% translated ({done} of {total}, {fuzzy} fuzzy, "
                   f"{total - done - fuzzy} untranslated)  {catalog.path.relative_to(project.root)}")


from handouts.cli_i18n import check, i18n  # noqa: E402  (commands defined in their own module)

main.add_command(i18n)
main.add_command(check)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
