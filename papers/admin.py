"""Board papers in the admin site: read here, written on the application's pages (papers.services), where a draft
is previewed and an issued paper is frozen with its files."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from papers.models import Paper, PaperFile


@admin.register(Paper)
class PaperAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "dated", "created_by", "issued_by"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "meeting", "author"]
    exclude = ["content"]


@admin.register(PaperFile)
class PaperFileAdmin(ReadOnlyAdmin):
    list_display = ["paper", "format", "size", "sha256", "uploaded_at"]
    list_filter = ["format"]
