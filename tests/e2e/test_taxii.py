"""The TAXII 2.1 server read by a real ``taxii2-client``: discovery, API root, collections,
objects with ``added_after`` and ``next`` paging, TLP applied to what it serves."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from taxii2client.v21 import ApiRoot, Server, as_pages  # type: ignore[import-untyped]

_spec = importlib.util.spec_from_file_location(
    "signals_http_kit", Path(__file__).with_name("test_signals_http.py")
)
assert _spec is not None and _spec.loader is not None
kit = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("signals_http_kit", kit)
_spec.loader.exec_module(kit)


class Bearer(requests.auth.AuthBase):
    """A participant's key as requests sends it."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, r: Any) -> Any:
        r.headers["Authorization"] = f"Bearer {self.key}"
        return r


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from kit.serve(tmp_path_factory.mktemp("taxii") / "hub.db")


def _seed(hub: Any, count: int, tlp: str, first: int) -> None:
    for i in range(count):
        r = kit.report(hub, kit.TH_PSP, value=f"08{first + i:08d}", tlp=tlp)
        assert r.status_code == 201, r.text


def test_a_taxii_client_discovers_pages_and_resumes_after_a_date(hub: Any) -> None:
    _seed(hub, 25, "amber", 70_000_000)
    server = Server(f"{hub.url}/taxii2/", auth=Bearer(hub.keys[kit.SG_PSP]))
    assert server.title and len(server.api_roots) == 1
    root: ApiRoot = server.default
    assert "application/taxii+json;version=2.1" in root.versions
    (collection,) = root.collections
    assert collection.can_read and not collection.can_write
    pages = list(as_pages(collection.get_objects, per_request=10))
    ids = [o["id"] for page in pages for o in page.get("objects", [])]
    assert len(pages) >= 3 and len(ids) == len(set(ids)) >= 25
    assert all(o["type"] == "indicator" for page in pages for o in page["objects"])
    first = collection.get_objects(limit=5)
    raw = collection._conn.session.get(
        collection.objects_url,
        params={"limit": 5},
        headers={"Accept": "application/taxii+json;version=2.1"},
    )
    assert raw.headers["Content-Type"] == "application/taxii+json;version=2.1"
    last_added = raw.headers["X-TAXII-Date-Added-Last"]
    later = collection.get_objects(added_after=last_added, limit=1000)
    assert [o["id"] for o in first["objects"]] + [o["id"] for o in later["objects"]] == ids
    everything = collection._conn.session.get(
        collection.objects_url,
        params={"limit": 1000},
        headers={"Accept": "application/taxii+json;version=2.1"},
    )
    cutoff = everything.headers["X-TAXII-Date-Added-Last"]
    _seed(hub, 2, "amber", 71_000_000)
    newest = collection.get_objects(added_after=cutoff, limit=100)
    assert len(newest["objects"]) == 2


def test_taxii_serves_each_participant_only_what_tlp_allows(hub: Any) -> None:
    _seed(hub, 2, "red", 72_000_000)
    _seed(hub, 2, "green", 73_000_000)

    def markings(participant: str) -> set[str]:
        server = Server(f"{hub.url}/taxii2/", auth=Bearer(hub.keys[participant]))
        (collection,) = server.default.collections
        found: set[str] = set()
        for page in as_pages(collection.get_objects, per_request=100):
            for o in page.get("objects", []):
                found.update(o["object_marking_refs"])
        return found

    red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    assert {red, amber, green} <= markings(kit.TH_PSP)
    assert red not in markings(kit.SG_PSP) and amber in markings(kit.SG_PSP)
    assert markings(kit.FXP) == {green}


def test_taxii_needs_a_key_and_refuses_media_types_it_does_not_speak(hub: Any) -> None:
    assert hub.http.get("/taxii2/").status_code == 401
    refused = hub.http.get("/taxii2/", headers={**hub.as_(kit.SG_PSP), "accept": "text/html"})
    assert refused.status_code == 406
