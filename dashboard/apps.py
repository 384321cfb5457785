from django.apps import AppConfig


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = "Dashboard, trend, exports and board report"

    def ready(self):
        from dashboard import versions  # noqa: F401 - installs the data-version watch on every database connection
