from django.apps import AppConfig


class DebatesConfig(AppConfig):
    name = "debates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from debates import health  # noqa: F401 (registers the system checks)
