"""The worker processes (handouts/pool.py): a build whose workers cannot start still makes its PDFs."""

from __future__ import annotations

import errno

from handouts import build as pipeline
from handouts import pool
from handouts.options import BuildOptions

from .conftest import pdf_text


def test_a_build_whose_workers_cannot_start_makes_its_pdfs_in_its_own_process(project, tmp_path, monkeypatch):
    def no_process(self, *args, **kwargs):  # what fork() says at the system's process limit
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(pool.ProcessPoolExecutor, "submit", no_process)
    out = tmp_path / "out"
    result = pipeline.build(BuildOptions(project, ("fr",), ("redness", "dryness"), out, jobs=2))
    assert sorted(p.relative_to(out).as_posix() for p in result.written) == ["fr/dryness.pdf", "fr/redness.pdf"]
    assert "Rougeurs" in pdf_text(out / "fr" / "redness.pdf")
    assert not pool.running()  # nothing left running
