"""Names the API's schema gives to the sets of statuses several serializers share (SPECTACULAR_SETTINGS'
ENUM_NAME_OVERRIDES names these)."""

from actionplans import lifecycle
from actionplans.rules import Status
from concerns.models import Concern
from evidence.models import Evidence
from learning.models import LearningEvent
from reviews.models import Review

ACTION_STATUS = Status.choices
#: The statuses progress moves an action between (actionplans.lifecycle's "progress" move: the working ones).
WORKING_STATUS = [(status.value, status.label) for status in lifecycle.ACTION_MOVES["progress"].targets]
EVIDENCE_STATUS = Evidence.Status.choices
REVIEW_STATUS = Review.Status.choices
EVENT_STATUS = LearningEvent.Status.choices
CONCERN_STATUS = Concern.Status.choices

#: The answers every operation may give besides its own, in words: {"detail": "..."}, or for a request filled in
#: wrong, the messages of each field ({"note": ["..."]}).
REFUSALS = {
    "400": "The request is filled in wrong: the messages say what to change.",
    "401": "No token, or one that is unknown, expired, revoked or not usable by its owner now.",
    "403": "The token may not do this: it may only read, or its owner may not do this here.",
    "404": "No such object, or one the token's owner may not see; or a page's cursor that is not one.",
    "429": "Too many requests with this token in the last minute: wait (Retry-After) and try again.",
}
REFUSAL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


#: Query parameters that must have a value when given.
NEVER_EMPTY = {"page_size"}
#: What free text may hold: anything but the NUL character, which Django's forms refuse (PostgreSQL cannot store it).
NO_NUL = "^[^\\x00]*$"


def document_refusals(result, generator, request, public):
    """drf-spectacular's last step (POSTPROCESSING_HOOKS): every operation lists the refusals it may give, each
    with its body, so that a program (and Schemathesis) knows every answer it can get."""
    result.setdefault("components", {}).setdefault("schemas", {})["Refusal"] = REFUSAL_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                # A filter left empty filters nothing, as on the pages (an empty drop-down is "any").
                if parameter["in"] == "query" and parameter["name"] not in NEVER_EMPTY:
                    parameter["allowEmptyValue"] = True
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and not ({"enum", "format", "pattern"} & set(schema)):
                    schema["pattern"] = NO_NUL
            responses = operation.setdefault("responses", {})
            for code, description in REFUSALS.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code.startswith("4"):
                    response.setdefault("content", body)
    return result
