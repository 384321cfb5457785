"""The one path by which views decide who may see and change what (DOMAIN.md, "Who may see and change what").

Views call ``get_review``, ``get_plan``, ``get_action``, ``get_evidence`` or ``get_date_change`` with what they
need to do. An object the user may not see at all is a 404, so its existence is not revealed; an object the user
may see but not change is a 403. Each ``get_*`` handles a fixed set of needs and raises ``ValueError`` for any other, so a view can never
ask for a check that is not made. Lists and counts start from ``visible_plans``, ``visible_actions``,
``visible_evidence`` and ``visible_reminder_items``.

This module answers "who". Whether the object's status allows a move now is actionplans.lifecycle's question.
"""

import enum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from accounts.models import Agency, Role
from actionplans.models import Action, ActionPlan, TargetDateChange
from concerns.models import Concern, ConcernFile, DataPoint, Indicator
from evidence.models import Evidence
from learning.models import ImpactCheck, LearningEvent, LearningFile
from learning.rules import partner_q
from papers.models import Paper, PaperFile
from reminders.models import ReminderItem
from reviews.models import Recommendation, Review


class Need(enum.Enum):
    VIEW = "view"
    CHANGE = "change"  # edit the object itself (sub-committee members and administrators)
    PROGRESS = "progress"  # record progress and move the status of an action (also its lead agency)
    SUBMIT_EVIDENCE = "submit_evidence"  # add evidence to an action (its lead agency's users)
    VERIFY = "verify"  # sign an action off as verified, or withdraw that (the consultant)
    DECIDE = "decide"  # accept or reject an evidence item (the consultant)
    TARGET_DATE = "target_date"  # move an action's target date (members) or ask for a new one (its lead agency)
    WITHDRAW = "withdraw"  # withdraw a request for a new target date (the agency that asked)
    RECORD_FINDING = "record_finding"  # record an impact check's finding (its sub-committee's members)
    ENTER_DATA = "enter_data"  # enter or correct an indicator's data points (its agency's users, members)
    RESPOND = "respond"  # add an agency's response to a board concern (the agencies it names)


def _handles(get, need, needs):
    if need not in needs:
        raise ValueError(f"{get} does not handle {need}: it handles {', '.join(n.name for n in needs)} only.")


def _is_editor(user):
    return user.is_active and (user.role in (Role.MEMBER, Role.ADMIN) or user.is_superuser)


def can_change_reviews(user):
    """Create and change reviews, plans and actions."""
    return _is_editor(user)


def require_change_reviews(user):
    if not can_change_reviews(user):
        raise PermissionDenied(
        "Only sub-committee members can create or change reviews, their recommendations, plans and actions."
    )


def visible_plans(user):
    plans = ActionPlan.objects.all()
    if user.is_agency_user:
        plans = plans.filter(Q(kind=ActionPlan.Kind.MULTI_AGENCY) | Q(agency_id=user.agency_id))
    return plans


def visible_actions(user):
    actions = Action.objects.all()
    if user.is_agency_user:
        actions = actions.filter(Q(plan__kind=ActionPlan.Kind.MULTI_AGENCY) | Q(plan__agency_id=user.agency_id))
    return actions


def scope_of(user):
    """A name for what this user may see: two users with the same scope get the same visible_plans,
    visible_actions and visible_evidence, so figures computed for one may be shown to the other (the dashboard's
    cache is keyed on it). It must change whenever those three would."""
    return f"agency-{user.agency_id}" if user.is_agency_user else "all"


def can_view_plan(user, plan):
    if user.is_agency_user:
        return plan.kind == ActionPlan.Kind.MULTI_AGENCY or plan.agency_id == user.agency_id
    return True


def can_record_progress(user, action):
    if _is_editor(user):
        return True
    return _of_lead_agency(user, action)


def can_change_target_date(user, action):
    """Move an action's target date directly, and approve or refuse an agency's request: members only. An agency
    user never moves a date: they ask (can_request_target_date). actionplans.dates says when."""
    return _is_editor(user)


def can_request_target_date(user, action):
    """Ask for a new target date: a user of the action's lead agency."""
    return _of_lead_agency(user, action)


def can_withdraw_date_request(user, change):
    """Withdraw a request for a new target date: a user of the agency that asked for it."""
    requester = change.requested_by
    return user.is_active and user.is_agency_user and requester.agency_id == user.agency_id


