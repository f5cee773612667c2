"""Run by the benchmark in a fresh process of the project's Python: the render baselines.

    python benchmarks/probe.py export PROJECT DEST   # every PDF of a default build, as HTML files
    python benchmarks/probe.py naive DEST            # those PDFs written the naive way
    python benchmarks/probe.py warm DEST ROUNDS      # naive vs one warm PdfRenderer, one-language sheets
    python benchmarks/probe.py floor DEST RELPATH    # only WeasyPrint's import and one PDF, in a fresh process
    python benchmarks/probe.py again DEST RELPATH N  # one PDF, N times more, by a warm PdfRenderer

``export`` is the one place that asks the package for the sheets' HTML (``handouts.plan.prepare``,
a public name); ``naive`` uses WeasyPrint alone, as a script written without handouts would;
``warm`` uses ``handouts.pdf.PdfRenderer``, what each build worker uses. Each prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def export(project: Path, dest: Path) -> dict[str, object]:
    """Write the HTML of every part of every PDF of a default build, and a manifest of them."""
    from handouts.options import BuildOptions
    from handouts.pdf import STYLESHEET
    from handouts.plan import prepare

    plan = prepare(BuildOptions(project))  # no option: what 'handouts build' makes, large print as handouts.yaml says
    files: dict[str, dict[str, object]] = {}
    pdfs = []
    for task in plan.tasks:
        parts = []
        for part in task.parts:
            name = f"{task.edition.large_print and 'large-' or ''}{task.name}.{part.lang}.html"
            if name not in files:  # the same HTML in every edition that prints this language
                (dest / name).write_text(part.html, encoding="utf-8")
                files[name] = {"label": part.label, "lang": part.lang}
            parts.append({"file": name, "lang": part.lang, "max_pages": part.max_pages})
        pdfs.append({"relpath": task.relpath, "title": task.title, "parts": parts,
                     "large_print": task.edition.large_print})
    manifest = {"base_url": plan.project.templates_dir.resolve().as_uri() + "/",
                "templates": str(plan.project.templates_dir),
                "stylesheet": STYLESHEET.as_posix(), "fonts": str(plan.project.fonts_dir),
                "allowed": [str(p) for p in plan.allowed], "pdfs": pdfs}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return {"pdfs": len(pdfs), "documents": len(files)}


def naive_pdf(weasyprint: Any, dest: Path, manifest: dict[str, Any], pdf: dict[str, Any]) -> bytes:
    """One PDF made from scratch: each language laid out afresh from its HTML, the pages joined, written.

    Each language is a standalone document that links the stylesheet (the build's renderer
    applies its parsed copy instead): fonts, stylesheet and images are loaded for every PDF.
    """
    link = f'<link rel="stylesheet" href="{manifest["stylesheet"]}">'
    documents = []
    for part in pdf["parts"]:
        html = (dest / part["file"]).read_text(encoding="utf-8").replace("<head>", "<head>" + link, 1)
        documents.append(weasyprint.HTML(string=html, base_url=manifest["base_url"]).render())
    document = documents[0]
    if len(documents) > 1:
        document = document.copy([page for doc in documents for page in doc.pages])
    return document.write_pdf(pdf_variant="pdf/ua-1")  # type: ignore[no-any-return]


def naive(dest: Path) -> dict[str, object]:
    """Every PDF of the manifest, the naive way; CPU and wall time of each."""
    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    import_cpu = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import weasyprint
    import_cpu = time.process_time() - import_cpu
    cpu, wall = [], []
    for pdf in manifest["pdfs"]:
        started_cpu, started = time.process_time(), time.perf_counter()
        naive_pdf(weasyprint, dest, manifest, pdf)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return {"cpu": cpu, "wall": wall, "import_cpu": import_cpu, "weasyprint": weasyprint.__version__}


def warm_pdf(renderer: Any, dest: Path, pdf: dict[str, Any]) -> bytes:
    """One one-language PDF through the build's warm renderer (the HTML exactly as the build gives it)."""
    from handouts.pdf import Part

    part = pdf["parts"][0]
    html = (dest / part["file"]).read_text(encoding="utf-8")
    rendered = renderer.make_pdf([Part(html, pdf["relpath"], part["lang"], part["max_pages"])], title=pdf["title"])
    return rendered.pdf  # type: ignore[no-any-return]


