"""The one way a sheet loads a file while WeasyPrint renders it: the project's own files, nothing else.

WeasyPrint's default fetcher opens any URL, network or local, and even attaches a local file
named by ``<link rel="attachment">``; the fetcher made here serves ``file:`` URLs inside the
project's template, font and brand folders, and refuses everything else.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from handouts.errors import HandoutsError
from handouts.safefile import read_file

MAX_RESOURCE_BYTES = 20_000_000  # a stylesheet, font or logo a sheet loads (a font: 0.7 MB)


class RefusedURL(Exception):
    """A sheet asked for something outside the project's template, font and brand folders."""


def make_fetcher(allowed: tuple[Path, ...]) -> Any:
    """A URL fetcher that serves ``file:`` URLs inside ``allowed`` folders and refuses all else.

    Its ``refused`` list holds the URLs it refused since it was last cleared.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = tuple(folder.resolve() for folder in allowed)

    class ProjectFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
            root = next((root for root in roots if path is not None and path.is_relative_to(root)), None)
            if path is None or root is None or not path.is_file():
                self.refused.append(url)
                raise RefusedURL(url)
            try:
                body = read_file(path, MAX_RESOURCE_BYTES, root)
            except HandoutsError as err:  # not a regular file, or too big
                self.refused.append(url)
                raise RefusedURL(url) from err
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})

    return ProjectFetcher()
