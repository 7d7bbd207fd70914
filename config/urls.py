from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from debates import health, views

# Under /api/ an error is JSON in the API's shape; elsewhere the site's own pages.
handler404 = "debates.api.exceptions.not_found"
handler500 = "debates.api.exceptions.server_error"


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the static icon."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    # For monitors and load balancers: no login, never cached.
    path("healthz", health.healthz, name="healthz"),
    # === Accounts ===
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    # === API ===
    path("api/", include("debates.api.urls")),
    path("", include("debates.urls")),
]
