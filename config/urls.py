from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # === Accounts (issue 4) ===
    # === API (issue 5) ===
    path("api/", include("debates.api.urls")),
    path("", include("debates.urls")),
]
