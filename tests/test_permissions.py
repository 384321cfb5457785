"""Who may see and change what (DOMAIN.md, "Who may see and change what"), URL by URL and role by role.

Every page of the application is in the tables below (or in tests/test_evidence_access.py), once per object it
can be opened on; tests/test_url_coverage.py fails when one is missing. Each row gives what each role gets, in
the words of tests/matrix.py: LOGIN, REDIR, SAVED, 200, 403, 404 or 405.
"""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.invitations import invitation_tokens
from accounts.models import Role
from actionplans import bulk, dates, lifecycle, rules
from actionplans.models import Action, ActionPlan, ProgressUpdate
from api.models import ApiToken
from concerns import rules as concern_rules
from concerns import services as concern_services
from concerns.models import Concern, ConcernFile, DataPoint, Indicator
from dashboard.models import ReportIssue
from evidence import uploads
from imports import preview as import_preview
from imports import services as import_services
from learning import services as learning_services
from learning.models import Attendance, ImpactCheck, LearningEvent, LearningFile, SubCommittee
from papers import render as paper_render
from papers import rules as paper_rules
from papers import services as paper_services
from papers.models import Paper, PaperFile
from reminders import calendar as reminders_calendar
from reviews.models import Review
from tests import evidence_samples as samples
from tests import factories, matrix
from tests.matrix import (
    ALL_200,
    EDITORS_ONLY,
    EVERYONE_200,
    LOGIN,
    NOBODY_NOW,
    POST_ONLY,
    REDIR,
    SAVED,
    SIGNED_OUT,
    WRITE_EDITORS_ONLY,
    WRITE_SIGNED_IN,
)

