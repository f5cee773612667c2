"""Hostile output: a folder that cannot be written, a full disk, a killed build.

Each time the previous good PDFs survive byte for byte, no temporary file is left for
staff to print, and the user gets exit code 4 with a message naming the folder.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from handouts import publish as publish_module
from handouts.build import build
from handouts.errors import EXIT_INPUT, EXIT_OUTPUT, HandoutsError
from handouts.options import BuildOptions
from handouts.publish import TEMP_PREFIX, publish

OLD = b"%PDF-1.7 the previous good build\n%%EOF\n"
MESSAGE = (
    "cannot write the PDFs ({}); nothing was changed. Check that the output folder exists, is writable "
    "and that the disk is not full."
)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder holding the PDFs of a previous good build."""
    folder = tmp_path / "dist"
    (folder / "fr").mkdir(parents=True)
    (folder / "fr" / "redness.pdf").write_bytes(OLD)
    (folder / "fr" / "dryness.pdf").write_bytes(OLD)
    return folder


def temporaries(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"{TEMP_PREFIX}*"))


def assert_previous_build_intact(folder: Path) -> None:
    assert (folder / "fr" / "redness.pdf").read_bytes() == OLD
    assert (folder / "fr" / "dryness.pdf").read_bytes() == OLD
    assert temporaries(folder) == []


def new_outputs(folder: Path) -> list[tuple[Path, bytes]]:
    return [(folder / "fr" / "redness.pdf", b"%PDF new redness"), (folder / "fr" / "dryness.pdf", b"%PDF new dryness")]


def output_error(outputs: list[tuple[Path, bytes]]) -> HandoutsError:
    with pytest.raises(HandoutsError) as caught:
        publish(outputs)
    assert caught.value.exit_code == EXIT_OUTPUT
    return caught.value


def test_publish_replaces_every_file(out):
    publish(new_outputs(out))
    assert (out / "fr" / "redness.pdf").read_bytes() == b"%PDF new redness"
    assert (out / "fr" / "dryness.pdf").read_bytes() == b"%PDF new dryness"
    assert temporaries(out) == []


def test_read_only_output_folder_gives_exit_4_and_keeps_the_previous_pdfs(out, monkeypatch):
    folder = out / "fr"
    if os.geteuid() == 0:  # root ignores the permission bits: refuse the way the kernel would
        real_mkstemp = publish_module.tempfile.mkstemp

        def read_only_mkstemp(*args, **kwargs):
            if Path(kwargs.get("dir", "")) == folder:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder / "x"))
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(publish_module.tempfile, "mkstemp", read_only_mkstemp)
    else:
        folder.chmod(0o555)
    try:
        error = output_error(new_outputs(out))
    finally:
        folder.chmod(0o755)
    assert str(error).endswith(": " + MESSAGE.format("Permission denied"))
    assert str(error).startswith(str(folder))
    assert_previous_build_intact(out)


def test_output_folder_under_a_file_gives_exit_4(tmp_path):
    blocker = tmp_path / "print"
    blocker.write_text("a file where the folder should be")
    target = blocker / "fr" / "redness.pdf"
    error = output_error([(target, b"%PDF")])
    assert str(error) == f"{blocker / 'fr'}: " + MESSAGE.format("Not a directory")
    assert blocker.read_text() == "a file where the folder should be"


@pytest.mark.parametrize("failing_write", [1, 2])
def test_disk_full_mid_write_gives_exit_4_and_leaves_no_temporary(out, monkeypatch, failing_write):
    calls = []
    real_fsync = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == failing_write:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(publish_module.os, "fsync", fsync)
    error = output_error(new_outputs(out))
    assert str(error) == f"{out / 'fr'}: " + MESSAGE.format("No space left on device")
    assert_previous_build_intact(out)


