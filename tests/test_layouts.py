"""Combined editions made from the layouts of their parts: French alone, English alone and French on
the front of the bilingual sheet share one French layout, and every PDF has the bytes it would
have if it were made on its own. A language that overflows its page still fails alone, and a PDF
that is up to date is not made again (its languages are laid out only if another PDF needs them).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import weasyprint
from click.testing import CliRunner

from handouts import build as pipeline
from handouts.cli import main
from handouts.errors import HandoutsError
from handouts.options import BuildOptions

from .conftest import ROOT, page_texts

EXTRA = " Restez calme et gardez la peau propre, fraîche et protégée du soleil." * 12  # no digit


def cli_build(out: Path, *args: str, project: Path = ROOT):
    return CliRunner().invoke(main, ["build", "--project", str(project), "--out", str(out), *args],
                              catch_exceptions=False)


@pytest.fixture(scope="module")
def pair_first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bilingual redness sheet made first, from fresh layouts; then French alone, from the French
    layout the bilingual sheet was made with (the default build does it the other way round)."""
    out = tmp_path_factory.mktemp("pair-first")
    result = cli_build(out, "--lang", "fr+en", "--lang", "fr", "--no-large-print", "redness", "dryness")
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("pdf", ["fr+en/redness.pdf", "fr+en/dryness.pdf", "fr/redness.pdf", "fr/dryness.pdf"])
def test_a_pdf_made_from_shared_layouts_has_the_bytes_of_one_made_first(built, pair_first, pdf):
    # In the default build (built), fr/ is written first and fr+en/ from the same French layout;
    # in pair_first, fr+en/ first, then fr/ from the layout it used. Same bytes either way.
    assert (pair_first / pdf).read_bytes() == (built / pdf).read_bytes()


def test_the_bilingual_sheet_is_french_then_english(pair_first):
    front, back = page_texts(pair_first / "fr+en" / "redness.pdf")
    assert "Rougeurs après le microneedling" in front and "Redness after microneedling" not in front
    assert "Redness after microneedling" in back
    assert page_texts(pair_first / "fr" / "redness.pdf") == [front]


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The language of every document WeasyPrint lays out in this process (a build with jobs=1)."""
    seen: list[str] = []
    render = weasyprint.HTML.render

    def counted(self, *args, **kwargs):
        document = render(self, *args, **kwargs)
        seen.append(document.metadata.lang)  # public: the <html lang> of the document laid out
        return document

    monkeypatch.setattr(weasyprint.HTML, "render", counted)
    return seen


def build(project: Path, out: Path, *langs: str, jobs: int = 1) -> pipeline.BuildResult:
    return pipeline.build(BuildOptions(project, langs, ("redness", "dryness"), out, jobs=jobs))


def test_each_language_of_a_sheet_is_laid_out_once_for_all_its_editions(project, tmp_path, layouts):
    out = tmp_path / "out"
    result = build(project, out, "fr", "en", "fr+en")
    assert len(result.written) == 6  # 2 sheets in 3 editions
    assert sorted(layouts) == ["en-CA", "en-CA", "fr-CA", "fr-CA"]  # 2 sheets in 2 languages, not 8 layouts

    layouts.clear()
    (out / "en" / "redness.pdf").unlink()
    result = build(project, out, "fr", "en", "fr+en")
    assert [p.relative_to(out).as_posix() for p in result.written] == ["en/redness.pdf"]
    assert layouts == ["en-CA"]  # the up-to-date PDFs are not made, and French is not laid out for nothing

    layouts.clear()
    (out / "fr+en" / "dryness.pdf").unlink()
    result = build(project, out, "fr", "en", "fr+en")
    assert [p.relative_to(out).as_posix() for p in result.written] == ["fr+en/dryness.pdf"]
    assert sorted(layouts) == ["en-CA", "fr-CA"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_language_that_overflows_fails_alone_in_every_edition_that_prints_it(project, tmp_path, jobs):
    catalog = project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    text = catalog.read_text(encoding="utf-8")
    for end in ('minutes à la fois."', "n'utilisez pas d'exfoliant.\"", "pendant qu'elle guérit.\""):
        assert text.count(end) == 1, end
        text = text.replace(end, end.replace('."', '.' + EXTRA + '"', 1))
    catalog.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(HandoutsError) as caught:
        build(project, out, "fr", "en", "fr+en", jobs=jobs)
    messages = [problem.message for problem in caught.value.problems]
    for edition in ("fr edition", "fr+en bilingual edition"):
        assert any(re.fullmatch(rf"the sheet 'redness' in French \(fr\) needs \d pages in the {re.escape(edition)}, "
                                r"but must fit on 1 page; .*", m) for m in messages), messages
    assert len(messages) == 2, messages  # English fits, and so does the French of dryness
    assert "nothing was written for: fr" in caught.value.summary
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert written == ["en/dryness.pdf", "en/redness.pdf"]
