"""The command line: parse options, call the pipeline, print what happened. Nothing else."""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from handouts.cliutil import PROJECT_OPTION, HandoutsGroup, format_problem, shown

if TYPE_CHECKING:
    from handouts.build import BuildResult
    from handouts.config import Project
    from handouts.options import BuildOptions


@click.group(cls=HandoutsGroup)
@click.version_option(package_name="handouts")
def main() -> None:
    """Print aftercare sheets for patients, in their language."""
    # At exit, Python looks for reference cycles among every object the run made, several times
    # over, before it ends anyway: 45 ms of a 0.9 s build. Frozen, they are left to the system.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


F = TypeVar("F", bound=Callable[..., None])


def build_options(function: F) -> F:
    """The options 'build' and 'watch' share, named as the fields of :class:`BuildOptions`."""
    for option in reversed([
        PROJECT_OPTION,
        click.option("--lang", "langs", multiple=True, metavar="LANG",
                     help="A language (fr), or two printed front and back (fr+en); repeat for several. "
                          "Default: every language and the pair in handouts.yaml."),
        click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Where to write the PDFs: OUT/<lang>/<sheet>.pdf. Default: dist/ in the project."),
        click.option("--brand", "brand", metavar="NAME",
                     help="A brand profile in brands/. Default: from handouts.yaml."),
        click.option("--paper", type=click.Choice(["letter", "a4"], case_sensitive=False),
                     help="Paper size. Default: from handouts.yaml."),
        click.option("--large-print/--no-large-print", default=None,
                     help="Only large print (18 pt, one column, up to 2 pages per language, in "
                          "OUT/<lang>-large/), or only regular print. Default: regular print, and large "
                          "print too when handouts.yaml says large_print: true."),
        click.option("--strict", is_flag=True, help="Fail when a translation is missing or fuzzy."),
        click.option("--release", is_flag=True, help="Refuse to build sheets that no clinician has reviewed."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
                     help="Render with N processes. Default: one per CPU core."),
    ]):
        function = option(function)
    return function


def make_options(params: dict[str, Any]) -> BuildOptions:
    """What 'build' or 'watch' was asked, as the one value the pipeline takes."""
    from handouts.options import BuildOptions

    paper = params.pop("paper", None)
    return BuildOptions(**params, paper=paper.lower() if paper else None)


@main.command()
@build_options
@click.option("--force", is_flag=True, help="Render every sheet again, even those that are up to date.")
@click.argument("sheets", nargs=-1)
def build(**params: Any) -> None:
    """Build the PDF sheets (all of them, or only the SHEETS named)."""
    from handouts import build as pipeline

    options = make_options(params)
    with progress_display() as progress:
        try:
            result = pipeline.build(options, progress=progress, note=lambda text: click.echo(text, err=True))
        except pipeline.BuildFailed as err:  # one language failed: say what the others wrote, then why
            if err.result is not None:
                for path in err.result.written:
                    click.echo(f"wrote {shown(path)}")
            raise
    print_result(result)


@main.command()
@build_options
@click.argument("sheets", nargs=-1)
def watch(**params: Any) -> None:
    """Rebuild the sheets each time a content, catalog, template or brand file is saved (Ctrl-C stops)."""
    from handouts import build as pipeline
    from handouts import pool
    from handouts import watch as watcher
    from handouts.errors import HandoutsError

    options = make_options(params)  # the PDFs of one change are made in parallel, by workers kept warm

    def rebuild(current: Callable[[], bool]) -> bool:
        try:
            result = pipeline.build(options, note=lambda text: click.echo(text, err=True), current=current)
        except pipeline.Superseded:  # saved again while it was being built: nothing written, build again
            return False
        except HandoutsError as err:
            if not current():  # a file read while an editor was still saving it
                return False
            for problem in err.problems:
                click.echo(format_problem(problem) if problem.path else f"error: {problem.message}", err=True)
            click.echo(err.summary or "Nothing was written.", err=True)
        else:
            print_result(result)
        click.echo("Watching for changes (Ctrl-C to stop)...", err=True)
        return True

    try:
        with pool.kept_warm():
            watcher.watch(options.root, rebuild)
    except KeyboardInterrupt:
        click.echo("Stopped watching.", err=True)
        click.get_current_context().exit(130)  # as the README says of Ctrl-C


