from django.contrib import admin

from audit.admin import AuditedAdmin
from reviews.forms import ReviewForm
from reviews.models import Review, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "description"]


@admin.register(Review)
class ReviewAdmin(AuditedAdmin):
    audited_fields = ReviewForm.Meta.fields
    list_display = ["reference", "title", "incident_category", "status", "commissioned_on", "published_on"]
    list_filter = ["status", "incident_category", "themes"]
    search_fields = ["reference", "title", "summary"]
    date_hierarchy = "commissioned_on"
    filter_horizontal = ["themes"]
    readonly_fields = ["created_at", "created_by", "updated_at"]
