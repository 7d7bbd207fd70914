"""The front door for cached exports of public debates."""

from debates.maps import views


class PublicMapMiddleware:
    """A kept drawing of a public debate is answered here, after the security and static
    layers and before sessions, authentication, CSRF, messages and CSP, none of which it
    needs: they cost more than the answer (bench/maps.py, figure (b)). The map wing decides
    (views.public_export(), which matches the path with the URLconf's own route); anything it
    cannot answer goes on to the view, which checks access, draws and keeps the drawing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = views.public_export(request)
        if response is None:
            response = self.get_response(request)
            if getattr(response, "_same_for_everyone", False):
                # A public export is the same for every reader, but the layers inside may have
                # read the session (who asks, for the render rate) and added "Vary: Cookie":
                # that would make every shared cache keep one copy per reader.
                _drop_vary(response, "Cookie")
        return response


def _drop_vary(response, header: str) -> None:
    kept = [h.strip() for h in response.get("Vary", "").split(",") if h.strip() and h.strip().lower() != header.lower()]
    if kept:
        response["Vary"] = ", ".join(kept)
    elif "Vary" in response:
        del response["Vary"]