# fmt: off
GET_MATRIX = [
    # url name                          object           anonymous member chair consultant admin police health
    ("home",                            None,            ALL_200),
    ("healthz",                         None,            EVERYONE_200),
    ("favicon",                         None,            (REDIR,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("accounts:login",                  None,            (200,      REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("accounts:logout",                 None,            POST_ONLY),
    ("accounts:password_change",        None,            ALL_200),
    ("accounts:password_changed",       None,            ALL_200),
    ("accounts:password_reset",         None,            EVERYONE_200),
    ("accounts:password_reset_sent",    None,            EVERYONE_200),
    # A valid link is exchanged for one that hides the token, whoever opens it; a spoiled one says so.
    ("accounts:password_reset_confirm", "reset_link",    (REDIR,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("accounts:password_reset_confirm", "spoiled_reset_link", EVERYONE_200),
    ("accounts:password_reset_complete", None,           EVERYONE_200),
    # An invitation's link, like a reset link, is exchanged for one that hides the token; a spoiled one says so.
    ("accounts:invitation",             "invitation_link", (REDIR,  REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("accounts:invitation",             "spoiled_invitation_link", EVERYONE_200),
    # Only for those whose password an administrator set: everyone else is sent on (tests/test_invitations.py).
    ("accounts:password_set",           None,            (LOGIN,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("accounts:two_factor_setup",       None,            ALL_200),
    # Without an authenticator there is no code to check: the page sends people to link one.
    ("accounts:two_factor_verify",      None,            (LOGIN,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    # Recovery codes stand in for an app, and are made anew beside one: without an app, people are sent to link one.
    ("accounts:two_factor_recovery",    None,            (LOGIN,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("accounts:recovery_codes",         None,            (LOGIN,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    # Single sign-on: choosing the organisation is open to all; a provider that does not exist is no page at all,
    # and coming back without a sign-in started here is refused (tests/test_single_sign_on.py goes through them).
    ("accounts:sso",                    None,            EVERYONE_200),
    ("accounts:sso_start",              "unknown_provider", (404,   404,   404,   404,     404,   404,   404)),
    ("accounts:sso_callback",           None,            (400,      400,   400,   400,     400,   400,   400)),
    ("reminders:preferences",           None,            ALL_200),
    ("reminders:calendar_address",      None,            POST_ONLY),
    # A calendar address answers whoever holds it, signed in or not (a calendar program has no session); another
    # address is no calendar at all.
    ("calendar_feed",                   "calendar_token", EVERYONE_200),
    ("calendar_feed",                   "unknown_calendar_token", (404, 404, 404, 404,  404,   404,   404)),
    # The REST API's pages: each person's own tokens, and the docs; the schema answers a signed-in person too (the
    # docs read it), and anyone else as the API does (401). The API itself: tests/test_api_permissions.py.
    ("api:tokens",                      None,            ALL_200),
    ("api:token_revoke",                "member_api_token", POST_ONLY),
    ("api:docs",                        None,            ALL_200),
    ("api:schema",                      None,            (401,      200,   200,   200,     200,   200,   200)),
    ("dashboard:index",                 None,            ALL_200),
    ("dashboard:review",                "review",        ALL_200),
    ("dashboard:agency",                "police",        ALL_200),
    ("dashboard:agency",                "health",        ALL_200),
    ("dashboard:export_csv",            None,            ALL_200),
    ("dashboard:export_xlsx",           None,            ALL_200),
    ("dashboard:report",                None,            ALL_200),
    ("dashboard:report_pdf",            None,            ALL_200),
    ("reviews:list",                    None,            ALL_200),
    ("reviews:create",                  None,            EDITORS_ONLY),
    ("reviews:detail",                  "review",        ALL_200),
    ("reviews:edit",                    "review",        EDITORS_ONLY),
    ("reviews:plan_create",             "review",        EDITORS_ONLY),
    # Recommendations: everyone reads them (an agency user not another agency's); members write them.
    ("reviews:recommendations",         None,            ALL_200),
    ("reviews:recommendation_create",   "review",        EDITORS_ONLY),
    ("reviews:recommendation_edit",     "recommendation", EDITORS_ONLY),
    ("reviews:recommendation_edit",     "police_recommendation", (LOGIN, 200, 403, 403,   200,   403,   404)),
    ("actionplans:plan_detail",         "multi_plan",    ALL_200),
    ("actionplans:plan_detail",         "police_plan",   (LOGIN,    200,   200,   200,     200,   200,   404)),
    ("actionplans:plan_detail",         "health_plan",   (LOGIN,    200,   200,   200,     200,   404,   200)),
    ("actionplans:plan_edit",           "multi_plan",    EDITORS_ONLY),
    ("actionplans:plan_edit",           "police_plan",   (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("actionplans:plan_edit",           "health_plan",   (LOGIN,    200,   403,   403,     200,   404,   403)),
    ("actionplans:action_create",       "multi_plan",    EDITORS_ONLY),
    ("actionplans:action_create",       "police_plan",   (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("actionplans:action_create",       "health_plan",   (LOGIN,    200,   403,   403,     200,   404,   403)),
    ("actionplans:action_list",         None,            ALL_200),
    ("actionplans:my_actions",          None,            ALL_200),
    # Bulk updates (tests/test_bulk_updates.py): members only; the choice and the confirmation are posted.
    ("actionplans:bulk_confirm",        None,            POST_ONLY),
    ("actionplans:bulk_apply",          None,            POST_ONLY),
    ("actionplans:bulk_result",         None,            EDITORS_ONLY),
    # Importing a spreadsheet (tests/test_spreadsheet_import.py): members and administrators only.
    ("imports:start",                   "review",        EDITORS_ONLY),
    ("imports:template",                None,            EDITORS_ONLY),
    ("imports:preview",                 "spreadsheet_import", EDITORS_ONLY),
    ("imports:confirm",                 "spreadsheet_import", POST_ONLY),
    ("actionplans:action_detail",       "multi_action",  ALL_200),
    ("actionplans:action_detail",       "police_action", (LOGIN,    200,   200,   200,     200,   200,   404)),
    ("actionplans:action_detail",       "health_action", (LOGIN,    200,   200,   200,     200,   404,   200)),
    ("actionplans:action_detail",       "cancelled_action", ALL_200),
    ("actionplans:action_edit",         "multi_action",  EDITORS_ONLY),
    ("actionplans:action_edit",         "police_action", (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("actionplans:action_edit",         "health_action", (LOGIN,    200,   403,   403,     200,   404,   403)),
    ("actionplans:action_progress",     "multi_action",  POST_ONLY),
    ("actionplans:action_progress",     "police_action", POST_ONLY),
    ("actionplans:action_progress",     "health_action", POST_ONLY),
    ("actionplans:action_cancel",       "multi_action",  EDITORS_ONLY),
    ("actionplans:action_cancel",       "police_action", (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("actionplans:action_cancel",       "health_action", (LOGIN,    200,   403,   403,     200,   404,   403)),
    # Cancelling is for working actions: not for a verified one, nor one already cancelled.
    ("actionplans:action_cancel",       "verified_action", NOBODY_NOW),
    ("actionplans:action_cancel",       "cancelled_action", NOBODY_NOW),
    ("actionplans:action_reinstate",    "cancelled_action", EDITORS_ONLY),
    ("actionplans:action_reinstate",    "police_cancelled", (LOGIN, 200,   403,   403,     200,   403,   404)),
    ("actionplans:action_reinstate",    "multi_action",  NOBODY_NOW),  # only a cancelled action is reinstated
    # Target dates: members change them; the lead agency's users ask for a new one (police leads multi_action).
    ("actionplans:action_target_date",  "multi_action",  (LOGIN,    200,   403,   403,     200,   200,   403)),
    ("actionplans:action_target_date",  "police_action", (LOGIN,    200,   403,   403,     200,   200,   404)),
    ("actionplans:action_target_date",  "health_action", (LOGIN,    200,   403,   403,     200,   404,   200)),
    # ... not on a verified or cancelled action, nor while a request waits (a member decides it first).
    ("actionplans:action_target_date",  "verified_action", NOBODY_NOW),
    ("actionplans:action_target_date",  "cancelled_action", NOBODY_NOW),
    ("actionplans:action_target_date",  "requested_action", NOBODY_NOW),
    ("actionplans:date_change_decide",  "date_request",  EDITORS_ONLY),
    ("actionplans:date_change_decide",  "police_date_request", (LOGIN, 200, 403,  403,     200,   403,   404)),
    ("actionplans:date_change_decide",  "decided_date_change", NOBODY_NOW),  # nothing left to decide
    ("actionplans:date_change_withdraw", "date_request", POST_ONLY),
    # Signing off and withdrawing a sign-off: tests/test_evidence_access.py, where the evidence they need is.
    # The learning cycle: everyone signed in reads the themes, the events and the dissemination matrix; members
    # write the events and their materials; an agency user records only its own agency's attendance.
    ("learning:themes",                 None,            ALL_200),
    ("learning:theme",                  "theme",         ALL_200),
    ("learning:dissemination",          None,            ALL_200),
    ("learning:events",                 None,            ALL_200),
    ("learning:event_create",           None,            EDITORS_ONLY),
    ("learning:event",                  "held_event",    ALL_200),
    ("learning:event",                  "future_event",  ALL_200),
    ("learning:event",                  "cancelled_event", ALL_200),
    ("learning:event_edit",             "held_event",    EDITORS_ONLY),
    ("learning:materials_add",          "held_event",    EDITORS_ONLY),
    # Attendance at a held event: members any agency's, an agency user its own (another agency's is refused).
    ("learning:attendance",             "police_attendance", (LOGIN, 200, 403,   403,     200,   200,   403)),
    ("learning:attendance",             "health_attendance", (LOGIN, 200, 403,   403,     200,   403,   200)),
    # The board itself is no partner: nobody's attendance is counted for it.
    ("learning:attendance",             "board_attendance", (LOGIN, 404,  404,   404,     404,   404,   404)),
    # ... and no attendance at an event not held (yet), not even the agency's own.
    ("learning:attendance",             "scheduled_police_attendance", NOBODY_NOW),
    ("learning:attendance",             "cancelled_police_attendance", NOBODY_NOW),
    # Moves: held from its day on, cancelled while scheduled, scheduled again once cancelled; nothing else.
    ("learning:event_move",             "hold_due",      EDITORS_ONLY),
    ("learning:event_move",             "hold_future",   NOBODY_NOW),  # dated in the future: not held yet
    ("learning:event_move",             "hold_held",     NOBODY_NOW),
    ("learning:event_move",             "cancel_future", EDITORS_ONLY),
    ("learning:event_move",             "cancel_held",   NOBODY_NOW),
    ("learning:event_move",             "reinstate_cancelled", EDITORS_ONLY),
    ("learning:event_move",             "reinstate_future", NOBODY_NOW),
    ("learning:event_move",             "unknown_move",  (LOGIN,    404,   404,   404,     404,   404,   404)),
    # Files: materials are everyone's; a register names people, so another agency's does not exist for its users.
    ("learning:file",                   "material",      ALL_200),
    ("learning:file",                   "police_register", (LOGIN,  200,   200,   200,     200,   200,   404)),
    ("learning:file",                   "health_register", (LOGIN,  200,   200,   200,     200,   404,   200)),
    # ... and the evidence behind an impact check's finding (an audit of case files) is no agency's to read.
    ("learning:file",                   "impact_evidence", (LOGIN,  200,   200,   200,     200,   404,   404)),
    # Impact checks: everyone reads the checks of the actions they may see (not those of another agency's own plan).
    ("learning:impact_checks",          None,            ALL_200),
    ("learning:impact_check",           "mine_check",    ALL_200),
    ("learning:impact_check",           "police_check",  (LOGIN,    200,   200,   200,     200,   200,   404)),
    ("learning:impact_check",           "unassigned_check", ALL_200),
    ("learning:impact_check",           "done_check",    ALL_200),
    ("learning:impact_check",           "withdrawn_check", ALL_200),
    # The finding: the members of the check's sub-committee (`member` is in the one of mine_check and police_check,
    # not in others_check's) and administrators; nobody while the check is unassigned but an administrator.
    ("learning:impact_record",          "mine_check",    EDITORS_ONLY),
    ("learning:impact_record",          "police_check",  (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("learning:impact_record",          "others_check",  (LOGIN,    403,   403,   403,     200,   403,   403)),
    ("learning:impact_record",          "unassigned_check", (LOGIN, 403,   403,   403,     200,   403,   403)),
    # ... once: not on a done check, nor on one withdrawn with its action's sign-off.
    ("learning:impact_record",          "done_check",    NOBODY_NOW),
    ("learning:impact_record",          "withdrawn_check", NOBODY_NOW),
    # Reassigning a check or moving its date: members (whichever sub-committee has it) and administrators, while
    # it is open.
    ("learning:impact_edit",            "mine_check",    EDITORS_ONLY),
    ("learning:impact_edit",            "police_check",  (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("learning:impact_edit",            "others_check",  EDITORS_ONLY),
    ("learning:impact_edit",            "unassigned_check", EDITORS_ONLY),
    ("learning:impact_edit",            "done_check",    NOBODY_NOW),
    ("learning:impact_edit",            "withdrawn_check", NOBODY_NOW),
    # Board concerns: no part of the consultant's; the chair, members and administrators read every concern; an
    # agency user reads those that name its agency (another agency's does not exist for it) and adds its response.
    # Members and administrators record and change concerns and indicators; an indicator's values are entered and
    # corrected by its agency's users and members; the evidence behind them is read by the board's roles and that
    # agency only. shared_concern names the police and health, police_concern the police only.
    ("concerns:concerns",               None,            (LOGIN,    200,   200,   403,     200,   200,   200)),
    ("concerns:concern_create",         None,            EDITORS_ONLY),
    ("concerns:concern",                "shared_concern", (LOGIN,   200,   200,   403,     200,   200,   200)),
    ("concerns:concern",                "police_concern", (LOGIN,   200,   200,   403,     200,   200,   404)),
    ("concerns:concern",                "closed_concern", (LOGIN,   200,   200,   403,     200,   200,   200)),
    ("concerns:concern_edit",           "shared_concern", EDITORS_ONLY),
    ("concerns:concern_edit",           "police_concern", (LOGIN,   200,   403,   403,     200,   403,   404)),
    ("concerns:entry_add",              "shared_concern", (LOGIN,   200,   403,   403,     200,   200,   200)),
    ("concerns:entry_add",              "police_concern", (LOGIN,   200,   403,   403,     200,   200,   404)),
    ("concerns:indicator_create",       "shared_concern", EDITORS_ONLY),
    ("concerns:indicator_create",       "police_concern", (LOGIN,   200,   403,   403,     200,   403,   404)),
    # Moves: to monitoring from open, closed from open or monitoring, opened again from monitoring or closed.
    ("concerns:concern_move",           "monitor_shared", EDITORS_ONLY),
    ("concerns:concern_move",           "monitor_police", (LOGIN,   200,   403,   403,     200,   403,   404)),
    ("concerns:concern_move",           "close_shared",  EDITORS_ONLY),
    ("concerns:concern_move",           "reopen_closed", EDITORS_ONLY),
    ("concerns:concern_move",           "reopen_shared", NOBODY_NOW),  # open already
    ("concerns:concern_move",           "monitor_closed", NOBODY_NOW),
    ("concerns:concern_move",           "close_closed",  NOBODY_NOW),
    ("concerns:concern_move",           "unknown_concern_move", (LOGIN, 404, 404,  404,     404,   404,   404)),
    ("concerns:indicator",              "police_indicator", (LOGIN, 200,   200,   403,     200,   200,   200)),
    ("concerns:indicator",              "health_indicator", (LOGIN, 200,   200,   403,     200,   200,   200)),
    ("concerns:indicator",              "police_only_indicator", (LOGIN, 200, 200, 403,    200,   200,   404)),
    ("concerns:indicator_edit",         "police_indicator", EDITORS_ONLY),
    ("concerns:indicator_edit",         "police_only_indicator", (LOGIN, 200, 403, 403,    200,   403,   404)),
    ("concerns:point_add",              "police_indicator", (LOGIN, 200,   403,   403,     200,   200,   403)),
    ("concerns:point_add",              "health_indicator", (LOGIN, 200,   403,   403,     200,   403,   200)),
    ("concerns:point_add",              "police_only_indicator", (LOGIN, 200, 403, 403,    200,   200,   404)),
    ("concerns:point_correct",          "police_point",  (LOGIN,    200,   403,   403,     200,   200,   403)),
    ("concerns:point_correct",          "health_point",  (LOGIN,    200,   403,   403,     200,   403,   200)),
    ("concerns:point_correct",          "police_only_point", (LOGIN, 200,  403,   403,     200,   200,   404)),
    # The evidence behind a value: the board's roles and the indicator's agency; another agency does not know it.
    ("concerns:file",                   "police_concern_file", (LOGIN, 200, 200,  403,     200,   200,   404)),
    ("concerns:file",                   "health_concern_file", (LOGIN, 200, 200,  403,     200,   404,   200)),
    ("concerns:file",                   "police_only_concern_file", (LOGIN, 200, 200, 403, 200,   200,   404)),
    # Board papers: the board's members, its chair and administrators read them (drafts with today's figures, issued
    # ones as issued); members and administrators write and issue them; no agency's, nor the consultant's, whoever
    # asks about which paper (refused before the paper is looked for). An issued paper is never changed.
    ("papers:papers",                   None,            (LOGIN,    200,   200,   403,     200,   403,   403)),
    ("papers:paper_create",             "partners_kind", EDITORS_ONLY),
    ("papers:paper_create",             "annual_kind",   EDITORS_ONLY),
    ("papers:paper_create",             "unknown_kind",  (LOGIN,    404,   404,   404,     404,   404,   404)),
    ("papers:paper",                    "draft_partners", (LOGIN,   200,   200,   403,     200,   403,   403)),
    ("papers:paper",                    "draft_annual",  (LOGIN,    200,   200,   403,     200,   403,   403)),
    ("papers:paper",                    "issued_partners", (LOGIN,  200,   200,   403,     200,   403,   403)),
    ("papers:paper",                    "issued_annual", (LOGIN,    200,   200,   403,     200,   403,   403)),
    ("papers:paper",                    "missing_paper", (LOGIN,    404,   404,   403,     404,   403,   403)),
    ("papers:paper_edit",               "draft_partners", EDITORS_ONLY),
    ("papers:paper_edit",               "draft_annual",  EDITORS_ONLY),
    ("papers:paper_edit",               "issued_partners", NOBODY_NOW),
    ("papers:paper_edit",               "issued_annual", NOBODY_NOW),
    ("papers:paper_issue",              "draft_partners", POST_ONLY),
    ("papers:paper_issue",              "issued_partners", POST_ONLY),
    ("papers:paper_view",               "draft_partners", (LOGIN,   200,   200,   403,     200,   403,   403)),
    ("papers:paper_view",               "draft_annual",  (LOGIN,    200,   200,   403,     200,   403,   403)),
    ("papers:paper_view",               "issued_partners", (LOGIN,  200,   200,   403,     200,   403,   403)),
    ("papers:paper_view",               "issued_annual", (LOGIN,    200,   200,   403,     200,   403,   403)),
    ("papers:paper_view",               "missing_paper", (LOGIN,    404,   404,   403,     404,   403,   403)),
    # A draft's files are made on the spot, with today's figures; an issued paper's are those kept when it was issued.
    ("papers:download",                 "draft_partners_pdf", (LOGIN, 200, 200,   403,     200,   403,   403)),
    ("papers:download",                 "draft_partners_docx", (LOGIN, 200, 200,  403,     200,   403,   403)),
    ("papers:download",                 "draft_annual_pdf", (LOGIN, 200,   200,   403,     200,   403,   403)),
    ("papers:download",                 "issued_partners_pdf", (LOGIN, 200, 200,  403,     200,   403,   403)),
    ("papers:download",                 "issued_partners_docx", (LOGIN, 200, 200, 403,     200,   403,   403)),
    ("papers:download",                 "issued_annual_pdf", (LOGIN, 200,  200,   403,     200,   403,   403)),
    ("papers:download",                 "issued_annual_docx", (LOGIN, 200, 200,   403,     200,   403,   403)),
    ("papers:download",                 "missing_paper_pdf", (LOGIN, 404,  404,   403,     404,   403,   403)),
    # A kind or a format that does not exist is no page at all, whoever asks.
    ("papers:download",                 "unknown_format", (LOGIN,   404,   404,   404,     404,   404,   404)),
]

POST_MATRIX = [
    # url name                          object           anonymous member chair consultant admin police health
    ("accounts:logout",                 None,            (LOGIN,    SIGNED_OUT, SIGNED_OUT, SIGNED_OUT, SIGNED_OUT, SIGNED_OUT, SIGNED_OUT)),
    ("accounts:password_change",        None,            WRITE_SIGNED_IN),
    ("accounts:password_set",           None,            (LOGIN,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    # The same answer whether or not the address is known, and for everyone.
    ("accounts:password_reset",         None,            (REDIR,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("reminders:preferences",           None,            WRITE_SIGNED_IN),  # each person's own, nobody else's
    # Stopping one's own calendar address: the member has one, the others none (nothing to stop); making one:
    # tests/test_calendar_feed.py.
    ("reminders:calendar_address",      None,            (LOGIN,    SAVED, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    # Making one's own API token (tests/test_api_token_pages.py: shown once); revoking one: the member's, nobody
    # else's exists for anyone else.
    ("api:tokens",                      None,            WRITE_SIGNED_IN),
    ("api:token_revoke",                "member_api_token", (LOGIN, SAVED, 404,   404,     404,   404,   404)),
    # The confirmation page of a bulk change (it changes nothing), then the change it confirms.
    ("actionplans:bulk_confirm",        None,            (LOGIN,    200,   403,   403,     200,   403,   403)),
    ("actionplans:bulk_apply",          None,            WRITE_EDITORS_ONLY),
    # A spreadsheet uploaded as a draft; its columns chosen; the draft imported (each really writes).
    ("imports:start",                   "review",        WRITE_EDITORS_ONLY),
    ("imports:preview",                 "spreadsheet_import", WRITE_EDITORS_ONLY),
    ("imports:confirm",                 "spreadsheet_import", WRITE_EDITORS_ONLY),
    ("reviews:create",                  None,            WRITE_EDITORS_ONLY),
    ("reviews:edit",                    "review",        WRITE_EDITORS_ONLY),
    ("reviews:plan_create",             "review",        WRITE_EDITORS_ONLY),
    ("reviews:recommendation_create",   "review",        WRITE_EDITORS_ONLY),
    ("reviews:recommendation_edit",     "recommendation", WRITE_EDITORS_ONLY),
    ("reviews:recommendation_edit",     "police_recommendation", (LOGIN, SAVED, 403, 403, SAVED, 403,   404)),
    ("actionplans:plan_edit",           "multi_plan",    WRITE_EDITORS_ONLY),
    ("actionplans:plan_edit",           "police_plan",   (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:plan_edit",           "health_plan",   (LOGIN,    SAVED, 403,   403,     SAVED, 404,   403)),
    ("actionplans:action_create",       "multi_plan",    WRITE_EDITORS_ONLY),
    ("actionplans:action_create",       "police_plan",   (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:action_create",       "health_plan",   (LOGIN,    SAVED, 403,   403,     SAVED, 404,   403)),
    ("actionplans:action_edit",         "multi_action",  WRITE_EDITORS_ONLY),
    ("actionplans:action_edit",         "police_action", (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:action_edit",         "health_action", (LOGIN,    SAVED, 403,   403,     SAVED, 404,   403)),
    # Progress: sub-committee members, administrators and the action's lead agency (police leads multi_action).
    ("actionplans:action_progress",     "multi_action",  (LOGIN,    SAVED, 403,   403,     SAVED, SAVED, 403)),
    ("actionplans:action_progress",     "police_action", (LOGIN,    SAVED, 403,   403,     SAVED, SAVED, 404)),
    ("actionplans:action_progress",     "health_action", (LOGIN,    SAVED, 403,   403,     SAVED, 404,   SAVED)),
    ("actionplans:action_progress",     "multi_action_health", (LOGIN, SAVED, 403, 403,    SAVED, 403,   SAVED)),
    # ... but not on a cancelled action (it is reinstated first) nor on a verified one (the sign-off is withdrawn).
    ("actionplans:action_progress",     "cancelled_action", NOBODY_NOW),
    ("actionplans:action_progress",     "verified_action", NOBODY_NOW),
    ("actionplans:action_cancel",       "multi_action",  WRITE_EDITORS_ONLY),
    ("actionplans:action_cancel",       "police_action", (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:action_cancel",       "health_action", (LOGIN,    SAVED, 403,   403,     SAVED, 404,   403)),
    ("actionplans:action_cancel",       "verified_action", NOBODY_NOW),
    ("actionplans:action_cancel",       "cancelled_action", NOBODY_NOW),
    ("actionplans:action_reinstate",    "cancelled_action", WRITE_EDITORS_ONLY),
    ("actionplans:action_reinstate",    "police_cancelled", (LOGIN, SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:action_reinstate",    "multi_action",  NOBODY_NOW),
    ("actionplans:action_target_date",  "multi_action",  (LOGIN,    SAVED, 403,   403,     SAVED, SAVED, 403)),
    ("actionplans:action_target_date",  "police_action", (LOGIN,    SAVED, 403,   403,     SAVED, SAVED, 404)),
    ("actionplans:action_target_date",  "health_action", (LOGIN,    SAVED, 403,   403,     SAVED, 404,   SAVED)),
    ("actionplans:action_target_date",  "verified_action", NOBODY_NOW),
    ("actionplans:action_target_date",  "cancelled_action", NOBODY_NOW),
    ("actionplans:action_target_date",  "requested_action", NOBODY_NOW),
    ("actionplans:date_change_decide",  "date_request",  WRITE_EDITORS_ONLY),
    ("actionplans:date_change_decide",  "police_date_request", (LOGIN, SAVED, 403, 403,    SAVED, 403,   404)),
    # Decided already: a member who posts the form they had open is told by whom, on the form's page (409).
    ("actionplans:date_change_decide",  "decided_date_change", (LOGIN, 409, 403, 403,      409,   403,   403)),
    # Withdrawn only by the agency that asked (the police), not by members: they refuse it.
    ("actionplans:date_change_withdraw", "date_request", (LOGIN,    403,   403,   403,     403,   SAVED, 403)),
    ("actionplans:date_change_withdraw", "police_date_request", (LOGIN, 403, 403, 403,     403,   SAVED, 404)),
    ("learning:event_create",           None,            WRITE_EDITORS_ONLY),
    ("learning:event_edit",             "held_event",    WRITE_EDITORS_ONLY),
    ("learning:materials_add",          "held_event",    WRITE_EDITORS_ONLY),
    ("learning:attendance",             "police_attendance", (LOGIN, SAVED, 403, 403,     SAVED, SAVED, 403)),
    ("learning:attendance",             "health_attendance", (LOGIN, SAVED, 403, 403,     SAVED, 403,   SAVED)),
    ("learning:attendance",             "board_attendance", (LOGIN, 404,  404,   404,     404,   404,   404)),
    ("learning:attendance",             "scheduled_police_attendance", NOBODY_NOW),
    ("learning:attendance",             "cancelled_police_attendance", NOBODY_NOW),
    ("learning:event_move",             "hold_due",      WRITE_EDITORS_ONLY),
    ("learning:event_move",             "cancel_future", WRITE_EDITORS_ONLY),
    ("learning:event_move",             "reinstate_cancelled", WRITE_EDITORS_ONLY),
    # A posted move the event's status (or date) does not allow is refused, as an action's is.
    ("learning:event_move",             "hold_future",   NOBODY_NOW),
    ("learning:event_move",             "hold_held",     NOBODY_NOW),
    ("learning:event_move",             "cancel_held",   NOBODY_NOW),
    ("learning:event_move",             "reinstate_future", NOBODY_NOW),
    ("learning:event_move",             "unknown_move",  (LOGIN,    404,   404,   404,     404,   404,   404)),
    # Files are only downloaded.
    ("learning:file",                   "police_register", (LOGIN,  405,   405,   405,     405,   405,   405)),
    ("learning:file",                   "impact_evidence", (LOGIN,  405,   405,   405,     405,   405,   405)),
    # An impact check's finding (with a file of evidence), and its reassignment or new due date: as their GET rows.
    ("learning:impact_record",          "mine_check",    WRITE_EDITORS_ONLY),
    ("learning:impact_record",          "police_check",  (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("learning:impact_record",          "others_check",  (LOGIN,    403,   403,   403,     SAVED, 403,   403)),
    ("learning:impact_record",          "unassigned_check", (LOGIN, 403,   403,   403,     SAVED, 403,   403)),
    ("learning:impact_record",          "done_check",    NOBODY_NOW),
    ("learning:impact_record",          "withdrawn_check", NOBODY_NOW),
    ("learning:impact_edit",            "mine_check",    WRITE_EDITORS_ONLY),
    ("learning:impact_edit",            "police_check",  (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("learning:impact_edit",            "others_check",  WRITE_EDITORS_ONLY),
    ("learning:impact_edit",            "unassigned_check", WRITE_EDITORS_ONLY),
    ("learning:impact_edit",            "done_check",    NOBODY_NOW),
    ("learning:impact_edit",            "withdrawn_check", NOBODY_NOW),
    # Board concerns: as their GET rows, each write really saved. The pages that only show (the register, a
    # concern's page, an indicator's) answer a POST as a GET, and nothing changes.
    ("concerns:concerns",               None,            (LOGIN,    200,   200,   403,     200,   200,   200)),
    ("concerns:concern_create",         None,            WRITE_EDITORS_ONLY),
    ("concerns:concern",                "police_concern", (LOGIN,   200,   200,   403,     200,   200,   404)),
    ("concerns:concern_edit",           "shared_concern", WRITE_EDITORS_ONLY),
    ("concerns:concern_edit",           "police_concern", (LOGIN,   SAVED, 403,   403,     SAVED, 403,   404)),
    ("concerns:entry_add",              "shared_concern", (LOGIN,   SAVED, 403,   403,     SAVED, SAVED, SAVED)),
    ("concerns:entry_add",              "police_concern", (LOGIN,   SAVED, 403,   403,     SAVED, SAVED, 404)),
    ("concerns:entry_add",              "closed_concern", (LOGIN,   SAVED, 403,   403,     SAVED, SAVED, SAVED)),
    ("concerns:indicator_create",       "shared_concern", WRITE_EDITORS_ONLY),
    ("concerns:indicator_create",       "police_concern", (LOGIN,   SAVED, 403,   403,     SAVED, 403,   404)),
    ("concerns:concern_move",           "monitor_shared", WRITE_EDITORS_ONLY),
    ("concerns:concern_move",           "monitor_police", (LOGIN,   SAVED, 403,   403,     SAVED, 403,   404)),
    ("concerns:concern_move",           "close_shared",  WRITE_EDITORS_ONLY),
    ("concerns:concern_move",           "reopen_closed", WRITE_EDITORS_ONLY),
    ("concerns:concern_move",           "reopen_shared", NOBODY_NOW),
    ("concerns:concern_move",           "monitor_closed", NOBODY_NOW),
    ("concerns:concern_move",           "close_closed",  NOBODY_NOW),
    ("concerns:concern_move",           "unknown_concern_move", (LOGIN, 404, 404,  404,     404,   404,   404)),
    ("concerns:indicator",              "health_indicator", (LOGIN, 200,   200,   403,     200,   200,   200)),
    ("concerns:indicator_edit",         "police_indicator", WRITE_EDITORS_ONLY),
    ("concerns:indicator_edit",         "police_only_indicator", (LOGIN, SAVED, 403, 403,  SAVED, 403,   404)),
    ("concerns:point_add",              "police_indicator", (LOGIN, SAVED, 403,   403,     SAVED, SAVED, 403)),
    ("concerns:point_add",              "health_indicator", (LOGIN, SAVED, 403,   403,     SAVED, 403,   SAVED)),
    ("concerns:point_add",              "police_only_indicator", (LOGIN, SAVED, 403, 403,  SAVED, SAVED, 404)),
    ("concerns:point_correct",          "police_point",  (LOGIN,    SAVED, 403,   403,     SAVED, SAVED, 403)),
    ("concerns:point_correct",          "health_point",  (LOGIN,    SAVED, 403,   403,     SAVED, 403,   SAVED)),
    ("concerns:point_correct",          "police_only_point", (LOGIN, SAVED, 403,  403,     SAVED, SAVED, 404)),
    # Files are only downloaded.
    ("concerns:file",                   "police_concern_file", (LOGIN, 405, 405,  405,     405,   405,   405)),
    ("concerns:file",                   "health_concern_file", (LOGIN, 405, 405,  405,     405,   405,   405)),
    # Board papers: as their GET rows, each write really saved. Issuing a draft (a fresh one in each case) keeps its
    # files; issuing it again is refused with a message and changes nothing; an issued paper is never edited.
    ("papers:paper_create",             "partners_kind", WRITE_EDITORS_ONLY),
    ("papers:paper_create",             "annual_kind",   WRITE_EDITORS_ONLY),
    ("papers:paper_create",             "unknown_kind",  (LOGIN,    404,   404,   404,     404,   404,   404)),
    ("papers:paper_edit",               "draft_partners", WRITE_EDITORS_ONLY),
    ("papers:paper_edit",               "draft_annual",  WRITE_EDITORS_ONLY),
    ("papers:paper_edit",               "issued_partners", NOBODY_NOW),
    ("papers:paper_edit",               "issued_annual", NOBODY_NOW),
    ("papers:paper_issue",              "draft_partners", WRITE_EDITORS_ONLY),
    ("papers:paper_issue",              "draft_annual",  WRITE_EDITORS_ONLY),
    ("papers:paper_issue",              "issued_partners", (LOGIN,  REDIR, 403,   403,     REDIR, 403,   403)),
    ("papers:paper_issue",              "issued_annual", (LOGIN,    REDIR, 403,   403,     REDIR, 403,   403)),
    ("papers:paper_issue",              "missing_paper", (LOGIN,    404,   404,   403,     404,   403,   403)),
    # The list, a paper's page, the paper itself and its files are only read.
    ("papers:papers",                   None,            (LOGIN,    405,   405,   405,     405,   405,   405)),
    ("papers:paper",                    "draft_partners", (LOGIN,   405,   405,   405,     405,   405,   405)),
    ("papers:paper_view",               "issued_partners", (LOGIN,  405,   405,   405,     405,   405,   405)),
    ("papers:download",                 "issued_partners_pdf", (LOGIN, 405, 405,  405,     405,   405,   405)),
]
# fmt: on

#: The writes to reviews, plans and actions (the board chair makes none of them).
DOMAIN_WRITES = [(url_name, obj) for url_name, obj, _ in POST_MATRIX if url_name.startswith(("reviews:", "actionplans:"))]


@pytest.fixture(scope="module")
def paper_renderings():
    """The PDF and the DOCX of each kind of paper issued by _add_papers: rendered for real by the first case of the
    module that issues one, and kept for the others, whose cases are about who may do what, not about the files."""
    return {}


@pytest.fixture
def w(world, request, paper_renderings):
    """world plus actions in the statuses that close moves: cancelled ones (on the multi-agency plan, led by the
    police, and on the police's own plan), a verified one (health-led); and password-reset links of a member who forgot theirs,
    and invitation links of a member an administrator invited; learning events (_add_learning_events) and impact
    checks (_add_impact_checks); board concerns with their indicators, values and files (_add_concerns); and, in the
    cases about them only (a "paper" in the test's name or case), the board's papers (_add_papers): issuing one
    renders its PDF and DOCX, a second that each of the two thousand cases would otherwise pay."""
    world.police_recommendation = factories.recommendation(
        world.review, agency=world.police, text="Police should check the history of every adult in the household."
    )
    world.cancelled_action = factories.action(world.multi_plan, world.police, reference="1.5", status=rules.Status.CANCELLED)
    world.police_cancelled = factories.action(world.police_plan, world.police, reference="P.5", status=rules.Status.CANCELLED)
    world.verified_action = factories.action(world.multi_plan, world.health, reference="1.6", status=rules.Status.VERIFIED)
    # Target dates: a request from the police waiting on a multi-agency action and on one of its own plan; and a
    # member's change, decided as it was made.
    later = rules.today() + datetime.timedelta(days=200)
    world.requested_action = factories.action(world.multi_plan, world.police, reference="1.7")
    world.date_request = dates.request_target_date(
        action=world.requested_action, actor=world.agency_user, new_date=later, reason="The trainer is ill."
    )
    police_requested = factories.action(world.police_plan, world.police, reference="P.7")
    world.police_date_request = dates.request_target_date(
        action=police_requested, actor=world.agency_user, new_date=later, reason="The system upgrade slipped."
    )
    moved = factories.action(world.multi_plan, world.health, reference="1.8")
    world.decided_date_change = dates.change_target_date(
        action=moved, actor=world.member, new_date=later, reason="Re-planned.", seen_date=moved.target_date
    )
    forgetful = factories.user(Role.MEMBER, username="forgetful")  # not a role of the matrix: never signed in here
    uidb64 = urlsafe_base64_encode(force_bytes(forgetful.pk))
    world.reset_link = (uidb64, default_token_generator.make_token(forgetful))
    world.spoiled_reset_link = (uidb64, "spoiled-token")
    invited = factories.user(Role.MEMBER, username="invited", email="invited@example.org", must_set_password=True)
    invited.set_unusable_password()
    invited.save()
    invited_uid = urlsafe_base64_encode(force_bytes(invited.pk))
    world.invitation_link = (invited_uid, invitation_tokens.make_token(invited))
    world.spoiled_invitation_link = (invited_uid, "spoiled-token")
    _add_learning_events(world)
    _add_impact_checks(world)
    _add_concerns(world)
    world.calendar_token = (reminders_calendar.feed_create(world.member),)
    world.unknown_calendar_token = ("not-a-calendar-address",)
    world.member_api_token = ApiToken.objects.create(
        user=world.member, name="Power BI", prefix="scr_test", token_hash="0" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=90),
    )
    world.unknown_provider = ("no-such-provider",)
    world.spreadsheet_import = _add_spreadsheet_import(world)
    if "paper" in request.node.name:
        _add_papers(world, paper_renderings)
    return world


def checked_pdf(name):
    """A small PDF through the upload gate, as the pages pass it to learning.services."""
    return uploads.check_upload(ContentFile(samples.pdf(), name=name))


def _add_learning_events(world):
    """Learning events in each status: one held ten days ago on the world's theme, with the police's attendance
    and register (recorded by a police user), the health trust's (none attended; its register recorded by a member)
    and materials; one scheduled for yesterday (it may be marked as held), one for next month (it may not yet), and
    one cancelled. Each case of the matrices is a tuple of URL arguments."""
    today = rules.today()
    details = {"kind": LearningEvent.Kind.WORKSHOP, "audience": LearningEvent.Audience.ALL,
               "facilitator": "The board's training officer", "description": "", "themes": [world.theme]}
    Status = LearningEvent.Status

    def event(title, days):
        return learning_services.event_create(
            actor=world.member, title=title, held_on=today + datetime.timedelta(days=days), **details
        )

    held = event("Hidden men: working with fathers", -10)
    world.held_event = learning_services.move_event("hold", event=held, actor=world.member, seen=Status.SCHEDULED)
    learning_services.attendance_record(event=held, agency=world.police, actor=world.agency_user, attended=12,
                                        register=checked_pdf("police-register.pdf"))
    learning_services.attendance_record(event=held, agency=world.health, actor=world.member, attended=0,
                                        note="Winter pressures.", register=checked_pdf("health-register.pdf"))
    world.police_register = LearningFile.objects.get(kind=LearningFile.Kind.REGISTER, agency=world.police)
    world.health_register = LearningFile.objects.get(kind=LearningFile.Kind.REGISTER, agency=world.health)
    (world.material,) = learning_services.materials_add(event=held, actor=world.member, uploads=[checked_pdf("slides.pdf")],
                                                        description="Slides")
    world.due_event = event("Briefing: the household's adults", -1)
    world.future_event = event("Conference: hidden men", 30)
    cancelled = event("E-learning: fathers", 20)
    world.cancelled_event = learning_services.move_event("cancel", event=cancelled, actor=world.member,
                                                         seen=Status.SCHEDULED, reason="The trainer left.")
    world.police_attendance = (held.pk, world.police.pk)
    world.health_attendance = (held.pk, world.health.pk)
    world.board_attendance = (held.pk, world.board.pk)
    world.scheduled_police_attendance = (world.due_event.pk, world.police.pk)
    world.cancelled_police_attendance = (cancelled.pk, world.police.pk)
    world.hold_due = (world.due_event.pk, "hold")
    world.hold_future = (world.future_event.pk, "hold")
    world.hold_held = (held.pk, "hold")
    world.cancel_future = (world.future_event.pk, "cancel")
    world.cancel_due = (world.due_event.pk, "cancel")
    world.cancel_held = (held.pk, "cancel")
    world.reinstate_cancelled = (cancelled.pk, "reinstate")
    world.reinstate_future = (world.future_event.pk, "reinstate")
    world.unknown_move = (held.pk, "delete")


def _add_impact_checks(world):
    """Impact checks, each of a verified action of its own (one open check per action): two for the Monitoring and
    Evaluation sub-committee, whose member `member` is (one on the multi-agency plan, one on the police's own plan),
    one for Professional Practice, which `member` is not in, one assigned to none; one done (embedded, recorded by
    `member` with a file of evidence) and one withdrawn with its action's sign-off."""
    today = rules.today()
    world.sub_committee = SubCommittee.objects.create(name="Monitoring and Evaluation")
    world.sub_committee.members.add(world.member)
    world.other_committee = SubCommittee.objects.create(name="Professional Practice")
    world.other_committee.members.add(factories.user(Role.MEMBER, username="practice-lead"))

    def check(plan, reference, sub_committee, lead=world.health):
        action = factories.action(plan, lead, reference=reference, status=rules.Status.VERIFIED)
        return learning_services.impact_check_schedule(
            action=action, actor=world.consultant, due_on=today + datetime.timedelta(days=20),
            sub_committee=sub_committee,
        )

    world.mine_check = check(world.multi_plan, "1.20", world.sub_committee)
    world.police_check = check(world.police_plan, "P.20", world.sub_committee, lead=world.police)
    world.others_check = check(world.multi_plan, "1.21", world.other_committee)
    world.unassigned_check = check(world.multi_plan, "1.22", None)
    assert world.unassigned_check.sub_committee is None  # no sub-committee checks impact by default here
    done = check(world.multi_plan, "1.23", world.sub_committee)
    world.done_check = learning_services.impact_finding_record(
        check=done, actor=world.member, seen=ImpactCheck.Status.OPEN, finding=ImpactCheck.Finding.EMBEDDED,
        looked_at="A multi-agency audit of 20 case files.", finding_note="18 of the 20 files name every adult.",
        checked_on=today - datetime.timedelta(days=2), uploads=[checked_pdf("audit.pdf")],
    )
    world.impact_evidence = LearningFile.objects.get(kind=LearningFile.Kind.IMPACT)
    withdrawn = check(world.multi_plan, "1.24", world.sub_committee)
    learning_services.impact_checks_withdraw(action=withdrawn.action, actor=world.consultant)
    world.withdrawn_check = ImpactCheck.objects.get(pk=withdrawn.pk)
    assert (world.done_check.status, world.withdrawn_check.status) == ("done", "withdrawn")


def _add_concerns(world):
    """Board concerns recorded by a member: one naming the police and health (open), one naming the police only
    (open), and one naming both, closed. Quarterly indicators from three quarters ago (so the present quarter has no
    value yet): on the shared concern one the police report and one health reports, on the police's concern one the
    police report; each with a value for its first quarter, entered by its agency with a file of evidence."""
    today = rules.today()
    member = world.member

    def concern(title, agencies):
        return concern_services.concern_create(
            actor=member, agencies=agencies, title=title, description="Raised after the section 11 audit.",
            raised_with="the Children's Trust", raised_on=today - datetime.timedelta(days=100),
            source=Concern.Source.SECTION_11,
        )

    world.shared_concern = concern("Slow take-up of the CAF", [world.police, world.health])
    world.police_concern = concern("Custody referrals are late", [world.police])
    closed = concern("Information sharing protocol", [world.police, world.health])
    world.closed_concern = concern_services.move_concern("close", concern=closed, actor=member, seen=closed.status,
                                                         reason="The protocol is signed by every partner.")
    world.current_quarter = concern_rules.period_of(today, Indicator.Frequency.QUARTERLY)
    first = world.current_quarter
    for _ in range(3):
        first = concern_rules.previous_period(first, Indicator.Frequency.QUARTERLY)

    def indicator(on, owner, user, name):
        made = concern_services.indicator_create(
            concern=on, actor=member, name=name, unit="CAFs", target=40, direction=Indicator.Direction.HIGHER,
            owner=owner, frequency=Indicator.Frequency.QUARTERLY, first_period=first,
        )
        point = concern_services.data_point_record(
            indicator=made, actor=user, period=first, value=31, uploads=[checked_pdf(f"{owner.short_name}-return.pdf")]
        )
        return made, point, ConcernFile.objects.get(point=point)

    world.police_indicator, world.police_point, world.police_concern_file = indicator(
        world.shared_concern, world.police, world.agency_user, "CAFs started by the police")
    world.health_indicator, world.health_point, world.health_concern_file = indicator(
        world.shared_concern, world.health, world.other, "CAFs started by health")
    world.police_only_indicator, world.police_only_point, world.police_only_concern_file = indicator(
        world.police_concern, world.police, world.agency_user, "Referrals from custody")
    shared, police, closed = world.shared_concern.pk, world.police_concern.pk, world.closed_concern.pk
    world.monitor_shared = (shared, "monitor")
    world.monitor_police = (police, "monitor")
    world.close_shared = (shared, "close")
    world.reopen_closed = (closed, "reopen")
    world.reopen_shared = (shared, "reopen")
    world.monitor_closed = (closed, "monitor")
    world.close_closed = (closed, "close")
    world.unknown_concern_move = (shared, "delete")


def _add_papers(world, renderings):
    """The board's papers, written by a member: a report to partners and an annual report left as drafts, and one
    of each issued (its figures frozen, its PDF and DOCX kept, the report to partners recorded as the board's last
    report), through papers.services with their files rendered once per module (``renderings``, see
    paper_renderings). The kinds, the downloads and a paper that does not exist are tuples of URL arguments."""
    today = rules.today()

    def once(file_format, render):
        def rendered(content, **options):
            key = (file_format, content["kind"])
            if key not in renderings:
                renderings[key] = render(content, **options)
            return renderings[key]

        return rendered

    def paper(kind, title, **period):
        return paper_services.paper_create(
            actor=world.member, kind=kind, title=title, meeting="LSCB Board", dated=today,
            author="Business manager, LSCB", sponsor="The independent chair",
            introduction="The board reports on the action plans of its serious case reviews.",
            recommendations="That the partners note the progress made.", **period,
        )

    since = {"since": today - datetime.timedelta(days=90)}
    year = {"year_start": paper_rules.default_year()}
    world.draft_partners = paper(Paper.Kind.PARTNERS, "Report to partners (draft)", **since)
    world.draft_annual = paper(Paper.Kind.ANNUAL, "Annual report (draft)", **year)
    with (mock.patch.object(paper_render, "pdf", once("pdf", paper_render.pdf)),
          mock.patch.object(paper_render, "docx", once("docx", paper_render.docx))):
        world.issued_partners = paper_services.paper_issue(
            paper=paper(Paper.Kind.PARTNERS, "Report to partners (issued)", **since), actor=world.member)
        world.issued_annual = paper_services.paper_issue(
            paper=paper(Paper.Kind.ANNUAL, "Annual report (issued)", **year), actor=world.member)
    assert PaperFile.objects.count() == 4 and ReportIssue.objects.count() == 1
    world.partners_kind = (Paper.Kind.PARTNERS,)
    world.annual_kind = (Paper.Kind.ANNUAL,)
    world.unknown_kind = ("minutes",)
    world.missing_paper = (999999,)
    for name in ("draft_partners", "draft_annual", "issued_partners", "issued_annual"):
        for file_format in PaperFile.Format.values:
            setattr(world, f"{name}_{file_format}", (getattr(world, name).pk, file_format))
    world.missing_paper_pdf = (999999, PaperFile.Format.PDF)
    world.unknown_format = (world.issued_partners.pk, "odt")


#: A board's tracker as CSV: one new action for the multi-agency plan.
TRACKER_CSV = b"Action No.,Action,Lead agency,Target date,Success measure\n9.1,Write the protocol.,Police,31/03/2031,Signed.\n"


def _add_spreadsheet_import(world):
    """A member's draft import of TRACKER_CSV into the multi-agency plan (imports.services)."""
    checked = uploads.check_upload(ContentFile(TRACKER_CSV, name="tracker.csv"))
    return import_services.import_upload(review=world.review, plan=world.multi_plan, actor=world.member,
                                         checked=checked)


def _import_data(world, url_name, obj):
    """A POST body the spreadsheet import's pages accept."""
    if url_name == "imports:start":
        return {"plan": world.multi_plan.pk, "file": samples.upload("tracker.csv", TRACKER_CSV, "text/csv")}
    if url_name == "imports:preview":  # the success measure's column: nothing to import, for this file
        return {"step": "columns", "sheet": "tracker.csv", "column_A": "reference", "column_B": "description",
                "column_C": "lead_agency", "column_D": "target_date", "column_E": "ignore"}
    if url_name == "imports:confirm":
        return {"digest": import_preview.build(getattr(world, obj)).digest}
    raise AssertionError(f"no valid data for {url_name}")


def _paper_data(world, url_name, obj):
    """A POST body the board papers' forms accept."""
    if url_name == "papers:paper_create":
        (kind,) = getattr(world, obj)
        period = ({"since": (rules.today() - datetime.timedelta(days=60)).isoformat()} if kind == Paper.Kind.PARTNERS
                  else {"year_start": paper_rules.default_year().isoformat()})
        return {"title": "Report to the Children's Trust", "meeting": "Children's Trust Board",
                "dated": rules.today().isoformat(), "author": "Business manager, LSCB", "sponsor": "",
                "introduction": "Our own words.", "recommendations": "", "loaded_version": "", **period}
    if url_name == "papers:paper_edit":
        paper = Paper.objects.get(pk=getattr(world, obj).pk)
        period = ({"since": paper.since.isoformat()} if paper.kind == Paper.Kind.PARTNERS
                  else {"year_start": paper.year_start.isoformat()})
        return {"title": f"{paper.title} (revised)", "meeting": paper.meeting, "dated": paper.dated.isoformat(),
                "author": paper.author, "sponsor": paper.sponsor, "introduction": f"{paper.introduction} Revised.",
                "recommendations": paper.recommendations, "loaded_version": factories.loaded_version(paper),
                **period}
    if url_name in ("papers:paper_issue", "papers:papers", "papers:paper", "papers:paper_view", "papers:download"):
        return {}
    raise AssertionError(f"no valid data for {url_name}")


def _concern_data(world, url_name, obj):
    """A POST body the board concerns' forms accept."""
    if url_name in ("concerns:concerns", "concerns:concern", "concerns:indicator", "concerns:file"):
        return {}
    if url_name == "concerns:concern_create":
        return {"title": "Children missing education", "description": "Rising numbers off roll.",
                "raised_with": "the Director of Children's Services", "raised_on": rules.today().isoformat(),
                "source": Concern.Source.WORKSHOP, "agencies": [world.health.pk], "loaded_version": ""}
    if url_name == "concerns:concern_edit":
        concern = Concern.objects.get(pk=getattr(world, obj).pk)
        return {"title": f"{concern.title} (revised)", "description": concern.description,
                "raised_with": concern.raised_with, "raised_on": concern.raised_on.isoformat(),
                "source": concern.source, "agencies": list(concern.agencies.values_list("pk", flat=True)),
                "loaded_version": factories.loaded_version(concern)}
    if url_name == "concerns:entry_add":
        return {"on": rules.today().isoformat(), "text": "Discussed at the board: figures due next quarter."}
    if url_name == "concerns:indicator_create":
        return {"name": "Referrals answered within a day", "unit": "%", "target": "90", "direction": "higher",
                "owner": world.police.pk, "frequency": "monthly", "first_period": rules.today().isoformat()}
    if url_name == "concerns:indicator_edit":
        indicator = Indicator.objects.get(pk=getattr(world, obj).pk)
        return {"name": f"{indicator.name} (revised)", "unit": indicator.unit, "target": "45",
                "direction": indicator.direction, "owner": indicator.owner_id, "frequency": indicator.frequency,
                "first_period": indicator.first_period.isoformat(), "is_active": "on",
                "loaded_version": factories.loaded_version(indicator)}
    if url_name == "concerns:point_add":
        return {"period": world.current_quarter.isoformat(), "value": "33", "note": "From the quarterly return.",
                "files": samples.upload("return.pdf", samples.pdf(), "application/pdf")}
    if url_name == "concerns:point_correct":
        point = DataPoint.objects.get(pk=getattr(world, obj).pk)
        return {"value": "32", "note": point.note, "reason": "Two CAFs were counted twice.",
                "loaded_version": point.updated_at.isoformat()}
    if url_name == "concerns:concern_move":
        concern_pk, move = getattr(world, obj)
        concern = Concern.objects.get(pk=concern_pk)
        return {"seen_status": concern.status, "seen_changed_at": lifecycle.Seen.moment_of(concern),
                "reason": "Every partner reports on time now." if move == "close" else ""}
    raise AssertionError(f"no valid data for {url_name}")


def _impact_data(world, url_name, obj):
    """A POST body the impact checks' forms accept (None for the other URLs)."""
    check = ImpactCheck.objects.get(pk=getattr(world, obj).pk)
    if url_name == "learning:impact_record":
        return {"seen_status": check.status, "seen_changed_at": lifecycle.Seen.moment_of(check),
                "finding": ImpactCheck.Finding.PARTLY, "looked_at": "A dip sample of 12 referrals.",
                "finding_note": "Most referrals check the adults' history.", "checked_on": rules.today().isoformat(),
                "follow_up": "check", "follow_up_due": (rules.today() + datetime.timedelta(days=90)).isoformat(),
                "files": samples.upload("dip-sample.pdf", samples.pdf(), "application/pdf")}
    if url_name == "learning:impact_edit":
        return {"sub_committee": world.other_committee.pk,
                "due_on": (check.due_on + datetime.timedelta(days=30)).isoformat(),
                "loaded_version": factories.loaded_version(check)}
    return None


def _learning_data(world, url_name, obj):
    """A POST body the learning pages' forms accept (None for the other URLs)."""
    if url_name == "learning:event_create":
        return {"title": "Working with fathers: the follow-up", "kind": LearningEvent.Kind.BRIEFING,
                "audience": LearningEvent.Audience.SUPERVISORS, "facilitator": "The board's training officer",
                "held_on": (rules.today() + datetime.timedelta(days=40)).isoformat(), "themes": [world.theme.pk],
                "description": ""}
    if url_name == "learning:event_edit":
        event = LearningEvent.objects.get(pk=getattr(world, obj).pk)
        return {"title": f"{event.title} (revised)", "kind": event.kind, "audience": event.audience,
                "facilitator": event.facilitator, "held_on": event.held_on.isoformat(),
                "themes": list(event.themes.values_list("pk", flat=True)), "description": event.description,
                "loaded_version": factories.loaded_version(event)}
    if url_name == "learning:materials_add":
        return {"description": "Case study handout",
                "files": samples.upload("handout.pdf", samples.pdf(), "application/pdf")}
    if url_name == "learning:attendance":
        event_pk, agency_pk = getattr(world, obj)
        record = Attendance.objects.filter(event_id=event_pk, agency_id=agency_pk).first()
        return {"attended": 25 if record is None else record.attended + 3, "note": "Two teams came.",
                "loaded_version": record.updated_at.isoformat() if record else "",
                "register": samples.upload("register.pdf", samples.pdf(), "application/pdf")}
    if url_name == "learning:event_move":
        event_pk, move = getattr(world, obj)
        return {"seen_status": LearningEvent.objects.values_list("status", flat=True).get(pk=event_pk),
                "reason": "The venue closed." if move == "cancel" else ""}
    if url_name == "learning:file":
        return {}
    if url_name.startswith("learning:impact_"):
        return _impact_data(world, url_name, obj)
    return None


def _valid_data(world, url_name, obj):
    """A POST body the form accepts, so that a refusal can only come from the permission check."""
    if url_name.startswith("learning:"):
        return _learning_data(world, url_name, obj)
    if url_name.startswith("concerns:"):
        return _concern_data(world, url_name, obj)
    if url_name.startswith("papers:"):
        return _paper_data(world, url_name, obj)
    if url_name.startswith("imports:"):
        return _import_data(world, url_name, obj)
    if url_name == "accounts:logout":
        return {}
    if url_name == "accounts:password_change":
        new = "another-long-test-passphrase-2031"
        return {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new}
    if url_name == "accounts:password_reset":
        return {"email": "nobody@example.org"}
    if url_name == "accounts:password_set":
        new = "another-long-test-passphrase-2031"
        return {"new_password1": new, "new_password2": new}
    if url_name == "reminders:preferences":
        return {"delivery": "separate", "due_soon": ""}
    if url_name == "reminders:calendar_address":
        return {"stop": "1"}
    if url_name == "api:tokens":
        return {"name": "Power BI report", "scope": "read", "days": "30"}
    if url_name == "api:token_revoke":
        return {}
    if url_name == "reviews:create":
        return {
            "reference": "SCR-2026-99",
            "title": "Child Z",
            "incident_category": Review.IncidentCategory.NEGLECT,
            "kind": "serious_case",
            "status": Review.Status.COMMISSIONED,
            "commissioned_on": "2026-01-05",
        }
    if url_name == "reviews:edit":
        review = world.review
        return {
            "reference": review.reference,
            "title": "Child A (renamed)",
            "incident_category": review.incident_category,
            "kind": "serious_case",
            "status": review.status,
            "summary": "Revised summary.",
            "commissioned_on": review.commissioned_on.isoformat(),
            "finalised_on": review.finalised_on.isoformat(),
            "published_on": review.published_on.isoformat(),
            "loaded_version": factories.loaded_version(review),
        }
    if url_name == "reviews:recommendation_create":
        return {"number": "50", "text": "Agencies should share information.", "agency": "", "response": "awaiting",
                "responded_on": "", "response_reasons": ""}
    if url_name == "reviews:recommendation_edit":
        recommendation = getattr(world, obj)
        return {
            "number": recommendation.number, "text": recommendation.text, "agency": recommendation.agency_id or "",
            "response": "not_accepted", "responded_on": "2026-03-01", "response_reasons": "Covered by the CAF relaunch.",
            "loaded_version": factories.loaded_version(recommendation),
        }
    if url_name == "reviews:plan_create":
        return {"kind": ActionPlan.Kind.SINGLE_AGENCY, "agency": world.board.pk, "title": "The board's own plan"}
    if url_name == "actionplans:plan_edit":
        plan = getattr(world, obj)
        return {
            "kind": plan.kind,
            "agency": plan.agency_id or "",
            "title": f"{plan.title} (revised)",
            "description": "x",
            "loaded_version": factories.loaded_version(plan),
        }
    if url_name == "actionplans:action_create":
        plan = getattr(world, obj)
        return {
            "reference": "9.9",
            "recommendation": world.recommendation.pk,
            "description": "Write a protocol.",
            "lead_agency": plan.agency_id or world.police.pk,
            "target_date": "2030-01-31",
            "success_measure": "Protocol signed.",
            "themes": [world.theme.pk],
        }
    if url_name == "actionplans:action_edit":
        action = getattr(world, obj)
        return {
            "reference": action.reference,
            "recommendation": action.recommendation_id,
            "description": "A revised description.",
            "lead_agency": action.lead_agency_id,
            "responsible_officer": action.responsible_officer_id or "",
            "target_date": action.target_date.isoformat(),
            "success_measure": action.success_measure,
            "loaded_version": factories.loaded_version(action),
        }
    if url_name == "actionplans:action_target_date":
        action = Action.objects.get(pk=getattr(world, obj).pk)
        new_date = action.target_date + datetime.timedelta(days=30)
        return {"new_date": new_date.isoformat(), "reason": "The trainer withdrew.", "seen_date": action.target_date}
    if url_name == "actionplans:date_change_decide":
        return {"decision": "approve", "note": ""}
    if url_name == "actionplans:date_change_withdraw":
        return {}
    if url_name == "actionplans:bulk_confirm":
        return {"actions": [world.multi_action.pk], "scope": "selected", "operation": "note", "note": "Discussed."}
    if url_name == "actionplans:bulk_apply":
        note = bulk.Change(bulk.Operation.NOTE, note="Discussed at the board meeting.")
        return {"token": bulk.prepare(world.member, Action.objects.filter(pk=world.multi_action.pk), note).token}
    seen = {"seen_status": factories.seen_status(getattr(world, obj))} if obj else {}
    if url_name == "actionplans:action_progress":
        return {"status": rules.Status.COMPLETED, "note": "Training delivered to all teams.", **seen}
    if url_name == "actionplans:action_cancel":
        return {"reason": "Superseded by the national protocol.", **seen}
    if url_name == "actionplans:action_reinstate":
        return {"status": rules.Status.IN_PROGRESS, "note": "The national protocol was withdrawn.", **seen}
    raise AssertionError(f"no valid data for {url_name}")


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(matrix.cases(GET_MATRIX)))
def test_get_gives_each_role_exactly_what_it_may_see(client, w, url_name, obj, role, expected):
    matrix.log_in_as(client, w, role)
    response = client.get(matrix.url(w, url_name, obj))
    matrix.assert_outcome(response, expected)


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(matrix.cases(POST_MATRIX)))
def test_post_with_valid_data_is_saved_only_for_those_allowed_and_refusals_change_nothing(
    client, w, url_name, obj, role, expected
):
    matrix.log_in_as(client, w, role)
    before = matrix.db_state()
    response = client.post(matrix.url(w, url_name, obj), _valid_data(w, url_name, obj))
    matrix.assert_post_outcome(response, expected, before)


def test_get_of_an_object_that_does_not_exist_is_404(client, world):
    client.force_login(world.member)
    for url_name in ("reviews:detail", "actionplans:plan_detail", "actionplans:action_detail"):
        assert client.get(reverse(url_name, args=[999999])).status_code == 404


def test_home_is_each_persons_own_page(client, world):
    # What each role's home page lists is tests/test_home.py's; here, that it is a page and not a redirect.
    client.force_login(world.agency_user)
    assert "My actions" in client.get(reverse("home")).context["home"].lists[0].heading
    client.force_login(world.chair)
    assert client.get(reverse("home")).context["home"].role == "chair"


def test_board_chair_is_refused_every_write_and_nothing_changes(client, w):
    world = w
    client.force_login(world.chair)
    assert len(DOMAIN_WRITES) > 20
    counts = {model: model.objects.count() for model in (Review, ActionPlan, Action, ProgressUpdate)}
    before = matrix.db_state()  # change records too, except the seals of the refusals' security events

    for url_name, obj in DOMAIN_WRITES:
        response = client.post(matrix.url(world, url_name, obj), _valid_data(world, url_name, obj))
        assert response.status_code == 403, (url_name, obj)

    assert {model: model.objects.count() for model in counts} == counts
    assert matrix.db_state() == before
    world.review.refresh_from_db()
    assert world.review.title != "Child A (renamed)"
    for name in ("multi_plan", "police_plan", "health_plan"):
        plan = getattr(world, name)
        title = plan.title
        plan.refresh_from_db()
        assert plan.title == title
        assert not plan.title.endswith("(revised)")
    for name in ("multi_action", "police_action", "health_action"):
        action = getattr(world, name)
        action.refresh_from_db()
        assert action.status == rules.Status.IN_PROGRESS
        assert action.description != "A revised description."
        assert action.cancellation_reason == ""
        assert not action.progress_updates.exists()


@pytest.mark.parametrize(
    "query",
    ["", "?q=P.1", "?plan={police_plan}", "?lead_agency={police}", "?review={review}", "?status=in_progress",
     "?overdue=yes", "?brag=green", "?ordering=review", "?page=2"],
)
def test_health_user_never_sees_the_police_plan_actions_in_lists(client, world, query):
    overdue = factories.action(
        world.police_plan, world.police, reference="P.2", target_date=rules.today() - datetime.timedelta(days=3)
    )
    query = query.format(police_plan=world.police_plan.pk, police=world.police.pk, review=world.review.pk)
    client.force_login(world.other)
    for url_name in ("actionplans:action_list", "actionplans:my_actions"):
        response = client.get(reverse(url_name) + query)
        assert response.status_code == 200
        shown = list(response.context["page"].object_list)
        assert all(action.plan_id != world.police_plan.pk for action in shown), (url_name, query)
        assert world.police_action not in shown
        html = response.content.decode()
        for hidden in (world.police_action, overdue):
            assert reverse("actionplans:action_detail", args=[hidden.pk]) not in html


def test_health_user_lists_do_show_what_they_may_see(client, world):
    client.force_login(world.other)
    listed = list(client.get(reverse("actionplans:action_list")).context["page"].object_list)
    assert set(listed) == {world.multi_action, world.multi_action_health, world.health_action}
    mine = list(client.get(reverse("actionplans:my_actions")).context["page"].object_list)
    assert set(mine) == {world.multi_action_health, world.health_action}


def test_health_user_cannot_choose_the_police_plan_in_the_action_filter(client, world):
    client.force_login(world.other)
    response = client.get(reverse("actionplans:action_list"))
    plans = list(response.context["filter"].form.fields["plan"].queryset)
    assert world.police_plan not in plans
    assert world.health_plan in plans and world.multi_plan in plans


def test_agency_user_cannot_see_another_agencys_own_plan(client, world):
    client.force_login(world.other)
    assert client.get(reverse("actionplans:plan_detail", args=[world.police_plan.pk])).status_code == 404
    assert client.get(reverse("actionplans:action_detail", args=[world.police_action.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "total", "overdue"),
    [("member", 5, 1), ("chair", 5, 1), ("agency_user", 4, 1), ("other", 3, 0)],
)
def test_review_figures_count_only_the_actions_the_user_may_see(client, world, role, total, overdue):
    # An overdue action in the police's own plan: the health user must not see it counted anywhere.
    factories.action(
        world.police_plan, world.police, reference="P.2", target_date=rules.today() - datetime.timedelta(days=3)
    )
    client.force_login(getattr(world, role))

    listed = {review.pk: review for review in client.get(reverse("reviews:list")).context["reviews"]}
    assert listed[world.review.pk].figures.total == total
    assert listed[world.review.pk].figures.overdue == overdue

    detail = client.get(reverse("reviews:detail", args=[world.review.pk]))
    assert detail.context["figures"].total == total
    assert detail.context["figures"].overdue == overdue
    shown_plans = {plan.pk for plan in detail.context["plans"]}
    assert (world.police_plan.pk in shown_plans) is (role != "other")
    assert (world.health_plan.pk in shown_plans) is (role != "agency_user")


def test_health_user_review_detail_does_not_show_the_police_plan(client, world):
    hidden = factories.recommendation(world.review, agency=world.police, text="Police should see every child.")
    client.force_login(world.other)
    html = client.get(reverse("reviews:detail", args=[world.review.pk])).content.decode()
    assert world.recommendation.text in html and hidden.text not in html
    listed = client.get(reverse("reviews:recommendations")).content.decode()
    assert world.recommendation.text in listed and hidden.text not in listed
    assert world.health_plan.title in html
    assert world.police_plan.title not in html
    assert reverse("actionplans:plan_detail", args=[world.police_plan.pk]) not in html
    assert reverse("actionplans:action_detail", args=[world.police_action.pk]) not in html


# The chair reads everything but changes nothing: no edit buttons anywhere. The member sees them.
WRITE_LINKS = [
    ("reviews:list", None, [("reviews:create", None)]),
    ("reviews:detail", "review", [("reviews:edit", "review"), ("reviews:plan_create", "review"),
                                  ("reviews:recommendation_create", "review"),
                                  ("reviews:recommendation_edit", "recommendation"), ("imports:start", "review")]),
    ("actionplans:plan_detail", "multi_plan", [("actionplans:plan_edit", "multi_plan"), ("actionplans:action_create", "multi_plan")]),
    ("actionplans:plan_detail", "police_plan", [("actionplans:plan_edit", "police_plan"), ("actionplans:action_create", "police_plan")]),
    (
        "actionplans:action_detail",
        "multi_action",
        [("actionplans:action_edit", "multi_action"), ("actionplans:action_cancel", "multi_action"), ("actionplans:action_progress", "multi_action"),
         ("actionplans:action_target_date", "multi_action")],
    ),
    ("actionplans:action_detail", "cancelled_action", [("actionplans:action_reinstate", "cancelled_action")]),
    ("learning:events", None, [("learning:event_create", None)]),
    ("learning:event", "held_event", [("learning:event_edit", "held_event"), ("learning:materials_add", "held_event"),
                                      ("learning:attendance", "police_attendance"),
                                      ("learning:attendance", "health_attendance")]),
    ("learning:event", "due_event", [("learning:event_move", "hold_due"), ("learning:event_move", "cancel_due")]),
    ("learning:event", "future_event", [("learning:event_move", "cancel_future")]),
    ("learning:event", "cancelled_event", [("learning:event_move", "reinstate_cancelled")]),
    ("learning:impact_check", "mine_check", [("learning:impact_record", "mine_check"),
                                             ("learning:impact_edit", "mine_check")]),
    ("learning:impact_check", "others_check", [("learning:impact_edit", "others_check")]),
    ("concerns:concerns", None, [("concerns:concern_create", None)]),
    ("concerns:concern", "shared_concern", [("concerns:concern_edit", "shared_concern"),
                                            ("concerns:entry_add", "shared_concern"),
                                            ("concerns:indicator_create", "shared_concern"),
                                            ("concerns:concern_move", "monitor_shared"),
                                            ("concerns:concern_move", "close_shared")]),
    ("concerns:concern", "closed_concern", [("concerns:concern_move", "reopen_closed")]),
    ("concerns:indicator", "police_indicator", [("concerns:indicator_edit", "police_indicator"),
                                                ("concerns:point_add", "police_indicator"),
                                                ("concerns:point_correct", "police_point")]),
    ("papers:papers", None, [("papers:paper_create", "partners_kind"), ("papers:paper_create", "annual_kind")]),
    ("papers:paper", "draft_partners", [("papers:paper_edit", "draft_partners"),
                                        ("papers:paper_issue", "draft_partners")]),
    ("papers:paper", "draft_annual", [("papers:paper_edit", "draft_annual"), ("papers:paper_issue", "draft_annual")]),
]


@pytest.mark.parametrize(("page", "obj", "links"), WRITE_LINKS, ids=[f"{p}[{o or '-'}]" for p, o, _ in WRITE_LINKS])
def test_chair_pages_show_no_edit_buttons(client, w, page, obj, links):
    world = w
    client.force_login(world.chair)
    html = client.get(matrix.url(world, page, obj)).content.decode()
    for url_name, link_obj in links:
        assert f'"{matrix.url(world, url_name, link_obj)}"' not in html, url_name


@pytest.mark.parametrize(("page", "obj", "links"), WRITE_LINKS, ids=[f"{p}[{o or '-'}]" for p, o, _ in WRITE_LINKS])
def test_member_pages_do_show_the_edit_buttons(client, w, page, obj, links):
    world = w
    client.force_login(world.member)
    html = client.get(matrix.url(world, page, obj)).content.decode()
    for url_name, link_obj in links:
        assert f'"{matrix.url(world, url_name, link_obj)}"' in html, url_name


def test_agency_user_gets_the_progress_form_only_on_actions_its_agency_leads(client, world):
    client.force_login(world.agency_user)
    led = client.get(reverse("actionplans:action_detail", args=[world.multi_action.pk]))
    assert led.context["progress_form"] is not None
    assert reverse("actionplans:action_progress", args=[world.multi_action.pk]) in led.content.decode()
    not_led = client.get(reverse("actionplans:action_detail", args=[world.multi_action_health.pk]))
    assert not_led.context["progress_form"] is None
    html = not_led.content.decode()
    assert reverse("actionplans:action_progress", args=[world.multi_action_health.pk]) not in html
    assert reverse("actionplans:action_edit", args=[world.multi_action_health.pk]) not in html


def test_an_agency_user_is_offered_only_its_own_agencys_attendance_and_register(client, w):
    world = w

    def link(url_name, obj):
        return f'"{matrix.url(world, url_name, obj)}"'

    client.force_login(world.agency_user)
    html = client.get(matrix.url(world, "learning:event", "held_event")).content.decode()
    assert link("learning:attendance", "police_attendance") in html
    assert link("learning:file", "police_register") in html and link("learning:file", "material") in html
    assert link("learning:attendance", "health_attendance") not in html
    assert link("learning:file", "health_register") not in html
    assert world.health_register.original_name not in html
    client.force_login(world.member)
    html = client.get(matrix.url(world, "learning:event", "held_event")).content.decode()
    assert link("learning:file", "police_register") in html and link("learning:file", "health_register") in html


def test_an_event_dated_in_the_future_offers_no_hold_even_to_a_member(client, w):
    world = w
    client.force_login(world.member)
    html = client.get(matrix.url(world, "learning:event", "future_event")).content.decode()
    assert f'"{matrix.url(world, "learning:event_move", "cancel_future")}"' in html
    assert f'"{matrix.url(world, "learning:event_move", "hold_future")}"' not in html
    refused = client.get(matrix.url(world, "learning:event_move", "hold_future"))
    assert refused.status_code == 403
    assert "it can be marked as held from that day" in refused.content.decode()


def _link(world, url_name, obj):
    return f'"{matrix.url(world, url_name, obj)}"'


def test_the_finding_is_offered_only_to_the_checks_sub_committee_and_administrators(client, w):
    world = w
    client.force_login(world.member)  # in the sub-committee of mine_check, not in that of others_check
    html = client.get(matrix.url(world, "learning:impact_check", "others_check")).content.decode()
    assert _link(world, "learning:impact_edit", "others_check") in html
    assert _link(world, "learning:impact_record", "others_check") not in html
    html = client.get(matrix.url(world, "learning:impact_check", "unassigned_check")).content.decode()
    assert _link(world, "learning:impact_record", "unassigned_check") not in html
    refused = client.get(matrix.url(world, "learning:impact_record", "unassigned_check"))
    assert refused.status_code == 403 and "assign it to a sub-committee first" in refused.content.decode()
    client.force_login(world.admin)
    for obj in ("others_check", "unassigned_check"):
        html = client.get(matrix.url(world, "learning:impact_check", obj)).content.decode()
        assert _link(world, "learning:impact_record", obj) in html
    for role in ("agency_user", "other"):  # an agency reads the check of its action, and is offered no change
        client.force_login(getattr(world, role))
        html = client.get(matrix.url(world, "learning:impact_check", "mine_check")).content.decode()
        assert _link(world, "learning:impact_record", "mine_check") not in html
        assert _link(world, "learning:impact_edit", "mine_check") not in html


def test_a_done_checks_evidence_is_linked_for_the_boards_roles_and_for_no_agency(client, w):
    world = w
    evidence = _link(world, "learning:file", "impact_evidence")
    for role in ("member", "chair", "consultant", "admin"):
        client.force_login(getattr(world, role))
        html = client.get(matrix.url(world, "learning:impact_check", "done_check")).content.decode()
        assert evidence in html and "audit.pdf" in html, role
        assert _link(world, "learning:impact_record", "done_check") not in html  # recorded once
        assert _link(world, "learning:impact_edit", "done_check") not in html
    for role in ("agency_user", "other"):
        client.force_login(getattr(world, role))
        html = client.get(matrix.url(world, "learning:impact_check", "done_check")).content.decode()
        assert "18 of the 20 files name every adult." in html  # the finding itself is read
        assert evidence not in html and "audit.pdf" not in html, role


def test_the_impact_checks_of_another_agencys_own_plan_are_listed_nowhere_for_its_users(client, w):
    world = w
    police_check = world.police_check.get_absolute_url()
    client.force_login(world.other)  # health
    listed = client.get(reverse("learning:impact_checks"))
    assert world.police_check.pk not in {check.pk for check in listed.context["page"].object_list}
    assert f'"{police_check}"' not in listed.content.decode()
    assert listed.context["page"].paginator.count == 5  # the checks of the multi-agency plan's actions
    mine = client.get(reverse("learning:impact_checks") + "?mine=yes&state=attention")
    assert world.police_check not in mine.context["page"].object_list
    client.force_login(world.agency_user)  # police: its own plan's check too
    listed = client.get(reverse("learning:impact_checks"))
    assert listed.context["page"].paginator.count == 6 and f'"{police_check}"' in listed.content.decode()
    action_page = client.get(reverse("actionplans:action_detail", args=[world.police_check.action_id]))
    assert f'"{police_check}"' in action_page.content.decode()  # the action's page lists its check


def test_a_members_own_checks_are_those_of_their_sub_committees(client, w):
    world = w
    client.force_login(world.member)
    mine = client.get(reverse("learning:impact_checks") + "?mine=yes").context["page"]
    assert {check.pk for check in mine.object_list} == {
        world.mine_check.pk, world.police_check.pk, world.done_check.pk, world.withdrawn_check.pk}


def test_the_members_of_a_sub_committee_no_longer_meeting_record_no_finding(client, w):
    world = w
    SubCommittee.objects.filter(pk=world.sub_committee.pk).update(is_active=False)
    client.force_login(world.member)
    assert client.get(matrix.url(world, "learning:impact_record", "mine_check")).status_code == 403
    assert client.get(matrix.url(world, "learning:impact_edit", "mine_check")).status_code == 200  # reassign it
    html = client.get(matrix.url(world, "learning:impact_check", "mine_check")).content.decode()
    assert _link(world, "learning:impact_record", "mine_check") not in html
    client.force_login(world.admin)
    assert client.get(matrix.url(world, "learning:impact_record", "mine_check")).status_code == 200


def test_an_agency_user_is_offered_a_response_and_the_values_and_files_of_its_own_indicators_only(client, w):
    world = w
    client.force_login(world.other)  # health, named by the shared concern
    html = client.get(matrix.url(world, "concerns:concern", "shared_concern")).content.decode()
    assert _link(world, "concerns:entry_add", "shared_concern") in html and "Add Health's response" in html
    for url_name, obj in (("concerns:concern_edit", "shared_concern"), ("concerns:indicator_create", "shared_concern"),
                          ("concerns:concern_move", "monitor_shared"), ("concerns:concern_move", "close_shared")):
        assert _link(world, url_name, obj) not in html, url_name
    html = client.get(matrix.url(world, "concerns:indicator", "health_indicator")).content.decode()
    assert _link(world, "concerns:point_add", "health_indicator") in html
    assert _link(world, "concerns:point_correct", "health_point") in html
    assert _link(world, "concerns:file", "health_concern_file") in html
    assert _link(world, "concerns:indicator_edit", "health_indicator") not in html
    html = client.get(matrix.url(world, "concerns:indicator", "police_indicator")).content.decode()  # the police's
    assert _link(world, "concerns:point_add", "police_indicator") not in html
    assert _link(world, "concerns:point_correct", "police_point") not in html
    assert _link(world, "concerns:file", "police_concern_file") not in html
    assert world.police_concern_file.original_name not in html
    for role in ("member", "chair", "admin"):  # the board's roles read every agency's evidence
        client.force_login(getattr(world, role))
        html = client.get(matrix.url(world, "concerns:indicator", "police_indicator")).content.decode()
        assert _link(world, "concerns:file", "police_concern_file") in html, role


def test_an_agency_users_register_never_lists_a_concern_that_does_not_name_its_agency(client, w):
    world = w
    client.force_login(world.other)  # health
    for query in ("", "?status=open", f"?agency={world.police.pk}", "?rag=red", "?rag=late"):
        response = client.get(reverse("concerns:concerns") + query)
        assert response.status_code == 200
        assert world.police_concern not in response.context["page"].object_list, query
        assert f'"{world.police_concern.get_absolute_url()}"' not in response.content.decode(), query
    listed = client.get(reverse("concerns:concerns")).context
    assert {c.pk for c in listed["page"].object_list} == {world.shared_concern.pk, world.closed_concern.pk}
    assert listed["summary"].by_status == {"open": 1, "monitoring": 0, "closed": 1}


def _paper_state(paper):
    """A paper's row, its kept files and the board's report records, to show what a POST changed."""
    return {
        "paper": Paper.objects.filter(pk=paper.pk).values().get(),
        "files": list(PaperFile.objects.filter(paper_id=paper.pk).order_by("pk").values()),
        "reports": list(ReportIssue.objects.order_by("pk").values()),
    }


@pytest.mark.parametrize("kind", ["partners", "annual"])
@pytest.mark.parametrize("role", ["member", "admin", "chair", "consultant", "agency_user", "other"])
def test_issuing_a_draft_paper_through_its_page_is_for_members_and_administrators_only(client, w, role, kind):
    world = w
    draft = getattr(world, f"draft_{kind}")
    before = _paper_state(draft)
    client.force_login(getattr(world, role))
    response = client.post(reverse("papers:paper_issue", args=[draft.pk]))
    paper = Paper.objects.get(pk=draft.pk)
    if role not in ("member", "admin"):
        assert response.status_code == 403
        assert _paper_state(draft) == before
        assert paper.status == Paper.Status.DRAFT and paper.content is None
        return
    assert (response.status_code, response.url) == (302, paper.get_absolute_url())
    actor = getattr(world, role)
    assert (paper.status, paper.issued_by) == (Paper.Status.ISSUED, actor)
    assert paper.content["title"] == paper.title
    assert paper.content["state"].startswith("Issued on ")
    assert sorted(PaperFile.objects.filter(paper=paper).values_list("format", flat=True)) == ["docx", "pdf"]
    reports = list(ReportIssue.objects.order_by("pk").values_list("issued_by", "since"))
    if kind == "partners":  # the board's last report: the next report to partners starts from it
        assert reports == [(world.member.pk, world.issued_partners.since), (actor.pk, paper.since)]
    else:
        assert reports == [(world.member.pk, world.issued_partners.since)]
    told = [str(message) for message in client.get(response.url).context["messages"]]
    assert told == [f"“{paper.title}” issued: its PDF and Word document are kept as issued, and will not change "
                    "whatever happens to the data."]


def test_a_paper_issued_twice_is_issued_once_the_second_time_is_refused_and_changes_nothing(client, w):
    world = w
    draft = world.draft_partners
    client.force_login(world.member)
    url = reverse("papers:paper_issue", args=[draft.pk])
    assert client.post(url, follow=True).redirect_chain == [(draft.get_absolute_url(), 302)]
    issued = _paper_state(draft)
    assert issued["paper"]["status"] == Paper.Status.ISSUED and len(issued["files"]) == 2
    client.force_login(world.admin)  # an administrator who had the draft's page open, or the member clicking twice
    again = client.post(url, follow=True)
    assert again.redirect_chain == [(draft.get_absolute_url(), 302)]
    assert _paper_state(draft) == issued
    told = [(message.level_tag, str(message)) for message in again.context["messages"]]
    assert len(told) == 1 and told[0][0] == "error", told
    assert f"was changed from draft to issued by {world.member} on " in told[0][1]
    assert "nothing of yours was saved" in told[0][1]


def test_an_issued_paper_is_never_changed_and_offers_no_edit_or_issue(client, w):
    world = w
    paper = world.issued_annual
    before = _paper_state(paper)
    client.force_login(world.member)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert _link(world, "papers:paper_edit", "issued_annual") not in html
    assert _link(world, "papers:paper_issue", "issued_annual") not in html
    assert _link(world, "papers:download", "issued_annual_pdf") in html
    response = client.post(reverse("papers:paper_edit", args=[paper.pk]),
                           _paper_data(world, "papers:paper_edit", "issued_annual"))
    assert response.status_code == 403
    with pytest.raises(lifecycle.Refused, match="an issued paper is never changed"):
        paper_services.paper_update(paper=paper, actor=world.member, introduction="Other words.")
    assert _paper_state(paper) == before


def test_no_agency_user_nor_the_consultant_is_offered_the_papers(client, w):
    world = w
    for role in ("consultant", "agency_user", "other"):
        client.force_login(getattr(world, role))
        html = client.get(reverse("home")).content.decode()
        assert f'"{reverse("papers:papers")}"' not in html, role
    for role in ("member", "chair", "admin"):
        client.force_login(getattr(world, role))
        html = client.get(reverse("home")).content.decode()
        assert f'"{reverse("papers:papers")}"' in html, role
