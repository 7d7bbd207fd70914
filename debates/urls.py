from django.urls import path

from debates import views

app_name = "debates"

urlpatterns = [
    path("", views.home, name="home"),
    # === Maps (issue 3) ===
    path("debates/<slug:slug>/", views.debate_detail, name="debate-detail"),
    path("debates/<slug:slug>/nodes/<int:pk>/", views.node_detail, name="node-detail"),
    path("debates/<slug:slug>/map.<str:fmt>", views.debate_map, name="debate-map"),
    # === Classroom (issue 4) ===
    # === Contributing and moderation (issue 4) ===
]
