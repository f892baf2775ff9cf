"""Validation against the official ISO 20022 XSDs, compiled once, lazily, thread-safely.

The XSDs are never copied into the project: they are found in ``LINTAS_ISO20022_XSD_DIR``
or, by default, ``<repo>/../shared/iso20022/xsd``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Final

from lxml import etree

from lintas.codecs.iso20022._xml import readable_path
from lintas.codecs.iso20022.errors import SchemaProblem, UnknownMessage

XSD_DIR_ENV: Final[str] = "LINTAS_ISO20022_XSD_DIR"
#: Each validation reports at most this many problems (a hostile message can have thousands).
PROBLEMS_MAX: Final[int] = 50

_lock = threading.Lock()
_schemas: dict[tuple[Path | None, str], tuple[etree.XMLSchema, threading.Lock]] = {}


def default_xsd_dir() -> Path:
    """Where the XSDs live: the env override, else ``<repo>/../shared/iso20022/xsd``."""
    override = os.environ.get(XSD_DIR_ENV)
    if override:
        return Path(override)
    # src/lintas/codecs/iso20022/schema.py -> parents[4] is the repository root.
    return Path(__file__).resolve().parents[4] / ".." / "shared" / "iso20022" / "xsd"


def schema_for(
    message_id: str, xsd_dir: Path | None = None
) -> tuple[etree.XMLSchema, threading.Lock]:
    """The compiled schema of ``message_id`` and the lock to hold while using it.

    Compiled on first use, then cached. A validator keeps its error log on itself, so one
    thread at a time validates with it; compiling one per thread would cost far more.
    """
    # The cache key is what the caller passed, not a resolved path: resolving a path costs
    # filesystem calls, which must stay off the hot path. None stands for the default folder,
    # whose environment override is read once, at the first validation.
    key = (xsd_dir, message_id)
    entry = _schemas.get(key)
    if entry is not None:
        return entry
    with _lock:
        # Another thread may have compiled it while this one waited for the lock.
        entry = _schemas.get(key)
        if entry is None:
            directory = (xsd_dir or default_xsd_dir()).resolve()
            path = directory / f"{message_id}.xsd"
            if not path.is_file():
                raise UnknownMessage(f"no XSD for {message_id} in {directory}")
            # The XSD files are trusted, yet parsed as strictly as any message.
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            entry = (etree.XMLSchema(etree.parse(str(path), parser)), threading.Lock())
            _schemas[key] = entry
    return entry


def problems_of(
    element: etree._Element, message_id: str, xsd_dir: Path | None = None
) -> list[SchemaProblem]:
    """Every XSD finding for ``element`` (validated as the root of its message)."""
    schema, lock = schema_for(message_id, xsd_dir)
    with lock:
        if schema.validate(element):
            return []
        # The stubs do not declare the error log iterable; it is (lxml _ListErrorLog).
        entries: list[Any] = list(schema.error_log)  # type: ignore[call-overload]
        log = [(str(e.path), str(e.message)) for e in entries[:PROBLEMS_MAX]]
    return [SchemaProblem(readable_path(element, path), message) for path, message in log]
