"""The OpenAPI document: every operation also lists the errors it can answer, in the one
error shape of debates.api.exceptions."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

ERRORS = {
    "400": "Invalid input: `errors` names each field and what is wrong with it.",
    "401": "Not signed in, or the token is not valid.",
    "403": "Signed in, but not allowed to do this (or the CSRF token is missing).",
    "404": "No such object, or not one you may see.",
    "409": "Already decided by someone else, or changed at the same moment.",
    "413": "The request body is too large.",
    "415": "The body is not JSON.",
    "429": "Too many requests; the Retry-After header says how many seconds to wait.",
}
READ_ERRORS = ["400", "401", "403", "404"]
WRITE_ERRORS = [*READ_ERRORS, "409", "413", "415", "429"]


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        from debates.api.serializers import ErrorOut

        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD", "OPTIONS") else WRITE_ERRORS
        if not self.get_auth():
            codes = [code for code in codes if code not in ("401", "403")]
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorOut, code, direction=direction)
                response["description"] = ERRORS[code]
                if code == "429":
                    response["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
                    }
                responses[code] = response
        return responses


def forbid_unknown_fields(result, generator, request, public):
    """Inputs refuse unknown fields (debates.api.serializers.StrictSerializer): say so in the document."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
