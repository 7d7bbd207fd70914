from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from debates import views


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the static icon."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    # === Accounts (issue 4) ===
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    # === API (issue 5) ===
    path("api/", include("debates.api.urls")),
    path("", include("debates.urls")),
]
