"""What the fork server imports once, so that every worker forked from it starts with it loaded.

WeasyPrint (found without the library-probing child processes, :mod:`handouts.native`), PDFium
for the thumbnails, and the worker code; see :mod:`handouts.pool`. Nothing here may fail: a
WeasyPrint that cannot start is reported by the first worker that makes a renderer, in the
build's own words.
"""

from __future__ import annotations

import contextlib
import gc

# What is imported here lives as long as the process: no reference cycle to look for meanwhile
# (30 ms of the 280 ms import), and frozen afterwards, as Python's gc.freeze documentation
# advises before forking, so that a worker's collections never go through these objects
# (nor copy the memory pages that hold them).
gc.disable()
try:
    import concurrent.futures.process  # noqa: F401 - the loop a worker runs
    import resource  # noqa: F401 - the memory limit of each render

    from handouts import tasks, workers  # noqa: F401 - loaded here once, for every worker (tasks: what it is sent)
    from handouts.errors import HandoutsError
    from handouts.pdf import weasyprint_module

    with contextlib.suppress(HandoutsError):
        weasyprint_module()
    with contextlib.suppress(ImportError):
        import PIL.Image  # noqa: F401 - the thumbnails
        import pypdfium2  # noqa: F401
finally:
    gc.freeze()
    gc.enable()
