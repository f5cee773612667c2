"""The translators' workflow on a copy of the project: extract, update, init, status, check."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from babel.messages.pofile import read_po as babel_read_po
from babel.messages.pofile import write_po as babel_write_po
from click.testing import CliRunner

from handouts import catalogs, i18n_extract, i18n_status
from handouts import po as po_module
from handouts.cli import main
from handouts.cli_check import check
from handouts.cli_i18n import i18n

from .conftest import ROOT


def run(command, *args: str):
    return CliRunner().invoke(command, list(args), catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def fr_po(project: Path) -> Path:
    return catalogs.catalog_path(project / "locales", "fr")


def change_title(project: Path, old: str, new: str) -> None:
    sheet = project / "content" / "redness.yaml"
    text = sheet.read_text(encoding="utf-8")
    assert f'"{old}"' in text
    sheet.write_text(text.replace(f'"{old}"', f'"{new}"'), encoding="utf-8")


def complete_french(project: Path) -> None:
    """Fill whatever the translator has not finished yet, so the test does not depend on it."""
    path = fr_po(project)
    catalog = babel_read_po(io.BytesIO(path.read_bytes()), locale="fr")
    for message in catalog:
        if message.id and (not message.string or message.fuzzy):
            message.string = message.id
            message.flags.discard("fuzzy")
    out = io.BytesIO()
    babel_write_po(out, catalog, width=79)
    path.write_bytes(out.getvalue())


def test_extract_and_update_with_nothing_changed_leave_every_file_byte_identical(project: Path) -> None:
    before = snapshot(project / "locales")
    result = run(i18n, "extract", "--project", str(project))
    assert result.exit_code == 0 and "up to date" in result.output, result.output
    result = run(i18n, "update", "--project", str(project))
    assert result.exit_code == 0 and "no message changed" in result.output, result.output
    assert snapshot(project / "locales") == before


def test_the_built_in_mapping_is_the_one_in_pyproject() -> None:
    with open(ROOT / "pyproject.toml", "rb") as file:
        assert "babel" in tomllib.load(file)["tool"]
    with open(ROOT / "pyproject.toml", "rb") as file:
        theirs = i18n_extract.parse_mapping(tomllib.load(file)["tool"]["babel"], ROOT / "pyproject.toml")
    ours = i18n_extract.parse_mapping(tomllib.loads(i18n_extract.DEFAULT_MAPPING.decode()), ROOT)
    assert ours[1] == theirs[1] == {
        "content/**.yaml": {},
        "templates/**.html": {"silent": "false", "newstyle_gettext": "true"},
    }
    assert [p for p, _ in ours[0]] == [p for p, _ in theirs[0]] == ["content/**.yaml", "templates/**.html"]
    assert dict(theirs[0])["templates/**.html"] == "jinja2.ext:babel_extract"


def test_changed_english_turns_fuzzy_with_the_previous_msgid(project: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    change_title(project, "Redness after microneedling", "Redness after your microneedling")
    result = run(i18n, "extract", "--project", str(project))
    assert result.exit_code == 0 and "wrote" in result.output
    pot = catalogs.template_path(project / "locales").read_text(encoding="utf-8")
    assert '"POT-Creation-Date: 2027-01-15 08:00+0000\\n"' in pot
    assert 'msgid "Redness after your microneedling"' in pot

    po = fr_po(project)
    po.write_bytes(b"\xef\xbb\xbf" + po.read_bytes().replace(b"\n", b"\r\n"))  # as Poedit may save it
    result = run(i18n, "update", "--project", str(project))
    assert result.exit_code == 0 and "updated" in result.output, result.output
    data = po.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") == data.count(b"\r\n")
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    assert ('#, fuzzy\n#| msgid "Redness after microneedling"\nmsgid "Redness after your microneedling"\n'
            in text)
    catalog = po_module.read_po(po, "fr")
    assert catalog.get("Redness after your microneedling").fuzzy

    # A second extract + update changes nothing more.
    before = snapshot(project / "locales")
    assert run(i18n, "extract", "--project", str(project)).exit_code == 0
    assert run(i18n, "update", "--project", str(project)).exit_code == 0
    assert snapshot(project / "locales") == before


def test_new_message_is_empty_and_vanished_one_is_obsolete(project: Path) -> None:
    change_title(project, "Redness after microneedling", "Zebra crossing 42")
    assert run(i18n, "extract", "--project", str(project)).exit_code == 0
    assert run(i18n, "update", "--project", str(project)).exit_code == 0
    catalog = po_module.read_po(fr_po(project), "fr")
    assert catalog.get("Zebra crossing 42").msgstr == ""
    assert [e.msgid for e in catalog.obsolete] == ["Redness after microneedling"]
    result = run(check, "--project", str(project))
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and "obsolete" in result.output


def test_update_refuses_a_broken_catalog_and_writes_nothing(project: Path) -> None:
    po = fr_po(project)
    po.write_bytes(po.read_bytes() + b'\nmsgid "Broken\nmsgstr ""\n')
    before = snapshot(project / "locales")
    result = run(i18n, "update", "--project", str(project))
    assert result.exit_code == 1
    assert f"{po}:" in result.output and "not closed" in result.output
    assert snapshot(project / "locales") == before


def test_init_starts_a_language_that_then_builds(project: Path, tmp_path: Path) -> None:
    result = run(i18n, "init", "pt", "--project", str(project))
    assert result.exit_code == 0, result.output
    path = catalogs.catalog_path(project / "locales", "pt")
    text = path.read_text(encoding="utf-8")
    assert '"Language: pt\\n"' in text and '"Plural-Forms: nplurals=' in text
    catalog = po_module.read_po(path, "pt")
    assert catalog.entries and not any(e.translated for e in catalog.entries)

    again = run(i18n, "init", "pt", "--project", str(project))
    assert again.exit_code == 2 and "already exists" in again.output
    for bad in ("qq", "en", "es-MX", "../x"):
        assert run(i18n, "init", bad, "--project", str(project)).exit_code == 2, bad

    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--lang", "pt", "--out", str(out),
                                       "redness"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (out / "pt" / "redness.pdf").is_file()
    assert "not translated" in result.output


def test_status_lists_what_is_left_and_strict_gates_on_it(project: Path) -> None:
    complete_french(project)
    result = run(i18n, "status", "--strict", "--project", str(project))
    assert result.exit_code == 0, result.output
    assert "\nfr: 100% translated" in "\n" + result.output

    change_title(project, "Redness after microneedling", "Redness after your microneedling")
    run(i18n, "extract", "--project", str(project))
    run(i18n, "update", "--project", str(project))
    result = run(i18n, "status", "--project", str(project))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    counts = re.match(r"fr: 9\d% translated \((\d+) of (\d+)\), 1 fuzzy, 0 untranslated, 0 obsolete",
                      next(line for line in lines if line.startswith("fr:")))
    assert counts and int(counts[1]) == int(counts[2]) - 1
    assert "  fuzzy (1):" in lines
    assert any("Sheet 'redness': title." in line and "Redness after your microneedling" in line
               for line in lines)
    assert run(i18n, "status", "--strict", "--project", str(project)).exit_code == 1


def test_percentage_never_rounds_up_to_100() -> None:
    state = i18n_status.LanguageStatus("fr", Path("x.po"), translated=999, untranslated=1)
    assert state.percent == 99 and not state.complete


def test_check_passes_on_the_project_and_fails_with_path_and_line(project: Path) -> None:
    result = run(check, "--project", str(project))
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output.splitlines()[-1]

    partial = project / "templates" / "partials" / "items.html"
    partial.write_text("{% for item in items %}\n{{ item }\n", encoding="utf-8")
    po = fr_po(project)
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "Le jour même, appelez le %(phone)s si :"' in text
    po.write_text(text.replace("appelez le %(phone)s si :", "appelez le numéro si :"), encoding="utf-8")
    line = text[: text.index("appelez le %(phone)s si :")].count("\n")  # the msgid line above the msgstr
    result = run(check, "--project", str(project))
    assert result.exit_code == 1
    assert f"{partial}:2: template syntax error" in result.output
    assert f"{po}:{line}: the translation lacks %(phone)s" in result.output
    assert "2 errors" in result.output.splitlines()[-1]


def test_check_reports_a_broken_content_file_and_catalog(project: Path) -> None:
    (project / "content" / "redness.yaml").write_text('title: "x"\n', encoding="utf-8")
    po = fr_po(project)
    po.write_bytes(po.read_bytes().replace(b'"Language: fr\\n"', b'"Language: de\\n"'))
    result = run(check, "--project", str(project))
    assert result.exit_code == 1
    assert "redness.yaml" in result.output and "Language: 'de'" in result.output


def test_check_without_a_project_is_a_usage_error(tmp_path: Path) -> None:
    assert run(check, "--project", str(tmp_path)).exit_code == 2


def test_check_does_not_import_weasyprint() -> None:
    code = ("import sys; from click.testing import CliRunner; from handouts.cli_check import check; "
            f"r = CliRunner().invoke(check, ['--project', {str(ROOT)!r}]); "
            "assert 'weasyprint' not in sys.modules; sys.exit(r.exit_code)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
