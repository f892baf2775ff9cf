"""The app also runs under any ASGI server: the same answers through the ASGI interface."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from e2ekit import CUSTOMERS_PER_COUNTRY_E2E

from lintas.bootstrap import HubConfig
from lintas.entrypoints.api.app import LintasApp
from lintas.entrypoints.api.http import BODY_BYTES_MAX


async def _exchange(app: LintasApp) -> list[httpx.Response]:
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return [
                await client.get("/healthz"),
                await client.get("/v1/countries/SG/address-types"),
                await client.post("/v1/addressing/resolve", content=b"{}"),
                await client.post("/v1/payments", content=b"x" * (BODY_BYTES_MAX + 1)),
            ]
    finally:
        app.shutdown()


def test_the_asgi_interface_routes_authenticates_and_bounds_bodies(tmp_path: Path) -> None:
    app = LintasApp(
        HubConfig(db_path=tmp_path / "hub.db", customers_per_country=CUSTOMERS_PER_COUNTRY_E2E)
    )
    health, types, unauthenticated, too_large = asyncio.run(_exchange(app))
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert types.status_code == 200 and types.json()
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"] == "application/problem+json"
    assert unauthenticated.headers["www-authenticate"] == "Bearer"
    assert too_large.status_code == 413
    assert json.loads(too_large.content)["reason"] == "body_too_large"
