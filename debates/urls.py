from django.urls import path

from debates import views

app_name = "debates"

urlpatterns = [
    path("", views.home, name="home"),
    # === Maps (issue 3) ===
    # === Classroom (issue 4) ===
    # === Contributing and moderation (issue 4) ===
]
