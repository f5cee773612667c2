"""handouts.config: the project settings and brand profiles, each mistake named with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts import brand as brand_module
from handouts import config, project_files
from handouts.errors import EXIT_INPUT, EXIT_USAGE, HandoutsError
from handouts.source_date import source_date_epoch

from .conftest import ROOT


def settings(tmp_path: Path, text: str) -> Path:
    (tmp_path / "handouts.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def problems(call) -> tuple[int, list[tuple[Path | None, int | None, str]]]:  # type: ignore[no-untyped-def]
    with pytest.raises(HandoutsError) as caught:
        call()
    return caught.value.exit_code, [(p.path, p.line, p.message) for p in caught.value.problems]


def test_the_demo_project_and_brand_load():
    project = config.load_project(ROOT)
    assert (project.brand, project.region, project.paper, project.bilingual) == ("clinique-demo", "CA", "letter",
                                                                                  ("fr", "en"))
    assert project.input_paths == tuple(ROOT / name for name in project_files.INPUTS)
    brand = brand_module.load_brand(project)
    assert brand.name == "Clinique Peau Neuve" and brand.phone == "5145550142"
    assert brand.logo == ROOT / "brands" / "clinique-demo" / "logo.svg"


def test_a_folder_without_settings_is_not_a_project_and_says_where_to_run(tmp_path):
    code, [(path, line, message)] = problems(lambda: config.load_project(tmp_path))
    assert code == EXIT_USAGE and path == tmp_path.resolve() and line is None
    assert "no handouts.yaml here" in message and "--project" in message


def test_every_wrong_setting_is_reported_at_once_on_its_own_line(tmp_path):
    root = settings(tmp_path, 'brand: "clinique-demo"\npaper: "legal"\nbilingual: "fr"\nlarge_print: "yes"\n'
                              'colour: "red"\n')
    code, found = problems(lambda: config.load_project(root))
    assert code == EXIT_INPUT
    by_line = {line: message for _, line, message in found}
    assert set(by_line) == {2, 3, 4, 5}
    assert "'letter' or 'a4'" in by_line[2]
    assert "two languages joined by +" in by_line[3]
    assert "large_print is 'yes'" in by_line[4]
    assert "unknown field 'colour'" in by_line[5]
    assert all(path == root.resolve() / "handouts.yaml" for path, _, _ in found)


def test_the_brand_setting_is_required(tmp_path):
    root = settings(tmp_path, 'paper: "a4"\n')
    _, [(_, line, message)] = problems(lambda: config.load_project(root))
    assert line == 1 and "the field 'brand' is missing" in message


def test_an_unknown_brand_lists_the_brands_there_are():
    project = config.load_project(ROOT)
    code, [(path, _, message)] = problems(lambda: brand_module.load_brand(project, "nowhere"))
    assert code == EXIT_USAGE and path == project.config_path
    assert "no brand profile 'nowhere'" in message and "clinique-demo, studio-rosemont" in message


def test_a_brand_name_that_is_a_path_is_refused_before_anything_is_read():
    code, [(path, _, message)] = problems(lambda: brand_module.load_brand(config.load_project(ROOT), "../etc"))
    assert code == EXIT_USAGE and path is None and "--brand '../etc'" in message


def test_every_mistake_in_a_brand_profile_is_named_with_its_line(project):
    brand = project / "brands" / "clinique-demo" / "brand.yaml"
    text = brand.read_text(encoding="utf-8")
    text = text.replace('phone: "514 555-0142"', 'phone: "555-0142"').replace('"#8a4b0f"', '"orange"')
    text = text.replace('name: "Clinique Peau Neuve"', 'name: ""')
    brand.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    code, found = problems(lambda: brand_module.load_brand(config.load_project(project)))
    assert code == EXIT_INPUT
    assert {path for path, _, _ in found} == {brand.resolve()}
    flagged = {lines[line - 1].split(":")[0].strip() for _, line, _ in found}
    assert flagged == {"name", "phone", "accent"}


@pytest.mark.parametrize(("value", "expected"), [("", None), ("  ", None), ("1764547200", 1764547200)])
def test_source_date_epoch(monkeypatch, value, expected):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert source_date_epoch() == expected


@pytest.mark.parametrize("value", ["yesterday", "1.5", "99999999999999999999"])
def test_a_source_date_epoch_that_is_not_a_time_is_a_usage_error(monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    code, [(_, _, message)] = problems(source_date_epoch)
    assert code == EXIT_USAGE and "SOURCE_DATE_EPOCH" in message and value in message
