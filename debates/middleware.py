"""Answers cached map exports of public debates before the layers that only pages need."""

import re

from debates.views import cached_public_export

# /debates/<slug>/map.<fmt>, as in debates/urls.py (a slug is letters, digits, - and _).
MAP_EXPORT_PATH = re.compile(r"/debates/(?P<slug>[-a-zA-Z0-9_]+)/map\.(?P<fmt>[a-z]+)")


class PublicMapMiddleware:
    """A cached drawing of a public debate is answered here, after the security and static
    layers and before sessions, authentication, CSRF, messages and CSP, none of which it
    needs: they cost more than the answer (bench/maps.py, figure (b)). Anything it cannot
    answer from the cache goes on to the view, which renders, caches and checks access."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = MAP_EXPORT_PATH.fullmatch(request.path_info)
        if match is not None:
            request.get_host()  # ALLOWED_HOSTS holds here too (CommonMiddleware would check it)
            response = cached_public_export(request, match["slug"], match["fmt"])
            if response is not None:
                return response
        return self.get_response(request)
