"""Locales: one language that cannot be printed fails alone, naming its source; real locale codes;
formatting in the translators' hands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from handouts import catalogs
from handouts.cli import main

from .conftest import ROOT, copy_project


def cli(project: Path, *args: str):
    return CliRunner().invoke(main, [*args[:1], *(["--project", str(project)] if args[0] != "i18n" else []),
                                     *args[1:]], catch_exceptions=False)


def i18n(project: Path, *args: str):
    return CliRunner().invoke(main, ["i18n", args[0], "--project", str(project), *args[1:]],
                              catch_exceptions=False)


def translate(po: Path, msgid: str, msgstr: str) -> int:
    """Set one translation by editing the file as a text editor would; its msgid line."""
    lines = po.read_text(encoding="utf-8").split("\n")
    index = lines.index(f'msgid "{msgid}"')
    assert lines[index + 1] == 'msgstr ""'
    lines[index + 1] = f'msgstr "{msgstr}"'
    po.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


@pytest.fixture(scope="module")
def broken_russian(tmp_path_factory) -> tuple[Path, int, object, object]:
    """A project with a Russian catalog whose one translation has a character no font has,
    built once (regular print, two sheets) and checked once."""
    project = copy_project(tmp_path_factory.mktemp("ru"))
    assert i18n(project, "init", "ru").exit_code == 0
    line = translate(project / "locales" / "ru" / "LC_MESSAGES" / "messages.po", "What to do", "Что делать ☃")
    out = project / "dist"
    built = cli(project, "build", "--no-large-print", "--out", str(out), "redness", "dryness")
    checked = cli(project, "check")
    return out, line, built, checked


def test_a_language_that_cannot_be_printed_fails_alone(broken_russian):
    out, _, built, _ = broken_russian
    assert built.exit_code == 1
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert not any(path.startswith("ru/") for path in written)
    assert {"en/dryness.pdf", "en/redness.pdf", "fr+en/dryness.pdf", "fr+en/redness.pdf",
            "fr/dryness.pdf", "fr/redness.pdf", "ar/redness.pdf", "zh_Hans/redness.pdf"} <= set(written)
    assert "nothing was written for: ru" in built.stderr
    assert "Traceback" not in built.output


GLYPH_PROBLEM = "the translation has '☃' U+2603 (SNOWMAN), which no font declared in templates/css/fonts.css can draw"


def test_the_failure_names_the_catalog_line_and_the_character(broken_russian):
    _, line, built, _ = broken_russian
    said = f"locales/ru/LC_MESSAGES/messages.po:{line}: {GLYPH_PROBLEM}"
    assert said in built.stderr
    assert built.stderr.count(said) == 1  # once, not once per sheet
    told = next(text for text in built.stderr.splitlines() if said in text)
    assert told.endswith("(English: 'What to do')")  # which message, for the translator


def test_check_finds_the_glyph_problem_the_build_meets(broken_russian):
    _, line, _, checked = broken_russian
    assert checked.exit_code == 1
    said = f"locales/ru/LC_MESSAGES/messages.po:{line}: {GLYPH_PROBLEM}"
    told = [text for text in checked.output.splitlines() if said in text]
    assert len(told) == 1 and told[0].endswith("(English: 'What to do')"), checked.output


def test_locale_data_without_a_font_is_named_as_such(tmp_path):
    """Korean: CLDR's words for the time of day are in Hangul, which no bundled font has.
    The error says which locale data and which field; French and English are still written."""
    project = copy_project(tmp_path)
    assert i18n(project, "init", "ko").exit_code == 0
    out = tmp_path / "out"
    built = cli(project, "build", "--no-large-print", "--lang", "ko", "--lang", "fr", "--out", str(out), "redness")
    assert built.exit_code == 1
    assert "Babel's locale data (CLDR) for 'ko'" in built.stderr
    assert "time of day" in built.stderr
    assert (out / "fr" / "redness.pdf").is_file() and not (out / "ko").exists()


# ---------------------------------------------------------------- real locale codes


@pytest.fixture(scope="module")
def regional(tmp_path_factory) -> tuple[Path, dict[str, object], object]:
    """pt_BR, zh_Hant and zh_CN started with 'i18n init', a pt_PT catalog written the way msginit
    writes it (Language: pt), then one build of a regional, a script and a bilingual edition."""
    project = copy_project(tmp_path_factory.mktemp("regional"))
    inits = {lang: i18n(project, "init", lang) for lang in ("pt_BR", "zh_Hant", "zh_CN")}
    pot = (project / "locales" / "messages.pot").read_text(encoding="utf-8")
    team = '"Language-Team: LANGUAGE <LL@li.org>\\n"\n'
    assert team in pot, "the template's header changed"
    msginit = pot.replace(team, team + '"Language: pt\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n')
    folder = project / "locales" / "pt_PT" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(msginit.replace("#, fuzzy\n", "", 1), encoding="utf-8")
    out = project / "dist"
    built = cli(project, "build", "--no-large-print", "--lang", "pt_BR", "--lang", "fr+zh_Hans", "--lang", "pt_PT",
                "--out", str(out), "redness")
    return out, inits, built


def test_init_takes_region_and_script_codes(regional):
    _, inits, _ = regional
    for lang, result in inits.items():
        assert result.exit_code == 0, (lang, result.output)


def test_a_regional_a_script_and_a_bilingual_edition_build(regional):
    out, _, built = regional
    assert built.exit_code == 0, built.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf")) == [
        "fr+zh_Hans/redness.pdf", "pt_BR/redness.pdf", "pt_PT/redness.pdf"]


def test_the_catalog_headers_name_the_full_code(regional, tmp_path):
    out, _, _ = regional
    project = out.parent
    for lang in ("pt_BR", "zh_Hant"):
        text = (project / "locales" / lang / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
        assert f'"Language: {lang}\\n"' in text


def test_the_html_language_tags_are_bcp47():
    from handouts.catalogs import locale_for

    assert [catalogs.html_language(locale_for(code)) for code in ("pt_BR", "zh_Hans", "zh_Hant", "fr")] == [
        "pt-BR", "zh-Hans", "zh-Hant", "fr-CA"]


def test_a_code_that_is_not_a_locale_is_refused_with_examples(tmp_path):
    project = copy_project(tmp_path)
    for code in ("pt-br", "Portuguese", "zh_hans"):
        result = i18n(project, "init", code)
        assert result.exit_code == 2 and "'pt_BR', 'zh_Hans'" in result.output, (code, result.output)


# ---------------------------------------------------------------- translation review


def test_an_unreviewed_translation_is_marked_listed_and_refused_by_release(tmp_path):
    from handouts.options import BuildOptions
    from handouts.plan import prepare

    project = copy_project(tmp_path)
    plan = prepare(BuildOptions(project, ("es",), ("redness",), large_print=False))
    html = plan.tasks[0].parts[0].html
    assert 'class="translation-unreviewed"' in html
    assert "Traducción aún no revisada por un traductor calificado" in html
    listed = cli(project, "list")
    assert "es  100% translated" in listed.output and "TRANSLATION NOT YET REVIEWED" in listed.output
    checked = cli(project, "check")
    assert "locales/es/review.yaml: the 'es' translation has not been reviewed" in checked.output

    # A clinician reviewed the sheet itself, its exact text (text_hash), so that --release
    # has only the translation left to refuse.
    from handouts.content import load_sheets
    from handouts.review import fingerprint, french_catalog

    sheet = project / "content" / "redness.yaml"
    text_hash = fingerprint(load_sheets(project / "content", ("redness",))[0], french_catalog(project / "locales"))
    draft = 'status: "draft"\n  reviewed_by: ""\n  reviewed_on: ""\n'
    assert draft in sheet.read_text(encoding="utf-8"), "the sheet's review block changed"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace(draft,
        'status: "reviewed"\n  reviewed_by: "Dr. Jeanne Roy"\n  reviewed_on: "2026-11-20"\n'
        f'  text_hash: "{text_hash}"\n'), encoding="utf-8")
    review_file = project / "locales" / "es" / "review.yaml"
    status_line = review_file.read_text(encoding="utf-8").split("\n").index('status: "not reviewed"') + 1
    refused = cli(project, "build", "--release", "--lang", "es", "--no-large-print", "--out", str(tmp_path / "o"),
                  "redness")
    assert refused.exit_code == 1
    assert f"locales/es/review.yaml:{status_line}: the 'es' translation has not been reviewed" in refused.stderr
    assert "'redness' changed since its review" not in refused.stderr  # the sheet is not what it refuses
    assert "'redness' is a draft" not in refused.stderr
    assert not (tmp_path / "o" / "es" / "redness.pdf").exists()

    (project / "locales" / "es" / "review.yaml").write_text(
        'status: "reviewed"\nreviewed_by: "Ana Ruiz, certified translator"\nreviewed_on: "2026-11-28"\n'
        'text: "messages.pot of 2026-11-30"\n', encoding="utf-8")
    plan = prepare(BuildOptions(project, ("es",), ("redness",), large_print=False, release=True))
    assert "translation-unreviewed" not in plan.tasks[0].parts[0].html


def test_haitian_creole_day_names_come_from_the_catalog_not_cldr():
    """CLDR's Haitian Creole data gives French day names; the catalog wins."""
    from handouts.options import BuildOptions
    from handouts.plan import prepare

    plan = prepare(BuildOptions(ROOT, ("ht",), ("redness",), large_print=False))
    html = plan.tasks[0].parts[0].html
    assert "Lendi" in html and "vandredi" in html  # Haitian Creole
    assert "lundi" not in html and "vendredi" not in html  # not CLDR's French


def test_times_follow_each_languages_clock():
    from datetime import time

    from handouts.catalogs import locale_for
    from handouts.local_formats import format_time_of_day

    nine = time(9, 0)
    assert format_time_of_day(nine, locale_for("fr")) == "9\u00a0h"
    assert format_time_of_day(nine, locale_for("en")) in ("9 AM", "9 a.m.")  # en_CA: a.m. since CLDR 46
    assert format_time_of_day(time(18, 0), locale_for("zh_Hans")) == "18:00"
    assert format_time_of_day(time(18, 0), locale_for("es")) == "18:00"
