"""The REST API, version 1 (README, "REST API"). Every object is reached through accounts.access exactly as the
pages reach it, every write goes through the pages' forms and actionplans.lifecycle or evidence.services, and a
refusal has the status the page would give: 404 for what the reader may not know exists, 403 for what they may
see but not do, 409 when someone else changed the object first, 400 for a request filled in wrong."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.db.models import Case, F, IntegerField, Value, When
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework import views as drf_views
from rest_framework.decorators import action as detail_route
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access, security
from accounts.access import Need
from actionplans import lifecycle, rules
from actionplans.forms import ProgressForm
from actionplans.models import Action, ActionPlan
from actionplans.selectors import with_latest_progress
from actionplans.views import LIST_RELATED
from api import serializers
from api.filters import ApiActionFilter, ApiConcernFilter, ApiEventFilter, EvidenceFilter
from api.pagination import ActionCursorPage
from concerns.models import Concern
from dashboard import selectors as dashboard_selectors
from evidence import services as evidence_services
from evidence import uploads
from evidence.forms import EvidenceForm
from evidence.models import Evidence
from evidence.views import verified_download
from learning.models import LearningEvent
from reviews.models import Review


def _errors(form):
    """A refused form's messages, by field ("non_field_errors" for the form's own), as DRF gives its own."""
    return {("non_field_errors" if name == "__all__" else name): messages for name, messages in form.errors.items()}


def _schema_only(view):
    """Is drf-spectacular asking, to write the schema (no reader, so nothing to show)?"""
    return getattr(view, "swagger_fake_view", False)


def _refusal(error):
    """A lifecycle refusal as a response: 409 when someone else changed the object first, else 400."""
    conflict = isinstance(error, lifecycle.Conflict)
    return Response({"detail": " ".join(error.messages)},
                    status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST)


class ConcernBackend(filters.DjangoFilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "on": rules.today()}


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    #: Any id in the URL reaches the view, whose access.get_* answers 404 for one that is not a number (in JSON,
    #: as every answer of the API).
    lookup_value_regex = "[^/]+"


class ReviewViewSet(ReadOnlyViewSet):
    """Reviews: every signed-in role reads them all, as on the reviews page."""

    serializer_class = serializers.ReviewSerializer
    queryset = Review.objects.none()  # what the schema is told; get_queryset gives what the reader sees
    cursor_ordering = ("reference",)

    def get_queryset(self):
        return Review.objects.prefetch_related("themes")

    def get_object(self):
        return access.get_review(self.request.user, self.kwargs["pk"])


class PlanViewSet(ReadOnlyViewSet):
    """Action plans: an agency user reads the multi-agency plans and their own agency's, no other agency's."""

    serializer_class = serializers.PlanSerializer
    queryset = ActionPlan.objects.none()
    cursor_ordering = ("id",)

    def get_queryset(self):
        if _schema_only(self):
            return self.queryset
        return access.visible_plans(self.request.user).select_related("review", "agency")

    def get_object(self):
        return access.get_plan(self.request.user, self.kwargs["pk"])


@extend_schema_view(
    list=extend_schema(description="The action list, with its page's filters and orders (``ordering``)."),
)
class ActionViewSet(ReadOnlyViewSet):
    """Actions, with their BRAG rating, whether overdue and the latest progress; their progress log; progress and
    status recorded through the lifecycle."""

    serializer_class = serializers.ActionSerializer
    queryset = Action.objects.none()
    pagination_class = ActionCursorPage
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ApiActionFilter
    cursor_ordering = None  #: the list's is the reader's choice (ActionCursorPage); its progress log's is set below

    def get_queryset(self):
        if _schema_only(self):
            return self.queryset
        return with_latest_progress(
            access.visible_actions(self.request.user).select_related(*LIST_RELATED).annotate(
                review_reference=F("plan__review__reference"),
                mine=Case(When(responsible_officer_id=self.request.user.pk, then=Value(0)), default=Value(1),
                          output_field=IntegerField()),
            )
        )

    def get_object(self):
        action = access.get_action(self.request.user, self.kwargs["pk"])
        return with_latest_progress(type(action).objects.filter(pk=action.pk).select_related(*LIST_RELATED)).get()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": rules.today()}

    @extend_schema(
        methods=["GET"], responses=serializers.ProgressUpdateSerializer(many=True),
        description="The action's progress log, newest first.",
    )
    @extend_schema(
        methods=["POST"], request=serializers.ProgressRequest,
        responses={201: serializers.ProgressUpdateSerializer, 400: OpenApiResponse(description="Filled in wrong."),
                   403: OpenApiResponse(description="Not yours to move, or not in this status."),
                   409: OpenApiResponse(description="The status changed since you read it: nothing was written.")},
        description="Record progress: a note, and the status among the working ones (not started, in progress, "
        "completed). The lead agency's users and members; needs a token that may write.",
    )
    @detail_route(detail=True, methods=["get", "post"], filter_backends=[], cursor_ordering=("-id",))
    def progress(self, request, pk=None):
        user = request.user
        if request.method == "GET":
            action = access.get_action(user, pk)
            updates = action.progress_updates.select_related("author")
            page = self.paginate_queryset(updates)
            return self.get_paginated_response(serializers.ProgressUpdateSerializer(page, many=True).data)
        action = access.get_action(user, pk, Need.PROGRESS)
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send an object: status, note and seen_status."]})
        seen = request.data.get("seen_status")
        lifecycle.require(user, action, "progress", seen=seen)
        form = ProgressForm(request.data, action=action, statuses=lifecycle.allowed_statuses(user, action, seen=seen))
        if not form.is_valid():
            return Response(_errors(form), status=status.HTTP_400_BAD_REQUEST)
        data = form.cleaned_data
        try:
            update = lifecycle.record_progress(action=action, actor=user, status=data["status"], note=data["note"],
                                               seen_status=data["seen_status"])
        except ValidationError as error:
            return _refusal(error)
        return Response(serializers.ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class EvidenceViewSet(ReadOnlyViewSet):
    """Evidence items, their metadata: an agency user reads only their own agency's, on the plans they see."""

    serializer_class = serializers.EvidenceSerializer
    queryset = Evidence.objects.none()
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EvidenceFilter
    cursor_ordering = ("-id",)

    def get_queryset(self):
        if _schema_only(self):
            return self.queryset
        return access.visible_evidence(self.request.user).select_related("agency", "submitted_by")

    def get_object(self):
        return access.get_evidence(self.request.user, self.kwargs["pk"])

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY,
                              404: OpenApiResponse(description="No such item, or a written note without a file."),
                              409: OpenApiResponse(description="The stored file no longer matches its SHA-256.")})
    @detail_route(detail=True, methods=["get"], filter_backends=[])
    def file(self, request, pk=None):
        """The item's file, checked against its SHA-256 and logged, as the page's download is."""
        evidence = access.get_evidence(request.user, pk)
        if not evidence.has_file:
            raise exceptions.NotFound("This evidence item is a written note, without a file.")
        return verified_download(
            request._request, evidence, what=f"evidence #{evidence.pk}", back=evidence.get_absolute_url(),
            back_label="the evidence item",
            before_sending=lambda: evidence_services.evidence_record_download(
                evidence=evidence, user=request.user, ip_address=security.client_ip(request._request)),
            changed=lambda: Response({"detail": f"The stored file of evidence #{evidence.pk} no longer matches the "
                                                "fingerprint (SHA-256) recorded when it was uploaded, or it is missing, "
                                                "so it is not given out. This has been logged for the administrator."},
                                     status=409),
        )