@contextmanager
def progress_display() -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on a terminal; one plain line per sheet otherwise (CI, logs)."""
    bar = None
    stream = sys.stderr

    def progress(done: int, total: int, what: str) -> None:
        nonlocal bar
        if not stream.isatty():
            click.echo(f"[{done}/{total}] rendered {what}", err=True)
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Rendering", file=stream, show_pos=True)
            bar.__enter__()
        bar.update(1)  # the bar shows counts; 'what' is for the plain lines

    try:
        yield progress
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def print_result(result: BuildResult) -> None:
    for warning in result.warnings:
        click.echo(f"warning: {format_problem(warning)}", err=True)
    for path in result.written:
        click.echo(f"wrote {shown(path)}")
    if result.site and result.catalogue:
        click.echo(f"Updated the catalogue of sheets and their web pages: {shown(result.catalogue)} "
                   "(see it with: handouts open)")
    total = len(result.written) + len(result.unchanged)
    if not result.written:
        click.echo(f"Nothing to do: all {total} PDFs are up to date ({result.seconds:.2f} s). "
                   "Use --force to render them again.")
        return
    folders = sorted({path.parent.name for path in result.written + result.unchanged})
    click.echo(
        f"Done in {result.seconds:.1f} s: {len(result.written)} built, {len(result.unchanged)} unchanged, "
        f"0 failed ({', '.join(folders)})"
        + (f", {len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''}." if result.warnings else ".")
    )


@main.command(name="list")
@PROJECT_OPTION
def list_command(root: Path) -> None:
    """Show the sheets and the languages, with how complete each translation is."""
    from handouts import catalogs, config, content, po
    from handouts import review as reviews

    project = config.load_project(root)
    sheets = reviews.apply_reviews(content.load_sheets(project.content_dir), project.locales_dir)
    click.echo("Sheets:")
    width = max((len(h.name) for h in sheets), default=0)
    for sheet in sheets:
        review = sheet.review
        status = (f"reviewed by {review.reviewed_by} on {review.reviewed_on}" if not review.is_draft
                  else f"DRAFT (text changed since the review of {review.reviewed_on})" if review.stale
                  else "DRAFT (not reviewed)")
        click.echo(f"  {sheet.name:<{width}}  {sheet.title.text}  [{status}]")
    click.echo("Languages:")
    template_file = catalogs.template_path(project.locales_dir)
    template = po.read_po(template_file) if template_file.is_file() else None
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
        click.echo(f"  {' ' * len(lang)}  [{_language_review(project, lang)}]")


def _language_review(project: Project, lang: str) -> str:
    from handouts import langreview
    from handouts.errors import HandoutsError

    try:
        review = langreview.load(project.locales_dir, lang)
    except HandoutsError as err:
        return f"review file has a problem: {err.problems[0]}"
    if review.reviewed:
        return review.describe()
    return "TRANSLATION NOT YET REVIEWED by a qualified translator: --release refuses it"


@main.command(name="open")
@PROJECT_OPTION
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The folder the sheets were built into. Default: dist/ in the project.")
def open_command(root: Path, out_dir: Path | None) -> None:
    """Open the catalogue of every sheet (dist/index.html) in the web browser."""
    import webbrowser

    from handouts import config, dist_paths
    from handouts.errors import EXIT_ENVIRONMENT, EXIT_USAGE, HandoutsError

    folder = out_dir if out_dir is not None else config.load_project(root).root / "dist"
    index = folder.resolve() / dist_paths.INDEX
    if not index.is_file():
        raise HandoutsError("there is no catalogue of sheets here yet; make it with: handouts build"
                            + (f" --out {out_dir}" if out_dir is not None else ""), shown(index),
                            exit_code=EXIT_USAGE)
    click.echo(f"Opening {shown(index)} in your web browser.")
    if not webbrowser.open(index.as_uri()):
        raise HandoutsError(f"no web browser could be started; open this address in one: {index.as_uri()}",
                            exit_code=EXIT_ENVIRONMENT)


@main.command(name="review")
@PROJECT_OPTION
@click.option("--out", "-o", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the packet. Default: dist/review-packet.pdf in the project.")
def review_command(root: Path, out_file: Path | None) -> None:
    """Write one PDF for the clinician: every sheet awaiting review, English and French, and what changed."""
    from handouts import review_packet

    result = review_packet.write_packet(root, out_file)
    for path in result.recorded:
        click.echo(f"recorded the reviewed text in {shown(path)}")
    if not result.items:
        click.echo("Every sheet is reviewed and its text unchanged: nothing to review.")
        return
    for item in result.items:
        click.echo(f"  {item.sheet.name}: {item.note} text_hash: \"{item.fingerprint}\"")
    click.echo(f"wrote {shown(result.path)} ({len(result.items)} sheet{'s' if len(result.items) != 1 else ''} "
               "awaiting review)")


from handouts.cli_check import check  # noqa: E402  (commands defined in their own modules, after the group they join)
from handouts.cli_i18n import i18n  # noqa: E402  (the same: after the group they join)

main.add_command(i18n)
main.add_command(check)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
