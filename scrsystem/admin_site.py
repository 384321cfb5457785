"""The admin site: the board's own records first, in the order of the domain, and the machinery that keeps the
site running (lock-out records, authenticator devices, groups...) under a heading of its own."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import admin

#: The project's apps, in the order an administrator meets them in the domain (DOMAIN.md). A project app not
#: named here follows them, alphabetically; an app from Django or another package is technical.
DOMAIN_ORDER = ["reviews", "actionplans", "evidence", "learning", "reminders", "accounts", "audit", "dashboard"]


def is_technical(app_label):
    """Not one of the project's own apps: its package does not live in the checkout (Django's, axes, django-otp)."""
    top_package = apps.get_app_config(app_label).name.split(".")[0]
    return not (Path(settings.BASE_DIR) / top_package / "__init__.py").is_file()


def _order(app):
    label = app["app_label"]
    if app["technical"]:
        return (2, app["name"].lower())
    return (0, DOMAIN_ORDER.index(label), "") if label in DOMAIN_ORDER else (1, app["name"].lower())


class SiteAdmin(admin.AdminSite):
    site_header = "scrsystem administration"
    site_title = "scrsystem"
    index_template = "admin/scrsystem_index.html"

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            app["technical"] = is_technical(app["app_label"])
        return sorted(app_list, key=_order)

    def index(self, request, extra_context=None):
        app_list = self.get_app_list(request)
        context = {
            "app_list": [app for app in app_list if not app["technical"]],
            "technical_app_list": [app for app in app_list if app["technical"]],
            **(extra_context or {}),
        }
        return super().index(request, context)
