"""Loaders that read sanctions list files into ``lintas.matching.SanctionsList``.

``load_list(path)`` detects the format: the UN Security Council consolidated XML, the OFAC SDN
CSV (sdn.csv with alt.csv beside it, or their folder), or FollowTheMoney JSON lines.
"""

from __future__ import annotations

from pathlib import Path

from lintas.adapters.sanctions.errors import ListRefusedError
from lintas.adapters.sanctions.ftm import load_ftm_jsonl
from lintas.adapters.sanctions.ofac import load_ofac_csv
from lintas.adapters.sanctions.un import load_un_xml
from lintas.matching.model import SanctionsList

__all__ = [
    "ListRefusedError",
    "detect_format",
    "load_ftm_jsonl",
    "load_list",
    "load_ofac_csv",
    "load_un_xml",
]

SNIFF_BYTES = 4096


def detect_format(path: Path) -> str:
    """'un-xml', 'ofac-csv' or 'ftm-jsonl', from the content's first bytes (not the name)."""
    if path.is_dir():
        if (path / "sdn.csv").exists():
            return "ofac-csv"
        raise ListRefusedError(f"unknown_list_format: folder {path} has no sdn.csv")
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if b"CONSOLIDATED_LIST" in head:
            return "un-xml"
        raise ListRefusedError("unknown_list_format: XML that is not a UN consolidated list")
    if head.startswith(b"{"):
        if b'"schema"' in head:
            return "ftm-jsonl"
        raise ListRefusedError("unknown_list_format: JSON without a FollowTheMoney schema")
    first = head.split(b"\n", 1)[0]
    if first[:1].isdigit() and first.count(b",") >= 11:
        return "ofac-csv"
    raise ListRefusedError(f"unknown_list_format: {path.name}")


def load_list(path: Path) -> SanctionsList:
    """Load any supported list file, detecting its format."""
    fmt = detect_format(path)
    if fmt == "un-xml":
        return load_un_xml(path)
    if fmt == "ofac-csv":
        return load_ofac_csv(path)
    return load_ftm_jsonl(path)
