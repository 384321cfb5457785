"""The API's OpenAPI schema: it validates as OpenAPI 3 with no warning from drf-spectacular, and says what each
operation may answer, so that a program (and Schemathesis, tests/test_api_schemathesis.py) can trust it."""

import io

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from api import schema
from tests.api_helpers import bearer, make_token


@pytest.fixture
def document(db):
    out = io.StringIO()
    # --validate checks the document against the OpenAPI 3 specification; --fail-on-warn fails on any warning.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_the_schema_validates_and_covers_every_operation(document):
    assert document["openapi"].startswith("3.")
    operations = {(path, method) for path, methods in document["paths"].items() for method in methods}
    assert len(operations) == 18
    assert ("/api/v1/actions/{id}/progress/", "post") in operations
    assert ("/api/v1/actions/{id}/evidence/", "post") in operations
    assert document["components"]["securitySchemes"]["personalToken"] == {
        "type": "http", "scheme": "bearer", "description": "A personal API token, made on your API tokens page."
    }


def test_every_operation_lists_its_refusals_with_a_body(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for code in schema.REFUSALS:
                answer = operation["responses"][code]
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Refusal"}, (
                    path, method, code)


def test_free_text_is_documented_without_the_nul_character_which_is_refused(document, client, world):
    search = next(p for p in document["paths"]["/api/v1/actions/"]["get"]["parameters"] if p["name"] == "q")
    assert search["schema"]["pattern"] == schema.NO_NUL
    _, raw = make_token(world.member)
    refused = client.get(reverse("api:action-list"), {"q": "a\x00b"}, **bearer(raw))
    assert refused.status_code == 400 and "Null characters" in refused.json()["q"][0]
    assert client.get(reverse("api:action-list"), {"q": "ab"}, **bearer(raw)).status_code == 200