def _of_lead_agency(user, action):
    """A user of the agency that leads this action (User.is_agency_user is the one definition of agency user)."""
    return user.is_active and user.is_agency_user and action.lead_agency_id == user.agency_id


def get_review(user, pk, need=Need.VIEW):
    _handles("get_review", need, (Need.VIEW, Need.CHANGE))
    try:
        review = Review.objects.get(pk=pk)
    except (Review.DoesNotExist, ValueError):
        raise Http404("No such review.") from None
    if need is not Need.VIEW:
        require_change_reviews(user)
    return review


def visible_recommendations(user):
    """A review's recommendations as its plans are seen: an agency user sees those addressed to the partnership and
    those addressed to their own agency, not another agency's."""
    recommendations = Recommendation.objects.all()
    if user.is_agency_user:
        recommendations = recommendations.filter(Q(agency__isnull=True) | Q(agency_id=user.agency_id))
    return recommendations


def get_recommendation(user, pk, need=Need.VIEW):
    _handles("get_recommendation", need, (Need.VIEW, Need.CHANGE))
    try:
        recommendation = visible_recommendations(user).select_related("review", "agency").get(pk=pk)
    except (Recommendation.DoesNotExist, ValueError):
        raise Http404("No such recommendation.") from None
    if need is not Need.VIEW:
        require_change_reviews(user)
    return recommendation


def get_plan(user, pk, need=Need.VIEW):
    _handles("get_plan", need, (Need.VIEW, Need.CHANGE))
    try:
        plan = ActionPlan.objects.select_related("review", "agency").get(pk=pk)
    except (ActionPlan.DoesNotExist, ValueError):
        raise Http404("No such action plan.") from None
    if not can_view_plan(user, plan):
        raise Http404("No such action plan.")
    if need is not Need.VIEW:
        require_change_reviews(user)
    return plan


def get_action(user, pk, need=Need.VIEW):
    _handles(
        "get_action", need, (Need.VIEW, Need.CHANGE, Need.PROGRESS, Need.SUBMIT_EVIDENCE, Need.VERIFY, Need.TARGET_DATE)
    )
    try:
        action = Action.objects.select_related(
            "plan__review", "plan__agency", "lead_agency", "responsible_officer", "recommendation"
        ).get(pk=pk)
    except (Action.DoesNotExist, ValueError):
        raise Http404("No such action.") from None
    if not can_view_plan(user, action.plan):
        raise Http404("No such action.")
    if need is Need.CHANGE:
        require_change_reviews(user)
    if need is Need.PROGRESS and not can_record_progress(user, action):
        raise PermissionDenied("Only the lead agency and sub-committee members can record progress on this action.")
    if need is Need.SUBMIT_EVIDENCE and not can_submit_evidence(user, action):
        raise PermissionDenied("Only users of the lead agency can submit evidence on this action.")
    if need is Need.VERIFY and not can_verify(user):
        raise PermissionDenied("Only the consultant can sign off an action or withdraw a sign-off.")
    if need is Need.TARGET_DATE and not (can_change_target_date(user, action) or can_request_target_date(user, action)):
        raise PermissionDenied(
            "Only sub-committee members can change a target date, and only the lead agency's users can ask for a "
            "new one."
        )
    return action


def get_date_change(user, pk, need=Need.VIEW):
    """A request for a new target date (actionplans.models.TargetDateChange), seen as its action is: CHANGE is
    approving or refusing it (members), WITHDRAW is taking it back (the agency that asked)."""
    _handles("get_date_change", need, (Need.VIEW, Need.CHANGE, Need.WITHDRAW))
    try:
        change = TargetDateChange.objects.select_related(
            "action__plan__review", "action__plan__agency", "action__lead_agency", "requested_by__agency", "decided_by"
        ).get(pk=pk)
    except (TargetDateChange.DoesNotExist, ValueError):
        raise Http404("No such request.") from None
    if not can_view_plan(user, change.action.plan):
        raise Http404("No such request.")
    if need is Need.CHANGE and not can_change_target_date(user, change.action):
        raise PermissionDenied("Only sub-committee members can approve or refuse a new target date.")
    if need is Need.WITHDRAW and not can_withdraw_date_request(user, change):
        raise PermissionDenied("Only the agency that asked for this new target date can withdraw the request.")
    return change


