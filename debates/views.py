"""Pages. Function views; one access helper per object that returns it or raises 404."""

from django.http import HttpResponse


def home(request):
    return HttpResponse("Counterpoint")


# === Maps: debate page, node page, exports (issue 3) ===============================


# === Classroom: accounts, classrooms, teacher pages, sources (issue 4) =============


# === Contributing and moderation (issue 4) ========================================
