"""Pages are sent gzipped: a 200-node debate page is about half a megabyte of HTML.

Only HTML: map exports carry their own compression and ETags (the maps code), static files
come compressed from WhiteNoise. Django's GZipMiddleware already mitigates BREACH for the
CSRF token in pages (the token is masked anew per response, and the middleware pads the
gzip header randomly, as Django 4.2+ documents).
"""

from django.middleware.gzip import GZipMiddleware


class HTMLGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for text/html responses only; everything else passes untouched."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