@extend_schema(
    request={"multipart/form-data": serializers.EvidenceRequest},
    responses={201: serializers.EvidenceSerializer(many=True), 400: OpenApiResponse(description="Filled in wrong, "
               "or a file refused."), 403: OpenApiResponse(description="Not the lead agency, or not now.")},
    description="Submit evidence on an action (the lead agency's users; a token that may write). Each file is "
    "checked by its content as on the page, and becomes its own evidence item; a written note alone makes one too.",
)
class EvidenceSubmitView(GenericAPIView):
    parser_classes = [MultiPartParser]
    serializer_class = serializers.EvidenceSerializer
    pagination_class = None  # it answers with the items it made, not a page of a list

    def post(self, request, pk):
        action = access.get_action(request.user, pk, Need.SUBMIT_EVIDENCE)
        refusal = lifecycle.submission_refusal(action)
        if refusal:
            raise PermissionDenied(refusal)
        form = EvidenceForm(request.data, request.FILES, refused=uploads.refused_for_size(request._request, "files"))
        if not form.is_valid():
            return Response(_errors(form), status=status.HTTP_400_BAD_REQUEST)
        data = form.cleaned_data
        try:
            items = evidence_services.evidence_submit(
                action=action, actor=request.user, description=data["description"],
                represents_on=data["represents_on"], uploads=data["files"], note=data["note"],
            )
        except ValidationError as error:
            return _refusal(error)
        return Response(serializers.EvidenceSerializer(items, many=True).data, status=status.HTTP_201_CREATED)


