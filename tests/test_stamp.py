"""The no-op's stamp: a build with nothing changed stops before reading any template, YAML file or
catalog, prints what the full check prints, and is never stale (every kind of change falls back to it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pypdf
import pytest

from handouts import build as pipeline
from handouts import cache, plan, publish, stamp
from handouts.options import BuildOptions

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ("dryness", "redness")  # a small project: two sheets, so that each test builds in seconds
PO = Path("locales/fr/LC_MESSAGES/messages.po")
TITLE = 'msgstr "Rougeurs après le microneedling"'


def text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages)


@pytest.fixture(autouse=True)
def trusted_at_once(monkeypatch):
    """The project copies below were written a moment ago: trust their times at once (the real build
    waits until an input is RACY_NS old, which a test below checks)."""
    monkeypatch.setattr(stamp, "RACY_NS", 0)


@pytest.fixture
def small(project: Path) -> Path:
    for path in (project / "content").glob("[!_]*.yaml"):
        if path.stem not in SHEETS:
            path.unlink()
    return project


class Checked:
    """Counts the builds that did the full check (planned every sheet) instead of using the stamp."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = 0
        real = plan.prepare

        def counted(options: BuildOptions) -> plan.Plan:
            self.full += 1
            return real(options)

        monkeypatch.setattr(plan, "prepare", counted)


@pytest.fixture
def warm(small: Path, tmp_path: Path, monkeypatch) -> tuple[Path, Path, Checked]:
    out = tmp_path / "out"
    checked = Checked(monkeypatch)
    assert len(run(small, out).written) == 2
    assert (out / stamp.STAMP_NAME).is_file()
    return small, out, checked


def run(project: Path, out: Path, *langs: str, **options) -> pipeline.BuildResult:
    options.setdefault("jobs", 1)
    return pipeline.build(BuildOptions(project, langs or ("fr",), out_dir=out, **options))


def rel(paths: list[Path], out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in paths)


def test_a_noop_reads_nothing_and_says_what_the_full_check_says(warm, cli):
    project, out, checked = warm
    stamped = run(project, out)
    assert checked.full == 1  # only the first build planned anything
    (out / stamp.STAMP_NAME).unlink()
    full = run(project, out)  # the full check of today, which saves the stamp again
    assert checked.full == 2
    for result in (stamped, full):
        assert result.written == [] and result.site == [] and result.jobs == 0
        assert rel(result.unchanged, out) == ["fr/dryness.pdf", "fr/redness.pdf"]
        assert result.catalogue == out / "index.html"
    assert stamped.warnings == full.warnings
    args = ["build", "--project", str(project), "--out", str(out), "--lang", "fr", *SHEETS]
    first, second = cli(*args), cli(*args)  # a new stamp (other sheets asked), then the stamp used
    assert first.exit_code == second.exit_code == 0
    assert checked.full == 3
    assert first.output.split("(")[0] == second.output.split("(")[0] == "Nothing to do: all 2 PDFs are up to date "


def edit_title(project: Path, new: str, keep_times: bool, old: str = TITLE) -> None:
    path = project / PO
    before = path.stat()
    data = path.read_bytes()
    assert old.encode() in data
    path.write_bytes(data.replace(old.encode(), new.encode(), 1))
    if keep_times:  # the same modification time as before, to the nanosecond
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize(("new", "keep_times"), [
    ('msgstr "Rougeurs après un microneedling"', False),  # same size, within the same second
    ('msgstr "Rougeurs après un microneedling"', True),  # same size, same mtime: its ctime changed
    ('msgstr "Rougeurs après votre microneedling"', True),  # another size, same mtime
])
def test_an_edit_that_keeps_the_size_or_the_time_is_seen(warm, new, keep_times):
    project, out, checked = warm
    edit_title(project, new, keep_times)
    result = run(project, out)
    assert rel(result.written, out) == ["fr/redness.pdf"]
    assert new.split('"')[1] in text(out / "fr" / "redness.pdf")