def render_once(kind: str, renderer: Any, dest: Path, manifest: dict[str, Any], pdf: dict[str, Any]) -> bytes:
    if kind == "naive":
        import weasyprint  # already imported by the renderer: WeasyPrint's own module, used as is

        return naive_pdf(weasyprint, dest, manifest, pdf)
    return warm_pdf(renderer, dest, pdf)


def warm(dest: Path, rounds: int) -> dict[str, object]:
    """Each one-language sheet, naive then warm (or warm then naive, alternating), ``rounds`` times.

    Returns, for each kind, [large_print, CPU seconds, wall seconds] per render.
    """
    from handouts.pdf import PdfRenderer

    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    renderer = PdfRenderer(Path(manifest["templates"]), allowed=tuple(Path(p) for p in manifest["allowed"]),
                           fonts_dir=Path(manifest["fonts"]))
    singles = [pdf for pdf in manifest["pdfs"] if len(pdf["parts"]) == 1]
    for kind in ("naive", "warm"):  # first use loads libraries and caches: not measured
        render_once(kind, renderer, dest, manifest, singles[0])
    times: dict[str, list[list[object]]] = {"naive": [], "warm": []}
    for rep in range(rounds):
        for index, pdf in enumerate(singles):
            order = ["naive", "warm"] if (rep + index) % 2 else ["warm", "naive"]  # drift hits both alike
            for kind in order:
                started_cpu, started = time.process_time(), time.perf_counter()
                render_once(kind, renderer, dest, manifest, pdf)
                times[kind].append([pdf["large_print"], time.process_time() - started_cpu,
                                    time.perf_counter() - started])
    return times


def floor(dest: Path, relpath: str) -> dict[str, object]:
    """What no build of one PDF can beat in a fresh process: WeasyPrint imported (found the
    build's cheap way, handouts.pdf.weasyprint_module) and this one PDF written, nothing else:
    no content, catalog or page check, no thumbnail, no publishing."""
    from handouts.pdf import weasyprint_module

    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    pdf = next(p for p in manifest["pdfs"] if p["relpath"] == relpath)
    naive_pdf(weasyprint_module(), dest, manifest, pdf)
    return {"relpath": relpath}


def again(dest: Path, relpath: str, count: int) -> dict[str, object]:
    """One PDF by a warm renderer, as a warm 'handouts watch' worker makes it: wall seconds of each,
    after one untimed render."""
    from handouts.pdf import Part, PdfRenderer

    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    renderer = PdfRenderer(Path(manifest["templates"]), allowed=tuple(Path(p) for p in manifest["allowed"]),
                           fonts_dir=Path(manifest["fonts"]))
    pdf = next(p for p in manifest["pdfs"] if p["relpath"] == relpath)
    parts = [Part((dest / part["file"]).read_text(encoding="utf-8"), relpath, part["lang"], part["max_pages"])
             for part in pdf["parts"]]
    walls = []
    for rep in range(count + 1):
        started = time.perf_counter()
        renderer.make_pdf(parts, title=pdf["title"])
        if rep:
            walls.append(time.perf_counter() - started)
    return {"wall": walls}


def main() -> None:
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "export":
        result = export(folder, Path(sys.argv[3]))
    elif command == "naive":
        result = naive(folder)
    elif command == "warm":
        result = warm(folder, int(sys.argv[3]))
    elif command == "floor":
        result = floor(folder, sys.argv[3])
    elif command == "again":
        result = again(folder, sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
