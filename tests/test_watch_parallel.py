"""'handouts watch' hands the PDFs of one change to worker processes kept warm from one rebuild to
the next: the README's 'watch --lang fr' (regular and large print) rebuilds both PDFs of an edited
sheet, by the same workers every time, which make new renderers when the stylesheet changes; the
PDFs are those a build makes, and Ctrl-C leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from handouts.cli import main

from .conftest import pdf_text, processes

PDFS = ("fr/redness.pdf", "fr-large/redness.pdf")


def wait_for(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def children(pid: int) -> set[int]:
    return {child for child, state, parent, _ in processes() if parent == pid and state != "Z"}


def workers_of(pid: int) -> set[int]:
    """The render processes of a watch: forked by its fork server (a child of the watch), on Linux."""
    return {worker for child in children(pid) for worker in children(child)}


def alive(pid: int) -> bool:
    return any(p == pid and state != "Z" for p, state, _, _ in processes())


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="on one core, watch renders in its own process")
def test_watch_rebuilds_both_pdfs_of_a_change_with_the_same_warm_workers(project, tmp_path):
    settings = project / "handouts.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("large_print: false", "large_print: true"),
                        encoding="utf-8")
    out, log = tmp_path / "out", tmp_path / "stderr.txt"
    with log.open("w") as err, (tmp_path / "stdout.txt").open("w") as stdout:
        process = subprocess.Popen([sys.executable, "-m", "handouts", "watch", "--project", str(project),
                                    "--out", str(out), "--lang", "fr", "redness"], stdout=stdout, stderr=err)

    def rebuilds() -> int:
        return log.read_text(encoding="utf-8").count("Watching for changes")

    try:
        wait_for(lambda: rebuilds() == 1, "the first build")
        workers = workers_of(process.pid)
        assert len(workers) == 2, workers  # one per PDF of the change (fr, fr-large)

        catalog = project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
        text = catalog.read_text(encoding="utf-8")
        assert text.count('"minutes à la fois."') == 1
        catalog.write_text(text.replace('"minutes à la fois."', '"minutes à la fois. Restez au calme."'),
                           encoding="utf-8")
        wait_for(lambda: rebuilds() == 2, "the rebuild after the edit")
        for pdf in PDFS:
            assert "Restez au calme." in pdf_text(out / pdf), pdf
        assert workers_of(process.pid) == workers  # the same warm processes, none forked again

        built = tmp_path / "built"
        result = CliRunner().invoke(main, ["build", "--project", str(project), "--out", str(built), "--lang", "fr",
                                           "redness"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        for pdf in PDFS:
            assert (out / pdf).read_bytes() == (built / pdf).read_bytes(), pdf

        stylesheet = project / "templates" / "css" / "print.css"
        stylesheet.write_text(stylesheet.read_text(encoding="utf-8") + '\nh1::after { content: " Styled" }\n',
                              encoding="utf-8")
        wait_for(lambda: rebuilds() == 3, "the rebuild after the stylesheet changed")
        for pdf in PDFS:  # the warm workers made new renderers, with the new stylesheet
            assert "Styled" in pdf_text(out / pdf), pdf
        renewed = workers_of(process.pid)
        assert renewed == workers
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    stderr = log.read_text(encoding="utf-8")
    assert process.returncode == 130, stderr
    assert "Stopped watching." in stderr and "Traceback" not in stderr, stderr
    wait_for(lambda: not any(alive(pid) for pid in renewed), "the workers to end with the watch", timeout=30)
