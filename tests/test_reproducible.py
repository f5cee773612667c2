"""The same inputs give the same PDF bytes, on both of WeasyPrint's font-subsetting paths.

With HarfBuzz's subsetter (libharfbuzz-subset0) WeasyPrint subsets fonts in C; without it,
with fontTools, which stamps each subset font with the current time unless told otherwise.
The fixture folder ``no-subsetter`` hides the library from WeasyPrint in a subprocess, so both
paths run on any machine that has the library (the first is skipped on one that lacks it).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from handouts.pdf import SUBSET_HINT, subset_available

from .conftest import ROOT

HIDE_SUBSETTER = Path(__file__).resolve().parent / "fixtures" / "no-subsetter"


def build(out: Path, *, subsetter: bool, epoch: str | None = None) -> tuple[dict[str, str], list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PYTHONPATH")}
    if not subsetter:
        env["PYTHONPATH"] = str(HIDE_SUBSETTER)
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    run = subprocess.run(
        [sys.executable, "-m", "handouts", "build", "--project", str(ROOT), "--lang", "fr+en",
         "--no-large-print", "--jobs", "1", "--out", str(out), "redness"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    digests = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted(out.rglob("*.pdf"))}
    return digests, run.stderr.splitlines()


@pytest.mark.parametrize("subsetter", [True, False], ids=["harfbuzz-subset", "fonttools"])
def test_two_builds_give_the_same_bytes_and_no_third_party_warning(tmp_path, subsetter):
    if subsetter and not subset_available():
        pytest.skip("libharfbuzz-subset0 is not installed: only the fontTools path can run here")
    first, lines = build(tmp_path / "a", subsetter=subsetter)
    second, _ = build(tmp_path / "b", subsetter=subsetter)
    assert first == second and list(first) == ["fr+en/redness.pdf"]
    with pikepdf.open(tmp_path / "a" / "fr+en" / "redness.pdf") as pdf:
        assert "/CreationDate" not in pdf.docinfo  # no build time in the file
    # What reaches the terminal is ours: progress lines, and the subsetter note on that path.
    ours = [line for line in lines if line.startswith("[1/1] ") or line == SUBSET_HINT]
    assert lines == ours, lines
    assert lines.count(SUBSET_HINT) == (0 if subsetter else 1)  # said once; the fixture really hid it


def test_source_date_epoch_sets_the_date_and_still_gives_the_same_bytes(tmp_path):
    fast = subset_available()  # the subsetter is no matter here; the test above runs both
    dated, _ = build(tmp_path / "c", subsetter=fast, epoch="1700000000")
    assert dated == build(tmp_path / "d", subsetter=fast, epoch="1700000000")[0]
    with pikepdf.open(tmp_path / "c" / "fr+en" / "redness.pdf") as pdf:
        assert str(pdf.docinfo.CreationDate).startswith("D:20231114")