def test_a_file_replaced_by_another_of_the_same_size_and_times_is_seen(warm, tmp_path):
    project, out, checked = warm
    path = project / PO
    before = path.stat()
    other = tmp_path / "messages.po"
    other.write_bytes(path.read_bytes().replace(TITLE.encode(), b'msgstr "Rougeurs apr\xc3\xa8s un microneedling"'))
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (other.stat().st_size, other.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    os.replace(other, path)  # what 'cp -p', 'rsync -t' or an unpacked archive do: another inode
    assert rel(run(project, out).written, out) == ["fr/redness.pdf"]
    assert "Rougeurs après un microneedling" in text(out / "fr" / "redness.pdf")


def test_a_pdf_deleted_or_replaced_by_the_user_is_made_again(warm):
    project, out, checked = warm
    (out / "fr" / "redness.pdf").unlink()
    assert rel(run(project, out).written, out) == ["fr/redness.pdf"]
    dryness = out / "fr" / "dryness.pdf"
    before = dryness.stat()
    data = dryness.read_bytes()
    dryness.write_bytes(data[:-20] + b"% edited by hand  \n")  # the same size, the same times
    os.utime(dryness, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert rel(run(project, out).written, out) == ["fr/dryness.pdf"]
    assert b"edited by hand" not in dryness.read_bytes()


@pytest.mark.parametrize("change", [{"paper": "a4"}, {"brand": "studio-rosemont"}, {"large_print": True}])
def test_another_option_is_another_build(warm, change):
    project, out, checked = warm
    assert len(run(project, out, **change).written) == 2
    assert run(project, out, **change).written == []
    assert checked.full == 2  # the second build above used the stamp of the first


def test_another_language_or_sheet_asked_is_another_build(warm):
    project, out, checked = warm
    assert rel(run(project, out, "fr", "en").written, out) == ["en/dryness.pdf", "en/redness.pdf"]
    assert run(project, out, "fr", sheets=("redness",)).written == []
    assert checked.full == 3


def test_a_sheet_or_a_language_added_or_removed_is_seen(warm):
    project, out, checked = warm
    shutil.copy2(ROOT / "content" / "flaking.yaml", project / "content" / "flaking.yaml")
    assert rel(run(project, out).written, out) == ["fr/flaking.pdf"]
    (project / "content" / "flaking.yaml").unlink()
    result = run(project, out)
    assert result.written == [] and rel(result.unchanged, out) == ["fr/dryness.pdf", "fr/redness.pdf"]
    shutil.rmtree(project / "locales" / "ht")  # a language no build here asked for: only the full check
    assert run(project, out).written == []
    assert checked.full == 4


def test_a_new_version_of_the_tool_or_a_library_is_seen(warm, monkeypatch):
    project, out, checked = warm
    monkeypatch.setattr(stamp, "_tool", lambda: ["another version of handouts or of a library"])
    monkeypatch.setattr(cache, "tool_fingerprint", lambda: "another version of handouts or of a library")
    assert len(run(project, out).written) == 2


def test_the_date_and_source_date_epoch_are_part_of_the_stamp(warm, monkeypatch):
    project, out, checked = warm
    from datetime import date

    assert run(project, out, today=date(2031, 1, 1)).written == []
    assert checked.full == 2
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert len(run(project, out).written) == 2  # the PDFs' creation date changed


def test_warnings_of_the_full_check_are_printed_again_by_a_noop(warm, cli):
    project, out, checked = warm
    edit_title(project, 'msgstr ""', False)  # untranslated: the English is printed, the build warns
    args = ["build", "--project", str(project), "--out", str(out), "--lang", "fr"]
    full, stamped = cli(*args), cli(*args)
    assert checked.full == 2
    warnings = [line for line in full.output.splitlines() if line.startswith("warning:")]
    assert warnings and "not translated" in " ".join(warnings)
    assert stamped.output.splitlines()[:-1] == warnings
    assert stamped.output.splitlines()[-1].startswith("Nothing to do: all 2 PDFs are up to date")


def test_a_file_saved_while_the_build_reads_is_never_missed(warm, monkeypatch):
    project, out, checked = warm
    real = plan.prepare

    def edited_after_reading(options: BuildOptions) -> plan.Plan:
        planned = real(options)
        edit_title(project, 'msgstr "Rougeurs après un microneedling"', True, old=during)
        return planned

    during = 'msgstr "Rougeurs après la microneedling"'
    monkeypatch.setattr(plan, "prepare", edited_after_reading)
    edit_title(project, during, False)
    assert rel(run(project, out).written, out) == ["fr/redness.pdf"]
    monkeypatch.setattr(plan, "prepare", real)
    assert rel(run(project, out).written, out) == ["fr/redness.pdf"]
    assert "Rougeurs après un microneedling" in text(out / "fr" / "redness.pdf")


def test_an_input_changed_a_moment_ago_is_not_trusted(warm, monkeypatch):
    project, out, checked = warm
    monkeypatch.setattr(stamp, "RACY_NS", 2_000_000_000)
    options = BuildOptions(project, ("fr",), out_dir=out)
    (project / "content" / "redness.yaml").touch()
    assert stamp.take(options) is None  # a second change in the same clock tick would not show


def test_a_damaged_stamp_a_link_or_a_killed_builds_temporary_mean_the_full_check(warm):
    project, out, checked = warm
    (out / stamp.STAMP_NAME).write_text('{"version": 1, "inputs": [')
    assert run(project, out).written == [] and checked.full == 2
    (out / "fr" / f"{publish.TEMP_PREFIX}x.part").write_bytes(b"half a PDF")
    assert run(project, out).written == [] and checked.full == 3
    assert not list(out.rglob(f"{publish.TEMP_PREFIX}*"))
    (project / "content" / "link.txt").symlink_to(project / "handouts.yaml")
    assert stamp.take(BuildOptions(project, ("fr",), out_dir=out)) is None


def test_the_fonts_code_points_are_read_once_and_are_those_of_their_real_cmap(monkeypatch):
    import io

    from fontTools.ttLib import TTFont

    from handouts import fonts

    declared = fonts.declared_fonts(ROOT / "templates")
    assert len(declared) == 6
    for path in declared:
        with TTFont(io.BytesIO(path.read_bytes())) as font:  # the glyph names read from the font itself
            assert fonts.font_code_points(path) == set(font.getBestCmap()), path.name
    monkeypatch.setattr(fonts, "_read_cmap", lambda path, data: pytest.fail(f"{path.name} read again"))
    assert fonts.code_points(ROOT / "templates") == fonts.code_points(ROOT / "templates")
