"""A bundled sample eFiction 3.5 archive served over HTTP on loopback.

Used by ``mirror demo`` and the integration tests.  The content and its ground
truth live in :mod:`mirror.sample.archive`; :class:`SampleArchive` serves it
(``python -m mirror.sample.server`` runs it standalone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["SampleArchive"]

if TYPE_CHECKING:
    from .server import SampleArchive


def __getattr__(name: str) -> Any:
    # Imported lazily so that `python -m mirror.sample.server` does not import
    # the module twice (runpy warns when the package already imported it).
    if name == "SampleArchive":
        from .server import SampleArchive

        return SampleArchive
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