# --- Evidence ------------------------------------------------------------------------------------------------
# Sub-committee members, the consultant, the board chair and administrators read all evidence. An agency user
# reads and adds only their own agency's, on the actions it leads; another agency's evidence does not exist
# for them (404). Only the consultant (and administrators) accept, reject and verify; the chair never writes.


def visible_evidence(user):
    evidence = Evidence.objects.all()
    if user.is_agency_user:
        evidence = evidence.filter(agency_id=user.agency_id).filter(
            Q(action__plan__kind=ActionPlan.Kind.MULTI_AGENCY) | Q(action__plan__agency_id=user.agency_id)
        )
    return evidence


def can_view_evidence(user, evidence):
    if user.is_agency_user:
        return evidence.agency_id == user.agency_id and can_view_plan(user, evidence.action.plan)
    return True


def can_submit_evidence(user, action):
    """Add evidence to this action: its lead agency's users (lifecycle.submission_refusal says when)."""
    return _of_lead_agency(user, action)


def is_submitting_agency(user, evidence):
    """Replace with a new version, or withdraw: the agency that submitted it (lifecycle says in which statuses)."""
    return user.is_active and user.is_agency_user and evidence.agency_id == user.agency_id


def can_replace_evidence(user, evidence):
    """A new version is new evidence on the action: the submitting agency, while it still leads the action (an
    agency that no longer leads it keeps reading and may withdraw its items, but adds nothing)."""
    return is_submitting_agency(user, evidence) and can_submit_evidence(user, evidence.action)


def can_decide(user):
    """Accept or reject evidence."""
    return user.is_active and (user.role in (Role.CONSULTANT, Role.ADMIN) or user.is_superuser)


def can_verify(user):
    """Sign off an action as verified, or withdraw the sign-off."""
    return can_decide(user)


def can_read_audit_queue(user):
    return user.is_active and not user.is_agency_user


def require_audit_queue(user):
    if not can_read_audit_queue(user):
        raise PermissionDenied("The audit queue is the consultant's: agency users see their evidence on each action.")


def get_evidence(user, pk, need=Need.VIEW):
    _handles("get_evidence", need, (Need.VIEW, Need.DECIDE, Need.CHANGE))
    try:
        evidence = Evidence.objects.select_related(
            "action__plan__review", "action__plan__agency", "action__lead_agency", "action__recommendation", "agency",
            "submitted_by",
        ).get(pk=pk)
    except (Evidence.DoesNotExist, ValueError):
        raise Http404("No such evidence.") from None
    if not can_view_evidence(user, evidence):
        raise Http404("No such evidence.")
    if need is Need.DECIDE and not can_decide(user):
        raise PermissionDenied("Only the consultant can accept or reject evidence.")
    if need is Need.CHANGE and not is_submitting_agency(user, evidence):
        raise PermissionDenied("Only the agency that submitted this evidence can replace or withdraw it.")
    return evidence


def visible_reminder_items(user):
    """The reminder log as this user may read it: an agency user sees no reminder about evidence it may not see
    (another agency's evidence waiting for a decision, say), nor any about actions or impact checks it may not
    see, of the reminders about attendance at learning events only those about its own agency's, of those about
    indicators only those of the concerns it sees, and none about a board concern gone quiet (the members')."""
    items = ReminderItem.objects.all()
    if user.is_agency_user:
        items = items.filter(
            Q(action__in=visible_actions(user)) | Q(event__isnull=False, agency=user.agency_id)
            | Q(indicator__in=visible_indicators(user))
        ).filter(
            Q(evidence__isnull=True) | Q(evidence__in=visible_evidence(user))
        ).filter(
            Q(impact_check__isnull=True) | Q(impact_check__in=visible_impact_checks(user))
        )
    return items


# --- The learning cycle's events -----------------------------------------------------------------------------
# Everyone signed in reads the learning events and every agency's attendance numbers (the dissemination matrix is
# the partnership's). Members and administrators create, change and move events and add materials; an agency user
# records their own agency's attendance (and a member any agency's). An attendance register names people: an
# agency user reads only their own agency's (another agency's does not exist for them), the board's roles all.


def can_change_events(user):
    return _is_editor(user)


def require_change_events(user):
    if not can_change_events(user):
        raise PermissionDenied(
            "Only sub-committee members can record and change learning events, their materials and impact checks."
        )


def can_record_attendance(user, agency):
    """Record or correct ``agency``'s attendance at an event: members (any agency) and that agency's own users."""
    if _is_editor(user):
        return True
    return user.is_active and user.is_agency_user and user.agency_id == agency.pk


