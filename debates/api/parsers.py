"""The API's only parser: JSON, bounded in size and depth, so that no body can cause a 500."""

import json

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

# Deep enough for any body the API documents; far below Python's recursion limit, which
# about 2 KB of nested brackets reaches (a RecursionError, a 500, without this check).
MAX_DEPTH = 32


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


def max_body_bytes() -> int:
    """Django's own limit, which DRF applies too when it reads the body for this parser."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _depth(value) -> int:
    """Nesting depth of parsed JSON, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, plus a size limit (413), a depth limit and RecursionError caught (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit:,} bytes.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError("The request body is not valid UTF-8.") from None
        try:
            data = json.loads(text, parse_constant=drf_json.strict_constant)
        except RecursionError:
            raise ParseError("The JSON is nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error: {exc}") from None
        if _depth(data) > MAX_DEPTH:
            raise ParseError(f"The JSON is nested too deeply (more than {MAX_DEPTH} levels).")
        return data
