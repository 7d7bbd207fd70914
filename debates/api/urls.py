from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from debates.api import views

app_name = "api"

router = SimpleRouter()
router.register("debates", views.DebateViewSet, basename="debate")
router.register("nodes", views.NodeViewSet, basename="node")
router.register("relations", views.RelationViewSet, basename="relation")
router.register("sources", views.SourceViewSet, basename="source")
router.register("classrooms", views.ClassroomViewSet, basename="classroom")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("moderation/", views.ModerationQueueView.as_view(), name="moderation-queue"),
    path("classrooms/<int:pk>/activity/", views.ClassroomActivityView.as_view(), name="classroom-activity"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    # Any character, newline too: a path with a newline is an unknown endpoint, not the HTML 404.
    re_path(r"^[\s\S]*$", views.NotFoundView.as_view(), name="not-found"),
]
