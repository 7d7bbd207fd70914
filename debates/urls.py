from django.urls import path

from debates import views
from debates.maps import views as map_views
from debates.teaching import views as teaching

app_name = "debates"

urlpatterns = [
    path("", views.home, name="home"),
    # Before debates/<slug>/, which would take "new" for a slug.
    path("debates/new/", views.debate_create, name="debate-create"),
    path("debates/import/", views.map_import, name="map-import"),
    # The map: the debate page (map and outline), a node's page, the exports.
    path("debates/<slug:slug>/", map_views.debate_detail, name="debate-detail"),
    path("debates/<slug:slug>/nodes/<int:pk>/", views.node_detail, name="node-detail"),
    path("debates/<slug:slug>/map.<str:fmt>", map_views.debate_map, name="debate-map"),
    path("debates/<slug:slug>/present/", map_views.debate_present, name="debate-present"),
    # === Classroom ===
    path("classrooms/", views.classroom_list, name="classroom-list"),
    path("classrooms/join/", views.classroom_join, name="classroom-join"),
    path("classrooms/new/", views.classroom_create, name="classroom-create"),
    path("classrooms/<int:pk>/", views.classroom_detail, name="classroom-detail"),
    path("classrooms/<int:pk>/regenerate-code/", views.classroom_regenerate_code, name="classroom-regenerate-code"),
    path("debates/<slug:slug>/close/", views.debate_close, name="debate-close"),
    # The standing of a debate's claims: the teachers' switch and list.
    path("debates/<slug:slug>/standing/", views.debate_standing, name="debate-standing"),
    path("debates/<slug:slug>/weak-points/", views.debate_weak_points, name="debate-weak-points"),
    path("debates/<slug:slug>/sources/new/", views.source_create, name="source-create"),
    path("sources/<int:pk>/", views.source_detail, name="source-detail"),
    # === Contributing and moderation ===
    path("debates/<slug:slug>/contribute/", views.node_create, name="node-create"),
    path("debates/<slug:slug>/link/", views.relation_create, name="relation-create"),
    path("debates/<slug:slug>/links/<int:pk>/object/", views.undercut_create, name="undercut-create"),
    path("debates/<slug:slug>/nodes/<int:pk>/edit/", views.node_edit, name="node-edit"),
    path("debates/<slug:slug>/nodes/<int:pk>/withdraw/", views.node_withdraw, name="node-withdraw"),
    path("debates/<slug:slug>/links/<int:pk>/withdraw/", views.relation_withdraw, name="relation-withdraw"),
    path("debates/<slug:slug>/nodes/<int:pk>/restore/", views.node_restore, name="node-restore"),
    path("debates/<slug:slug>/links/<int:pk>/restore/", views.relation_restore, name="relation-restore"),
    path("moderation/", views.moderation_queue, name="moderation-queue"),
    path("moderation/<str:kind>/<int:pk>/decide/", views.moderation_decide, name="moderation-decide"),
    path("moderation/bulk-approve/", views.moderation_bulk, name="moderation-bulk"),
    path("me/contributions/", views.my_contributions, name="my-contributions"),
    # === The teacher's tools (debates/teaching/): activity, feedback and grades, tasks,
    # group copies, notifications ===
    # /classrooms/<id>/...
    path("classrooms/<int:pk>/activity/", teaching.classroom_activity, name="classroom-activity"),
    path("classrooms/<int:pk>/activity.csv", teaching.classroom_activity_csv, name="classroom-activity-csv"),
    path("classrooms/<int:pk>/students/<int:user_pk>/", teaching.student_items, name="student-items"),
    # /debates/<slug>/...
    path("debates/<slug:slug>/grades/", teaching.debate_grades, name="debate-grades"),
    path("debates/<slug:slug>/grades/release/", teaching.debate_grades_release, name="debate-grades-release"),
    path(
        "debates/<slug:slug>/nodes/<int:pk>/feedback/", teaching.item_feedback, {"kind": "node"}, name="node-feedback"
    ),
    path(
        "debates/<slug:slug>/relations/<int:pk>/feedback/",
        teaching.item_feedback,
        {"kind": "relation"},
        name="relation-feedback",
    ),
    path("debates/<slug:slug>/tasks/", teaching.task_list, name="task-list"),
    path("debates/<slug:slug>/tasks/<int:pk>/", teaching.task_detail, name="task-detail"),
    path("debates/<slug:slug>/tasks/<int:pk>/edit/", teaching.task_edit, name="task-edit"),
    path("debates/<slug:slug>/tasks/<int:pk>/delete/", teaching.task_delete, name="task-delete"),
    path("debates/<slug:slug>/groups/", teaching.debate_groups, name="debate-groups"),
    # /notifications/...
    path("notifications/", teaching.notification_list, name="notifications"),
    path("notifications/read/", teaching.notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/", teaching.notification_open, name="notification-open"),
]
