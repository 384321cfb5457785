from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.urls import path
from rest_framework.routers import SimpleRouter

from api import token_views, views

app_name = "api"

router = SimpleRouter()
router.register("v1/reviews", views.ReviewViewSet, basename="review")
router.register("v1/plans", views.PlanViewSet, basename="plan")
router.register("v1/actions", views.ActionViewSet, basename="action")
router.register("v1/evidence", views.EvidenceViewSet, basename="evidence")
router.register("v1/learning-events", views.LearningEventViewSet, basename="learning_event")
router.register("v1/concerns", views.ConcernViewSet, basename="concern")

# The API's own views check the token themselves (api.authentication): the sign-in page is not for them. They run
# outside the request's transaction: each write is a transaction of its own (actionplans.lifecycle,
# evidence.services), and the log of a token's use or refusal stays when the request is refused (DRF rolls the
# request's transaction back on any error).
api_patterns = [
    *router.urls,
    path("v1/actions/<str:pk>/evidence/", views.EvidenceSubmitView.as_view(), name="evidence_submit"),
    path("v1/dashboard/reviews/", views.DashboardReviewsView.as_view(), name="dashboard_reviews"),
    path("v1/dashboard/agencies/", views.DashboardAgenciesView.as_view(), name="dashboard_agencies"),
    path("schema/", token_views.SchemaView.as_view(), name="schema"),
]
for pattern in api_patterns:
    login_not_required(transaction.non_atomic_requests(pattern.callback))

urlpatterns = [
    *api_patterns,
    path("docs/", token_views.docs, name="docs"),
    path("tokens/", token_views.tokens_page, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
]
