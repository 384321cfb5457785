from django.contrib import admin, messages

from audit.admin import AuditedAdmin
from reviews import services
from reviews.models import Recommendation, Review, Theme


@admin.register(Theme)
class ThemeAdmin(AuditedAdmin):
    """Themes are retired, never deleted: the reviews and actions tagged with one keep the tag."""

    list_display = ["name", "retired_at"]
    list_filter = [("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "description"]
    readonly_fields = ["retired_at"]
    actions = ["retire", "bring_back"]

    @admin.action(description="Retire the selected themes (no longer offered for new tags)")
    def retire(self, request, queryset):
        for theme in queryset.filter(retired_at__isnull=True):
            services.theme_retire(theme=theme, actor=request.user)
        messages.success(request, "Retired. Reviews and actions tagged with them keep their tags.")

    @admin.action(description="Bring the selected themes back into use")
    def bring_back(self, request, queryset):
        for theme in queryset.filter(retired_at__isnull=False):
            services.theme_reinstate(theme=theme, actor=request.user)
        messages.success(request, "Back in use.")


@admin.register(Review)
class ReviewAdmin(AuditedAdmin):
    list_display = ["reference", "title", "kind", "incident_category", "status", "commissioned_on", "published_on"]
    list_filter = ["kind", "status", "incident_category", "themes"]
    search_fields = ["reference", "title", "summary"]
    date_hierarchy = "commissioned_on"
    filter_horizontal = ["themes"]
    exclude = ["status"]
    readonly_fields = ["status_link", "created_at", "created_by", "updated_at"]


@admin.register(Recommendation)
class RecommendationAdmin(AuditedAdmin):
    """A review's recommendations and the board's responses; the same change records as the review page's forms,
    nothing deleted."""

    list_display = ["review", "number", "agency", "response", "responded_on"]
    list_filter = ["response", "review__kind", ("agency", admin.EmptyFieldListFilter)]
    search_fields = ["review__reference", "text", "response_reasons"]
    list_select_related = ["review", "agency"]
    autocomplete_fields = ["review"]
    readonly_fields = ["created_at", "created_by", "updated_at"]
