"""The worker processes (handouts/pool.py, handouts/workers.py): a build whose workers cannot start still
makes its PDFs; a renderer made before the build has read its inputs never outlives them."""

from __future__ import annotations

import errno
import gc

import pytest

from handouts import build as pipeline
from handouts import pool, workers
from handouts.errors import HandoutsError
from handouts.options import BuildOptions
from handouts.plan import early_renderer_key, prepare

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


def test_a_renderer_made_before_the_first_batch_gives_way_to_the_files_the_build_read(project, tmp_path, monkeypatch):
    """Workers make the renderer the build expects while it reads its inputs; a stylesheet saved
    meanwhile changes the key the batch brings, and the PDF shows the stylesheet as saved."""
    options = BuildOptions(project, ("fr",), ("redness",), tmp_path / "out", jobs=1)
    monkeypatch.setattr(workers, "_renderer", None)
    expected = early_renderer_key(options)
    assert expected is not None
    workers._make_expected_renderer(expected)
    assert workers._renderer is not None and workers._renderer[0] == expected
    css = project / "templates" / "css" / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + '\nh1::after { content: " (saved meanwhile)"; }\n',
                   encoding="utf-8")
    plan = prepare(options)
    key = plan.renderer_key
    assert key != expected
    [outcome] = workers.make_batch(key, plan.tasks[:1]).outcomes
    out = tmp_path / "redness.pdf"
    out.write_bytes(outcome.pdf)
    assert "(saved meanwhile)" in pdf_text(out)


def test_a_renderer_that_cannot_be_made_early_is_reported_by_the_first_batch(project, tmp_path, monkeypatch):
    options = BuildOptions(project, ("fr",), ("redness",), tmp_path / "out", jobs=1)
    monkeypatch.setattr(workers, "_renderer", None)
    plan = prepare(options)
    key = plan.renderer_key
    (project / "fonts" / "Lato-Regular.ttf").write_bytes(b"not a font")
    workers._make_expected_renderer(key)  # says nothing, and leaves no renderer behind
    assert workers._renderer is None
    with pytest.raises(HandoutsError) as caught:
        workers.make_batch(key, plan.tasks[:1])
    assert "Lato-Regular.ttf" in str(caught.value.problems[0].path) + caught.value.problems[0].message


def test_a_batch_leaves_the_collector_on_and_nothing_of_its_own_behind(project, tmp_path, monkeypatch):
    """Python's cycle collector is paused while a batch renders, and on again after it, with what
    the batch made freed: a worker kept warm all day by 'handouts watch' does not grow."""
    options = BuildOptions(project, ("fr", "en", "fr+en"), ("redness",), tmp_path / "out", jobs=1)
    monkeypatch.setattr(workers, "_renderer", None)
    plan = prepare(options)
    assert len(plan.tasks) == 3
    workers.make_batch(plan.renderer_key, plan.tasks)  # the renderer and WeasyPrint's caches, made once
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(2):
        outcomes = workers.make_batch(plan.renderer_key, plan.tasks).outcomes
        assert [o.pdf is not None for o in outcomes] == [True, True, True]
        assert gc.isenabled()
    del outcomes
    assert len(gc.get_objects()) - before < 1000


def test_a_worker_sent_tasks_imports_none_of_the_planning_code(project):
    """A worker starts from the fork server's imports (handouts.warm_start); the tasks it is sent
    must not make it import Jinja, Babel or YAML (70 ms of every worker's way to its first PDF)."""
    import pickle
    import subprocess
    import sys

    plan = prepare(BuildOptions(project, ("fr",), ("redness",)))
    sent = pickle.dumps([plan.tasks, plan.renderer_key])
    check = ("import pickle, sys; import handouts.warm_start; before = set(sys.modules); "
             "pickle.loads(sys.stdin.buffer.read()); "
             "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in "
             "('jinja2', 'babel', 'yaml', 'markupsafe') or m == 'handouts.plan'))")
    run = subprocess.run([sys.executable, "-c", check], input=sent, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode().strip() == "[]"
