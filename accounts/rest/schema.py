"""The OpenAPI schema's shared parts: every operation documents the error answers it can give,
in the one shape accounts.rest.errors writes (a drf-spectacular postprocessing hook)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "The message, fit to show a person."},
        "code": {"type": "string", "description": "e.g. invalid_transition, not_found."},
        "fields": {
            "type": "object",
            "additionalProperties": True,
            "description": "Per field, what did not validate (code: invalid).",
        },
    },
    "required": ["error", "code"],
}
ALWAYS = {
    "400": "The request is not valid, or a domain rule refused it.",
    "401": "No valid service API key.",
    "403": "The key lacks the scope this needs.",
    "404": "No such object for this key (an account outside its scope is a 404, too).",
    "405": "Method not allowed.",
    "429": "Too many requests for this key.",
}
WRITES = {"409": "The state refuses it: a refused transition, an idempotency conflict…"}


class SingleObjectSchema(AutoSchema):
    """For a viewset's `list` that answers one object (the dunning state): not an array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


def add_links(result, generator, request, public):
    """Add the registered OpenAPI links to the answers they start from."""
    from .registry import links

    operations = {
        operation.get("operationId"): operation
        for path_item in result.get("paths", {}).values()
        for operation in path_item.values()
    }
    for link in links():
        source = operations.get(link.source)
        answer = source and source.get("responses", {}).get(link.status)
        if answer is None or link.target not in operations:
            continue
        answer.setdefault("links", {})[link.name] = {
            "operationId": link.target,
            "parameters": dict(link.parameters),
        }
    return result


def add_error_responses(result, generator, request, public):
    """Document the error answers of every operation under /api/v1/ (not the schema's own)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = ALWAYS | (WRITES if method in ("post", "patch", "put", "delete") else {})
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                responses.setdefault(status, {"description": description, **ref})
    return result
