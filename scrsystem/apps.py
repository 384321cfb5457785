from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin with the project's site (scrsystem.admin_site): the domain first, technical apps apart."""

    default_site = "scrsystem.admin_site.SiteAdmin"
