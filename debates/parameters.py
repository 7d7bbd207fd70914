"""The pages' query parameters, refused at the door when they carry what text may not."""

from django.http import HttpResponseBadRequest

from debates.api.exceptions import API_PREFIX
from debates.text import find_forbidden_parameter


class QueryParametersMiddleware:
    """A page's query parameter holding a NUL or another control character is a 400 naming
    the parameter (never echoing the value), before any view reads it: a filter form would
    otherwise echo the character into its error message ("Select a valid choice. <NUL> is
    not one..."), and PostgreSQL refuses a NUL in a query (a 500). The API refuses the same
    parameters in its own error shape (api/views.py, _check_query_params), so it is left to it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            bad = find_forbidden_parameter(request.GET)
            if bad:
                name, message = bad
                return HttpResponseBadRequest(f"{name}: {message}", content_type="text/plain; charset=utf-8")
        return self.get_response(request)
