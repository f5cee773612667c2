"""handouts.watch: which files count as the project's, and a rebuild after each save (no more, no fewer)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from handouts import project_files
from handouts.watch import snapshot, watch


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "handouts.yaml").write_text('brand: "clinique-demo"\n', encoding="utf-8")
    for folder in ("content", "locales/fr/LC_MESSAGES", "templates", "fonts", "brands/clinique-demo"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "content" / "redness.yaml").write_text('title: "Redness"\n', encoding="utf-8")
    (tmp_path / "locales" / "fr" / "LC_MESSAGES" / "messages.po").write_text('msgid ""\n', encoding="utf-8")
    return tmp_path


def test_snapshot_holds_every_input_file_and_nothing_else(tree):
    (tree / "dist").mkdir()
    (tree / "dist" / "redness.pdf").write_bytes(b"%PDF")  # the build's own output
    (tree / "notes.txt").write_text("not an input", encoding="utf-8")
    for hidden in (".redness.yaml.swp", "redness.yaml~", "#redness.yaml#", ".DS_Store"):  # editors' files
        (tree / "content" / hidden).write_text("x", encoding="utf-8")
    found = snapshot(tree)
    assert set(found) == {"handouts.yaml", "content/redness.yaml", "locales/fr/LC_MESSAGES/messages.po"}
    assert found["content/redness.yaml"][1] == len('title: "Redness"\n')
    assert {name.split("/")[0] for name in found} <= set(project_files.INPUTS)


def test_snapshot_changes_when_a_file_is_saved_added_or_deleted(tree):
    before = snapshot(tree)
    (tree / "content" / "redness.yaml").write_text('title: "Redness, again"\n', encoding="utf-8")
    assert snapshot(tree) != before
    (tree / "templates" / "sheet.html").write_text("<p></p>", encoding="utf-8")
    assert "templates/sheet.html" in snapshot(tree)
    (tree / "templates" / "sheet.html").unlink()
    assert "templates/sheet.html" not in snapshot(tree)


def run_watch(tree: Path, edits: list) -> int:  # type: ignore[type-arg]
    """Watch for 3 polls; the n-th rebuild makes the n-th edit (a person saving while the build runs)."""
    calls = 0

    def rebuild(current: Callable[[], bool]) -> None:
        nonlocal calls
        calls += 1
        if calls <= len(edits):
            edits[calls - 1](tree)

    watch(tree, rebuild, interval=0.001, settle=0.001, rounds=3)
    return calls


def save(tree: Path) -> None:
    (tree / "content" / "redness.yaml").write_text('title: "Redness, saved"\n', encoding="utf-8")


def test_it_builds_once_at_the_start_and_nothing_more_when_nothing_changes(tree):
    assert run_watch(tree, []) == 1


def test_a_save_during_a_build_starts_exactly_one_more_build(tree):
    assert run_watch(tree, [save]) == 2


def test_two_saves_in_turn_start_two_more_builds(tree):
    def translate(tree: Path) -> None:
        (tree / "locales" / "fr" / "LC_MESSAGES" / "messages.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")

    assert run_watch(tree, [save, translate]) == 3


def test_an_editors_swap_file_or_the_output_folder_starts_no_build(tree):
    def scribble(tree: Path) -> None:
        (tree / "content" / ".redness.yaml.swp").write_text("x", encoding="utf-8")
        (tree / "dist").mkdir()
        (tree / "dist" / "redness.pdf").write_bytes(b"%PDF")

    assert run_watch(tree, [scribble]) == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
@pytest.mark.parametrize(("where", "polls"), [("content/redness.yaml", 1),
                                              ("templates/partials/items.html", 2)])  # the new folder wakes it too
def test_a_save_wakes_the_watch_before_its_next_poll(tree, where, polls):
    """With a poll once a minute, a save (even in a folder made after the watch started) is seen at once."""
    builds: list[float] = []
    watcher = threading.Thread(target=watch, args=(tree, lambda current: builds.append(time.monotonic())),
                               kwargs={"interval": 60.0, "settle": 0.0, "rounds": polls}, daemon=True)
    watcher.start()
    deadline = time.monotonic() + 10
    while not builds and time.monotonic() < deadline:  # the first build, then the watch waits
        time.sleep(0.01)
    time.sleep(0.1)
    (tree / where).parent.mkdir(exist_ok=True)  # a new folder: an empty one is no change to build
    time.sleep(0.1)
    (tree / where).write_text("saved", encoding="utf-8")
    watcher.join(timeout=30)
    assert not watcher.is_alive(), "the save did not wake the watch: it waited for its next poll"
    assert len(builds) == 2


def test_a_save_is_built_at_once_not_after_the_time_an_editor_is_given(tree):
    """The editor's time (here a minute) is only waited for before writing, when the build was quicker."""
    builds: list[float] = []
    watcher = threading.Thread(target=watch, args=(tree, lambda current: builds.append(time.monotonic())),
                               kwargs={"interval": 0.01, "settle": 60.0, "rounds": 200}, daemon=True)
    watcher.start()
    deadline = time.monotonic() + 10
    while not builds and time.monotonic() < deadline:
        time.sleep(0.01)
    save(tree)
    while len(builds) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(builds) == 2, "the save was not built until the editor's time had passed"


def test_a_build_that_finds_its_files_saved_again_writes_nothing_and_builds_them_at_once(tree):
    """An editor still saving when the build read the files: that build gives up, the next one is
    of the files as saved, and it is the one that writes; with no poll in between."""
    seen: list[bool] = []

    def rebuild(current: Callable[[], bool]) -> bool:
        if not seen:
            save(tree)  # the second half of the editor's save, while the first build runs
        seen.append(current())
        return seen[-1]

    watch(tree, rebuild, interval=0.001, settle=0.0, rounds=0)
    assert seen == [False, True]


def test_the_cli_watch_writes_nothing_from_files_changed_while_it_built(project, tmp_path):
    from handouts import build as pipeline
    from handouts.options import BuildOptions

    out = tmp_path / "out"
    with pytest.raises(pipeline.Superseded):
        pipeline.build(BuildOptions(project, ("fr",), ("redness",), out, jobs=1), current=lambda: False)
    assert not list(out.rglob("*.pdf")) and not (out / "index.html").exists()
