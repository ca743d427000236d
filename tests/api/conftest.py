"""Fixtures of the open data tests: the populated world and the OpenAPI document as a validator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker

from . import world


@pytest.fixture
def populated(app: Flask, catalogue) -> SimpleNamespace:
    return world.build(app)


class OpenApi:
    """The served OpenAPI document, able to check a real response against its schema."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def schema_for(self, path: str, status: str = "200") -> dict[str, Any]:
        responses = self.document["paths"][path]["get"]["responses"]
        response = responses[status]
        if "$ref" in response:  # a shared response under components/responses
            response = self.document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        return response["content"]["application/json"]["schema"]

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        """Every way `instance` breaks `schema` (resolved within the document's components)."""
        validator = Draft202012Validator({**schema, "components": self.document["components"]},
                                         format_checker=FormatChecker())
        return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                for error in validator.iter_errors(instance)]

    def check(self, path: str, instance: Any, status: str = "200") -> None:
        problems = self.errors(self.schema_for(path, status), instance)
        assert problems == [], f"{path} does not match its OpenAPI schema:\n" + "\n".join(problems[:20])


@pytest.fixture
def openapi(client) -> OpenApi:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return OpenApi(response.get_json())
