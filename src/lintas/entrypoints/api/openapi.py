"""OpenAPI 3.1 built from the route table (so every route is documented by construction)."""

from __future__ import annotations

from typing import Any

import msgspec

from lintas import __version__
from lintas.entrypoints.api.http import Auth, Route
from lintas.entrypoints.api.schemas import Problem


def openapi(routes: list[Route]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``."""
    types: list[Any] = [Problem]
    for r in routes:
        for t in (r.request, r.response):
            if t is not None and t not in types:
                types.append(t)
    _, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        op: dict[str, Any] = {
            "summary": r.summary,
            "description": f"{r.description}\n\nExample:\n\n    {r.example}",
            "operationId": _operation_id(r),
            "tags": [r.tag],
            "x-example": r.example,
            "parameters": [
                {
                    "name": p.name,
                    "in": p.where,
                    "required": p.required or p.where == "path",
                    "description": p.description,
                    "schema": {"type": "string"},
                    **({"example": p.example} if p.example is not None else {}),
                }
                for p in r.params
            ],
            "responses": {
                "200" if r.method == "GET" else ("201" if r.path == "/v1/rates" else "200"): {
                    "description": "OK",
                    "content": {
                        r.content_type: {
                            "schema": {"$ref": f"#/components/schemas/{r.response.__name__}"}
                        }
                        if r.response is not None
                        else {}
                    },
                },
                "default": {
                    "description": "A refusal, with its reason and ISO 20022 reason code",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                },
            },
        }
        if r.auth == Auth.KEY:
            op["security"] = [{"bearer": []}]
        else:
            op["security"] = []
        if r.request is not None:
            op["requestBody"] = {
                "required": True,
                "content": {
                    r.content_type: {
                        "schema": {"$ref": f"#/components/schemas/{r.request.__name__}"}
                    }
                },
            }
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lintas",
            "version": __version__,
            "description": "A cross-border instant payments hub for Southeast Asia.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation_id(route: Route) -> str:
    words = route.path.strip("/").replace("{", "").replace("}", "").replace("-", "_")
    return f"{route.method.lower()}_{words.replace('/', '_')}"
