"""The site's URLs plus views that raise, for the tests of what an unhandled error answers."""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from config.urls import handler404, handler500  # noqa: F401 (handlers)
from config.urls import urlpatterns as site_urlpatterns


def _raise(request):
    raise RuntimeError("a bug")


@api_view(["GET"])
@permission_classes([AllowAny])
def _raise_in_drf(request):
    raise RuntimeError("a bug in an API view")


urlpatterns = [
    path("api/test-raise/", _raise),
    path("api/test-raise-drf/", _raise_in_drf),
    path("test-raise/", _raise),
    *site_urlpatterns,
]