def get_event(user, pk, need=Need.VIEW):
    _handles("get_event", need, (Need.VIEW, Need.CHANGE))
    try:
        event = LearningEvent.objects.get(pk=pk)
    except (LearningEvent.DoesNotExist, ValueError):
        raise Http404("No such learning event.") from None
    if need is not Need.VIEW:
        require_change_events(user)
    return event


def get_attendance_target(user, pk, agency_pk):
    """The event and the agency whose attendance at it this user is recording: 404 for either unknown (or the
    board itself, which is not counted), 403 unless can_record_attendance."""
    event = get_event(user, pk)
    try:
        agency = Agency.objects.filter(partner_q()).get(pk=agency_pk)
    except (Agency.DoesNotExist, ValueError):
        raise Http404("No such agency.") from None
    if not can_record_attendance(user, agency):
        raise PermissionDenied("Only the agency's own users and sub-committee members can record its attendance.")
    return event, agency


def visible_learning_files(user):
    """Materials for everyone; a register for its agency and the board's roles; an impact check's evidence for the
    board's roles only."""
    files = LearningFile.objects.all()
    if user.is_agency_user:
        files = files.filter(
            Q(kind=LearningFile.Kind.MATERIAL) | Q(kind=LearningFile.Kind.REGISTER, agency_id=user.agency_id)
        )
    return files


def get_learning_file(user, pk):
    try:
        return visible_learning_files(user).select_related("event", "impact_check__action", "agency").get(pk=pk)
    except (LearningFile.DoesNotExist, ValueError):
        raise Http404("No such file.") from None


# --- Impact checks ----------------------------------------------------------------------------------------------
# Everyone reads the impact checks of the actions they may see (an agency user: of its visible actions), not the
# evidence behind a finding (visible_learning_files). Members and administrators reassign a check or move its due
# date; the members of the check's sub-committee (and administrators) record its finding; the chair reads.


def visible_impact_checks(user):
    checks = ImpactCheck.objects.all()
    if user.is_agency_user:
        checks = checks.filter(action__in=visible_actions(user))
    return checks


def can_record_finding(user, check):
    if not user.is_active:
        return False
    if user.is_administrator:
        return True
    return (
        user.is_member and check.sub_committee_id is not None
        and user.sub_committees.filter(pk=check.sub_committee_id, is_active=True).exists()
    )


def get_impact_check(user, pk, need=Need.VIEW):
    _handles("get_impact_check", need, (Need.VIEW, Need.CHANGE, Need.RECORD_FINDING))
    try:
        check = visible_impact_checks(user).select_related(
            "action__plan__review", "action__plan__agency", "action__lead_agency", "action__recommendation",
            "sub_committee", "checked_by", "follows", "follow_up_action",
        ).get(pk=pk)
    except (ImpactCheck.DoesNotExist, ValueError):
        raise Http404("No such impact check.") from None
    if need is Need.CHANGE:
        require_change_events(user)
    if need is Need.RECORD_FINDING and not can_record_finding(user, check):
        raise PermissionDenied(
            "Only the members of the check's sub-committee record its finding"
            + ("." if check.sub_committee_id else ": assign it to a sub-committee first.")
        )
    return check


# --- Board concerns -------------------------------------------------------------------------------------------
# The chair, members and administrators read the whole register; an agency user reads the concerns that name its
# agency, with all their indicators and values (the partnership's), and adds its agency's responses; the
# consultant, who audits the evidence of actions, has no part in it. Members and administrators record and change
# concerns, updates and indicators. An indicator's data points are entered and corrected by its agency's users
# (and members); the evidence behind them is read by the board's roles and that agency only.


def can_read_concerns(user):
    return user.is_active and not user.is_consultant


def require_read_concerns(user):
    if not can_read_concerns(user):
        raise PermissionDenied("Board concerns are for the board's members, its chair and the agencies they name.")


def visible_concerns(user):
    if not can_read_concerns(user):
        return Concern.objects.none()
    concerns = Concern.objects.all()
    if user.is_agency_user:
        concerns = concerns.filter(pk__in=Concern.agencies.through.objects.filter(agency_id=user.agency_id)
                                   .values("concern_id"))
    return concerns


def can_change_concerns(user):
    return _is_editor(user)


