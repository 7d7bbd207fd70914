"""The teacher's tools; included from debates/urls.py, so every name is in the "debates" namespace."""

from django.urls import path

from debates.teaching import views

urlpatterns = [
    # /classrooms/<id>/...
    path("classrooms/<int:pk>/activity/", views.classroom_activity, name="classroom-activity"),
    path("classrooms/<int:pk>/activity.csv", views.classroom_activity_csv, name="classroom-activity-csv"),
    path("classrooms/<int:pk>/students/<int:user_pk>/", views.student_items, name="student-items"),
    # /debates/<slug>/...
    path("debates/<slug:slug>/grades/", views.debate_grades, name="debate-grades"),
    path("debates/<slug:slug>/grades/release/", views.debate_grades_release, name="debate-grades-release"),
    path("debates/<slug:slug>/nodes/<int:pk>/feedback/", views.item_feedback, {"kind": "node"}, name="node-feedback"),
    path(
        "debates/<slug:slug>/relations/<int:pk>/feedback/",
        views.item_feedback,
        {"kind": "relation"},
        name="relation-feedback",
    ),
    path("debates/<slug:slug>/tasks/", views.task_list, name="task-list"),
    path("debates/<slug:slug>/tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("debates/<slug:slug>/tasks/<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("debates/<slug:slug>/tasks/<int:pk>/delete/", views.task_delete, name="task-delete"),
    path("debates/<slug:slug>/groups/", views.debate_groups, name="debate-groups"),
    # /notifications/...
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
]