class DashboardReviewsView(APIView):
    """The dashboard's figures by review, of the actions the reader may see (the same cached figures as the
    dashboard page: README, "Dashboard performance")."""

    @extend_schema(responses=serializers.FiguresSerializer(many=True))
    def get(self, request):
        data = dashboard_selectors.summary(request.user)
        rows = dashboard_selectors.review_rows(data.by_review, data.evidence_by_review, data.reviews)
        return Response(serializers.FiguresSerializer(rows, many=True).data)


class DashboardAgenciesView(APIView):
    """The dashboard's figures by lead agency, of the actions the reader may see."""

    @extend_schema(responses=serializers.FiguresSerializer(many=True))
    def get(self, request):
        data = dashboard_selectors.summary(request.user)
        rows = dashboard_selectors.agency_rows(data.by_agency, data.evidence_by_agency, data.agencies)
        return Response(serializers.FiguresSerializer(rows, many=True).data)


class LearningEventViewSet(ReadOnlyViewSet):
    """Learning events (workshops, briefings, e-learning): every signed-in role reads them, as on the pages."""

    serializer_class = serializers.LearningEventSerializer
    queryset = LearningEvent.objects.none()
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ApiEventFilter
    cursor_ordering = ("-held_on", "-id")

    def get_queryset(self):
        return LearningEvent.objects.prefetch_related("themes")

    def get_object(self):
        return access.get_event(self.request.user, self.kwargs["pk"])


class ConcernViewSet(ReadOnlyViewSet):
    """Board concerns: members, the chair and administrators read them all; an agency user those naming their
    agency; the consultant none (403)."""

    serializer_class = serializers.ConcernSerializer
    queryset = Concern.objects.none()
    filter_backends = [ConcernBackend]
    filterset_class = ApiConcernFilter
    cursor_ordering = ("-id",)

    def get_queryset(self):
        if _schema_only(self):
            return self.queryset
        access.require_read_concerns(self.request.user)
        return access.visible_concerns(self.request.user).prefetch_related("agencies").distinct()

    def get_object(self):
        return access.get_concern(self.request.user, self.kwargs["pk"])




def exception_handler(exc, context):
    """DRF's answer to an error, without its rollback of the request's transaction. The API's views run outside
    one (api.urls), each write in a transaction of its own that has ended by now, so there is nothing of the
    request's to roll back; an enclosing transaction that is not the request's (a test's) is left as it was."""
    before = {connection.alias: connection.needs_rollback for connection in connections.all(initialized_only=True)}
    response = drf_views.exception_handler(exc, context)
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block and not before.get(connection.alias, False):
            connection.set_rollback(False)
    return response