def require_change_concerns(user):
    if not can_change_concerns(user):
        raise PermissionDenied("Only sub-committee members can record and change board concerns and their indicators.")


def can_respond(user, concern):
    """Add an agency's response to ``concern``: the users of an agency it names."""
    return user.is_active and user.is_agency_user and concern.agencies.filter(pk=user.agency_id).exists()


def can_enter_data(user, indicator):
    """Enter or correct ``indicator``'s data points: its agency's users, and members."""
    if _is_editor(user):
        return True
    return user.is_active and user.is_agency_user and user.agency_id == indicator.owner_id


def get_concern(user, pk, need=Need.VIEW):
    _handles("get_concern", need, (Need.VIEW, Need.CHANGE, Need.RESPOND))
    require_read_concerns(user)
    try:
        concern = visible_concerns(user).select_related("created_by").get(pk=pk)
    except (Concern.DoesNotExist, ValueError):
        raise Http404("No such concern.") from None
    if need is Need.CHANGE:
        require_change_concerns(user)
    if need is Need.RESPOND and not can_respond(user, concern):
        raise PermissionDenied("Responses are added by the users of the agencies the concern names; members add "
                               "updates.")
    return concern


def visible_indicators(user):
    return Indicator.objects.filter(concern__in=visible_concerns(user))


def get_indicator(user, pk, need=Need.VIEW):
    _handles("get_indicator", need, (Need.VIEW, Need.CHANGE, Need.ENTER_DATA))
    require_read_concerns(user)
    try:
        indicator = visible_indicators(user).select_related("concern", "owner").get(pk=pk)
    except (Indicator.DoesNotExist, ValueError):
        raise Http404("No such indicator.") from None
    if need is Need.CHANGE:
        require_change_concerns(user)
    if need is Need.ENTER_DATA and not can_enter_data(user, indicator):
        raise PermissionDenied(f"{indicator.owner.name} reports this indicator: its users (and members) enter and "
                               "correct its values.")
    return indicator


def get_data_point(user, pk):
    """A data point to correct: its indicator must be one this user enters data for."""
    require_read_concerns(user)
    try:
        point = DataPoint.objects.filter(indicator__in=visible_indicators(user)).select_related(
            "indicator__concern", "indicator__owner").get(pk=pk)
    except (DataPoint.DoesNotExist, ValueError):
        raise Http404("No such value.") from None
    if not can_enter_data(user, point.indicator):
        raise PermissionDenied(f"{point.indicator.owner.name} reports this indicator: its users (and members) "
                               "correct its values.")
    return point


def visible_concern_files(user):
    files = ConcernFile.objects.filter(point__indicator__in=visible_indicators(user))
    if user.is_agency_user:
        files = files.filter(point__indicator__owner_id=user.agency_id)
    return files


def get_concern_file(user, pk):
    require_read_concerns(user)
    try:
        return visible_concern_files(user).select_related("point__indicator").get(pk=pk)
    except (ConcernFile.DoesNotExist, ValueError):
        raise Http404("No such file.") from None


# --- Board papers (papers/) ----------------------------------------------------------------------------------------
# The report to partners and the annual report hold every agency's figures and the board's concerns: the board's
# members, its chair and administrators read them; members (and administrators) write, preview and issue them.


def can_read_papers(user):
    return user.is_active and not user.is_agency_user and not user.is_consultant


def require_read_papers(user):
    if not can_read_papers(user):
        raise PermissionDenied("The board's papers are for its members and its chair.")


def can_write_papers(user):
    return _is_editor(user)


def require_write_papers(user):
    if not can_write_papers(user):
        raise PermissionDenied("Only sub-committee members write and issue the board's papers.")


def get_paper(user, pk, need=Need.VIEW):
    _handles("get_paper", need, (Need.VIEW, Need.CHANGE))
    require_read_papers(user)
    try:
        paper = Paper.objects.select_related("created_by", "issued_by").get(pk=pk)
    except (Paper.DoesNotExist, ValueError):
        raise Http404("No such paper.") from None
    if need is Need.CHANGE:
        require_write_papers(user)
    return paper


def get_paper_file(user, pk, file_format):
    """An issued paper's kept file in ``file_format``."""
    paper = get_paper(user, pk)
    try:
        return paper, PaperFile.objects.get(paper=paper, format=file_format)
    except PaperFile.DoesNotExist:
        raise Http404("This paper has no such file: it is not issued yet.") from None
