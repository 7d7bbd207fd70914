from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    """The yardstick: a Django view that returns a constant string."""
    return HttpResponse("Counterpoint", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), path("", include("config.urls"))]