def test_disk_full_in_write_itself_leaves_no_temporary(out, monkeypatch):
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(publish_module.os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    error = output_error(new_outputs(out))
    assert "No space left on device" in str(error)
    assert_previous_build_intact(out)


def test_stale_temporaries_of_a_killed_build_are_removed_by_the_next_publish(out):
    stale = out / "fr" / f"{TEMP_PREFIX}k1ll3d.part"
    stale.write_bytes(b"%PDF half a sheet")
    publish(new_outputs(out))
    assert not stale.exists()
    assert temporaries(out) == []


def test_a_failed_rename_half_way_puts_the_replaced_pdfs_back(out, monkeypatch):
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(publish_module.os, "replace", replace)
    output_error(new_outputs(out))
    assert_previous_build_intact(out)


# --- Through build(): nothing is published unless every requested sheet succeeded -----------


def test_build_on_a_full_disk_gives_exit_4_and_keeps_the_previous_pdfs(project, out, monkeypatch):
    monkeypatch.setattr(publish_module.os, "fsync", lambda fd: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))
    with pytest.raises(HandoutsError) as caught:
        build(BuildOptions(project, ("fr",), ("redness",), out))
    assert caught.value.exit_code == EXIT_OUTPUT
    assert str(caught.value) == f"{out / 'fr'}: " + MESSAGE.format("No space left on device")
    assert_previous_build_intact(out)


def test_build_with_one_broken_sheet_publishes_nothing(project, out):
    sheet = project / "content" / "dryness.yaml"
    sheet.write_bytes(sheet.read_bytes() + b"\ttitle: x\n")
    with pytest.raises(HandoutsError) as caught:
        build(BuildOptions(project, ("fr", "en"), ("redness", "dryness"), out))
    assert caught.value.exit_code == EXIT_INPUT
    assert str(caught.value).startswith(f"{sheet}:")
    assert "indented with a tab" in str(caught.value)
    assert (out / "fr" / "redness.pdf").read_bytes() == OLD
    assert not (out / "en").exists()


def test_build_writes_a_complete_pdf_and_removes_stale_temporaries(project, out):
    stale = out / "fr" / f"{TEMP_PREFIX}old.part"
    stale.write_bytes(b"%PDF half a sheet")
    result = build(BuildOptions(project, ("fr",), ("redness",), out))
    assert result.written == [out / "fr" / "redness.pdf"]
    pdf = (out / "fr" / "redness.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert (out / "fr" / "dryness.pdf").read_bytes() == OLD  # not requested: untouched
    assert temporaries(out) == []


def test_a_second_build_into_the_same_folder_stops_with_exit_4(tmp_path):
    """While one build holds the folder, another is told to wait; nothing of it is written."""
    import fcntl

    from handouts.publish import LOCK_NAME, output_lock

    target = tmp_path / "dist"
    target.mkdir()
    with open(target / LOCK_NAME, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the first build, still writing
        with pytest.raises(HandoutsError) as caught, output_lock(target):
            pass
    assert caught.value.exit_code == EXIT_OUTPUT
    assert "another build is writing into this folder right now" in str(caught.value)
    with output_lock(target):  # once the first build is done, the next one goes ahead
        pass


def test_published_pdfs_are_readable_by_everyone_like_any_new_file(out):
    publish(new_outputs(out))
    mask = os.umask(0)
    os.umask(mask)
    assert all((path.stat().st_mode & 0o777) == (0o666 & ~mask) for path in out.rglob("*.pdf"))


def test_an_output_folder_that_cannot_be_made_gives_exit_4_before_any_rendering(cli, tmp_path):
    """The lock file is the first thing written: a folder that cannot exist stops the build there."""
    blocker = tmp_path / "print"
    blocker.write_text("a file where the folder should be")
    result = cli("build", "--lang", "fr", "--no-large-print", "--out", str(blocker / "dist"), "redness")
    assert result.exit_code == 4
    assert result.output.strip().endswith(
        f"{blocker / 'dist'}: cannot write to the output folder (Not a directory); choose another with --out."
    )
    assert "rendered" not in result.output and "Traceback" not in result.output
    assert blocker.read_text() == "a file where the folder should be"
