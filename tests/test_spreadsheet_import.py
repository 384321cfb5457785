"""Importing a board's action plan from a spreadsheet (README, "Importing a spreadsheet"): a messy tracker built
here with openpyxl, as boards keep them (a title block, merged cells, UK text dates and Excel serials, TBC, a blank
row, a section heading, a total row, an agency spelled another way, a duplicate reference, a formula, more than one
sheet), previewed with every problem named, imported once with its change records, and imported again to no effect;
hostile cells kept as inert text; only members and administrators import; a refused file changes nothing."""

import datetime
import io
import os
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Agency, Role
from actionplans import dates
from actionplans.models import Action, ProgressUpdate, TargetDateChange
from actionplans.rules import Status
from evidence import uploads
from imports import preview as previews
from imports import services
from imports.fields import TEMPLATE_HEADINGS
from imports.models import ColumnMapping, SpreadsheetImport
from reviews.models import Recommendation
from tests import evidence_samples as samples
from tests import factories

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADINGS = ["Action No.", "Rec", "Recommendation", "Action", "Lead agency", "Responsible officer", "Target date",
            "Success measure", "RAG", "Progress/Update", "Status", "Sub-group"]
REC_1 = "Agencies should assess every adult in the household."
REC_2 = "Agencies should share information before a baby is born."


def serial(day):
    """The Excel serial of ``day`` (the 1900 date system)."""
    return (day - datetime.date(1899, 12, 30)).days


@pytest.fixture
def board(db):
    """A board whose agencies are named as in Northbridge: the police are "Northbridge Constabulary" ("Police"). A
    review with a multi-agency plan holding actions 1.1 and 1.4 (answering recommendation 1), a police officer, and
    a user of every role."""

    class Board:
        pass

    b = Board()
    b.lscb = factories.agency(name="Northbridge Safeguarding Children Board", short_name="LSCB", kind=Agency.Kind.BOARD)
    b.police = factories.agency(name="Northbridge Constabulary", short_name="Police", kind=Agency.Kind.POLICE)
    b.health = factories.agency(name="Northbridge Health NHS Trust", short_name="Health", kind=Agency.Kind.HEALTH)
    b.member = factories.user(Role.MEMBER, username="member")
    b.member2 = factories.user(Role.MEMBER, username="member2")
    b.admin = factories.user(Role.ADMIN, username="admin")
    b.chair = factories.user(Role.CHAIR, username="chair")
    b.consultant = factories.user(Role.CONSULTANT, username="consultant")
    b.police_user = factories.user(Role.AGENCY, username="police", agency=b.police)
    b.jane = factories.user(Role.AGENCY, username="jward", agency=b.police)
    b.jane.first_name, b.jane.last_name = "Jane", "Ward"
    b.jane.save()
    b.review = factories.review(reference="SCR-2009-01", title="Child A")
    b.plan = factories.plan(b.review, title="Overview report action plan")
    b.rec_1 = factories.recommendation(b.review, number=1, text=REC_1)
    b.action_11 = factories.action(
        b.plan, b.police, reference="1.1", recommendation=b.rec_1, responsible_officer=b.jane,
        description="Train front-line staff on household composition.",
        success_measure="Audit shows every adult in the household recorded.", target_date=datetime.date(2030, 6, 30),
    )
    b.action_14 = factories.action(
        b.plan, b.health, reference="1.4", recommendation=b.rec_1, description="Add fathers to the birth notice.",
        success_measure="Birth notices name the father.", target_date=datetime.date(2030, 6, 30),
    )
    return b


def messy_workbook(*, dde_formula=False):
    """The board's tracker as it arrives: a "Read me" sheet first, then the plan under a two-row title, then an
    older copy of the plan. Rows of "Action plan", by number:

    5  1.1 (exists): text date 31/03/2031 instead of 30 Jun 2030, a new progress note
    6  1.2 new: the target date an Excel serial; recommendation 1 merged down from row 5
    7  2.1 new: a formula as the action, recommendation 2 new, completed, RAG "R" where the derived rating is Green
    8  blank
    9  a section heading merged across the row
    10 2.2 new: "Northbridge Police", no such agency
    11 2.3 new: 31/13/2031
    12 3.1 new: TBC
    13, 14 3.2 twice
    15 3.3 new: "Verified", an officer nobody knows
    16 1.4 (exists): TBC, otherwise as stored
    17 Total, with a formula
    """
    book = Workbook()
    readme = book.active
    readme.title = "Read me"
    readme["A1"] = "This workbook is the board's tracker. Send updates to the business manager."
    sheet = book.create_sheet("Action plan")
    sheet["A1"] = "Northbridge Safeguarding Children Board"
    sheet.merge_cells("A1:L1")
    sheet["A2"] = "SCR Child A: action plan tracker, updated 1 March 2010"
    sheet.merge_cells("A2:L2")
    sheet.append([])
    sheet.append(HEADINGS)
    rows = [
        ["1.1", 1, REC_1, "Train front-line staff on household composition.", "Police", "Jane Ward", "31/03/2031",
         "Audit shows every adult in the household recorded.", "G", "Two of four sessions delivered.", "In progress",
         "Practice"],
        ["1.2", 1, None, "Health visitors record fathers' details.", "health", None,
         serial(datetime.date(2031, 6, 30)), "Fathers' details in 95% of records.", None, None, "Not started", None],
        ["2.1", 2, REC_2, '=CONCATENATE("Publish the ","information sharing protocol")', "LSCB", None,
         "1st October 2031", "Protocol signed by every partner.", "R", "Protocol drafted.", "Completed", None],
        [],
        ["Recommendations 3 and 4: partners' own plans"],
        ["2.2", 1, None, "Check the household's adults at every custody referral.", "Northbridge Police", None,
         "31/03/2031", "Referrals name every adult.", None, None, "Not started", None],
        ["2.3", 1, None, "Audit referrals.", "Police", None, "31/13/2031", "Audit done.", None, None, None, None],
        ["3.1", 1, None, "Pre-birth assessment protocol.", "Health", None, "TBC", "Protocol in use.", None, None,
         None, None],
        ["3.2", 1, None, "Supervision policy.", "Police", None, "30/06/2031", "Policy issued.", None, None, None, None],
        ["3.2", 1, None, "Supervision audit.", "Police", None, "30/09/2031", "Audit done.", None, None, None, None],
        ["3.3", 1, None, "Brief custody sergeants.", "Police", "Nobody Known", "31/12/2031", "Briefings held.", None,
         None, "Verified", None],
        ["1.4", 1, None, "Add fathers to the birth notice.", "Health", None, "TBC", "Birth notices name the father.",
         None, None, None, None],
        ["Total", "=COUNTA(A5:A16)"],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("C5:C6")
    sheet.merge_cells("A9:L9")
    if dde_formula:
        sheet["J6"] = "=cmd|' /C calc'!A0"
    older = book.create_sheet("January 2010")
    older.append(HEADINGS)
    older.append(["1.1", 1, REC_1, "Train front-line staff on household composition.", "Police", "Jane Ward",
                  "30/06/2030", "Audit shows every adult in the household recorded.", "G", None, "In progress", None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(board, data, name="tracker.xlsx", actor=None):
    """The file through the upload gate, kept as a draft import into the board's plan."""
    checked = uploads.check_upload(ContentFile(data, name=name))
    return services.import_upload(review=board.review, plan=board.plan, actor=actor or board.member, checked=checked)


def confirm(draft, actor):
    return services.import_confirm(sheet_import=draft, actor=actor, digest=previews.build(draft).digest)


EXPECTED_PROBLEMS = [
    ("row 7, Action: “=CONCATENATE(\"Publish the \",\"information sharing protocol\")” looks like a formula: it is "
     "imported as the text written, never run or calculated", False),
    ("row 7, RAG: the sheet says Red; the BRAG rating derived from the target date and the status is Green. The "
     "derived rating is kept", False),
    ("row 10, Lead agency: “Northbridge Police” matches no agency: did you mean Northbridge Constabulary?", True),
    ("row 11, Target date: “31/13/2031” is not a date", True),
    ("row 12, Target date: “TBC”: a new action needs a target date. Give one, and import the file again", True),
    ("row 13, Action No.: “3.2” is also on row 14: a reference is used once in a plan, so none of these rows is "
     "imported", True),
    ("row 14, Action No.: “3.2” is also on row 13: a reference is used once in a plan, so none of these rows is "
     "imported", True),
    ("row 15, Responsible officer: “Nobody Known” is no user of Northbridge Constabulary: the action is imported "
     "without a responsible officer", False),
    ("row 15, Status: “Verified”: only the consultant signs an action off as verified, after accepting its evidence; "
     "the action is imported as completed", False),
    ("row 16, Target date: “TBC” gives no date, so the target date stays 30 Jun 2030", False),
]


def test_the_preview_of_a_messy_tracker_names_every_problem_by_row_and_column(board):
    before = factories.db_state()
    draft = upload(board, messy_workbook())
    shown = previews.build(draft)

    assert shown.sheets == ["Read me", "Action plan", "January 2010"]
    assert shown.sheet == "Action plan"  # the first sheet with headings
    assert shown.heading_row == 4  # below the title block
    assert [(str(problem), problem.blocking) for problem in shown.problems] == EXPECTED_PROBLEMS
    assert [(line.row, line.reference, line.outcome) for line in shown.lines] == [
        (5, "1.1", "change"), (6, "1.2", "create"), (7, "2.1", "create"), (10, "2.2", "refused"),
        (11, "2.3", "refused"), (12, "3.1", "refused"), (13, "3.2", "refused"), (14, "3.2", "refused"),
        (15, "3.3", "create"), (16, "1.4", "same"),
    ]
    assert shown.aside == [(8, "blank"), (9, "a heading within the sheet"), (17, "a total row")]
    assert shown.lines[0].sentences == [
        "will change the target date from 30 Jun 2030 to 31 Mar 2031",
        "will record the progress note “Two of four sessions delivered.”",
    ]
    assert shown.lines[2].sentences == [
        "will create action 2.1, led by LSCB, due 1 Oct 2031",
        "will add recommendation 2 to SCR-2009-01, awaiting the board's response",
        "will set the status to completed",
        "will record the progress note “Protocol drafted.”",
    ]
    assert shown.notices == [
        "Column I (“RAG”) is not imported: the BRAG rating is derived from the target date and the status. A rating "
        "that differs is reported.",
        "Column L (“Sub-group”) is not recognised, so it is not imported. Choose below what it holds.",
    ]
    # Nothing of the plan is written by an upload and its preview.
    assert factories.db_state() == before


def test_confirming_writes_exactly_the_rows_shown_each_with_its_change_records(board):
    draft = upload(board, messy_workbook())
    records_before = {record["id"] for record in factories.change_records()}

    confirm(draft, board.member)

    actions = {action.reference: action for action in Action.objects.filter(plan=board.plan)}
    assert sorted(actions) == ["1.1", "1.2", "1.4", "2.1", "3.3"]
    board.action_11.refresh_from_db()
    assert board.action_11.target_date == datetime.date(2031, 3, 31)
    assert board.action_11.original_target_date == datetime.date(2030, 6, 30)
    move = TargetDateChange.objects.get(action=board.action_11)
    assert (move.status, move.reason) == ("approved", "Imported from the spreadsheet “tracker.xlsx”.")
    new = actions["1.2"]
    assert (new.lead_agency, new.target_date, new.status, new.recommendation) == (
        board.health, datetime.date(2031, 6, 30), Status.NOT_STARTED, board.rec_1)
    protocol = actions["2.1"]
    assert protocol.description == '=CONCATENATE("Publish the ","information sharing protocol")'  # as written
    assert (protocol.lead_agency, protocol.status, protocol.target_date) == (
        board.lscb, Status.COMPLETED, datetime.date(2031, 10, 1))
    rec_2 = Recommendation.objects.get(review=board.review, number=2)
    assert (protocol.recommendation, rec_2.text, rec_2.response) == (rec_2, REC_2, "awaiting")
    briefing = actions["3.3"]
    assert (briefing.status, briefing.responsible_officer) == (Status.COMPLETED, None)  # never verified
    assert actions["1.4"].target_date == datetime.date(2030, 6, 30)
    notes = list(ProgressUpdate.objects.order_by("pk").values_list("action__reference", "note", "status_after"))
    assert notes == [
        ("1.1", "Two of four sessions delivered.\n\n(From the spreadsheet “tracker.xlsx”.)", Status.IN_PROGRESS),
        ("2.1", "Protocol drafted.\n\n(From the spreadsheet “tracker.xlsx”.)", Status.COMPLETED),
        ("3.3", "Status set to completed by the import of the spreadsheet “tracker.xlsx”.", Status.COMPLETED),
    ]
    new_records = [
        (ContentType.objects.get_for_id(r["content_type_id"]).model, r["object_repr"], r["verb"], r["actor_id"])
        for r in factories.change_records() if r["id"] not in records_before
    ]
    member = board.member.pk
    update = ContentType.objects.get_for_model(ProgressUpdate).model
    sealed = [(update, f"progress update #{pk}", "recorded", member)
              for pk in ProgressUpdate.objects.order_by("pk").values_list("pk", flat=True)]
    assert new_records == [
        ("targetdatechange", str(move), "created", member),
        ("action", "SCR-2009-01 1.1", "changed", member),
        sealed[0],
        ("action", "SCR-2009-01 1.2", "created", member),
        ("recommendation", "SCR-2009-01 recommendation 2", "created", member),
        ("action", "SCR-2009-01 2.1", "created", member),
        ("action", "SCR-2009-01 2.1", "changed", member),
        sealed[1],
        ("action", "SCR-2009-01 3.3", "created", member),
        ("action", "SCR-2009-01 3.3", "changed", member),
        sealed[2],
    ]
    draft.refresh_from_db()
    assert (draft.status, draft.confirmed_by) == (SpreadsheetImport.Status.IMPORTED, board.member)
    assert [line["outcome"] for line in draft.outcome] == [
        "change", "create", "create", "refused", "refused", "refused", "refused", "refused", "create", "same"]
    assert draft.outcome[0]["changes"][0] == "Changed the target date from 30 Jun 2030 to 31 Mar 2031"


def test_importing_the_same_file_again_changes_nothing(board):
    confirm(upload(board, messy_workbook()), board.member)
    before = factories.db_state()

    again = upload(board, messy_workbook(), name="tracker (copy).xlsx", actor=board.member2)
    shown = previews.build(again)
    assert [line.outcome for line in shown.lines] == [
        "same", "same", "same", "refused", "refused", "refused", "refused", "refused", "same", "same"]
    confirm(again, board.member2)

    assert factories.db_state() == before  # no action, progress entry or change record more
    again.refresh_from_db()
    assert again.status == SpreadsheetImport.Status.IMPORTED


def test_a_changed_cell_shows_what_will_change_from_what_to_what(board):
    csv = ("Action No.,Action,Lead agency,Target date,Success measure,Status\n"
           "1.1,Train every front-line team.,Health,31/03/2031,Audit shows every adult in the household recorded.,"
           "Completed\n")
    shown = previews.build(upload(board, csv.encode(), name="update.csv"))

    assert shown.problems == []
    assert shown.lines[0].sentences == [
        "will change what will be done from “Train front-line staff on household composition.” to “Train every "
        "front-line team.”",
        "will change the lead agency from Police to Health",
        "will change the responsible officer from Jane Ward to none",
        "will change the target date from 30 Jun 2030 to 31 Mar 2031",
        "will change the status from in progress to completed",
    ]


def test_a_second_sheet_is_read_when_chosen(client, board):
    draft = upload(board, messy_workbook())
    client.force_login(board.member)
    response = client.post(reverse("imports:preview", args=[draft.pk]), {"step": "sheet", "sheet": "January 2010"})
    assert response.status_code == 302
    shown = client.get(reverse("imports:preview", args=[draft.pk])).context["preview"]
    assert (shown.sheet, shown.heading_row) == ("January 2010", 1)
    assert [(line.row, line.reference, line.outcome) for line in shown.lines] == [(2, "1.1", "same")]


def test_a_column_chosen_by_a_member_is_remembered_for_the_next_spreadsheet(client, board):
    draft = upload(board, messy_workbook())
    client.force_login(board.member)
    page = client.get(reverse("imports:preview", args=[draft.pk]))
    form = page.context["columns_form"]
    data = {"step": "columns", "sheet": "Action plan",
            **{name: field.initial for name, field in form.fields.items() if name.startswith("column_")}}
    data["column_L"] = "ignore"  # "Sub-group": nothing to import, and say so

    assert client.post(reverse("imports:preview", args=[draft.pk]), data).status_code == 302

    remembered = ColumnMapping.objects.get()
    assert (remembered.heading, remembered.field, remembered.set_by) == ("sub group", "ignore", board.member)
    later = previews.build(upload(board, messy_workbook(), name="tracker v2.xlsx"))
    sub_group = next(column for column in later.columns if column.letter == "L")
    assert (sub_group.field, sub_group.source) == ("ignore", "remembered")
    assert not any("Sub-group" in notice for notice in later.notices)


def test_two_columns_chosen_for_the_same_field_are_refused(client, board):
    draft = upload(board, messy_workbook())
    client.force_login(board.member)
    form = client.get(reverse("imports:preview", args=[draft.pk])).context["columns_form"]
    data = {"step": "columns", "sheet": "Action plan",
            **{name: field.initial for name, field in form.fields.items() if name.startswith("column_")}}
    data["column_L"] = "target_date"

    response = client.post(reverse("imports:preview", args=[draft.pk]), data)

    assert response.status_code == 400
    assert "Columns G and L both hold target date" in response.content.decode()
    assert not ColumnMapping.objects.exists()


def test_hostile_cells_are_imported_as_inert_text(client, board):
    dde = "=cmd|' /C calc'!A0"
    at = "@SUM(1+1)*cmd|' /C calc'!A0"
    csv = ("Action No.,Action,Lead agency,Target date,Success measure,Progress/Update\n"
           f"5.1,\"{dde}\",Police,31/03/2031,\"{at}\",\"+cmd|' /C notepad'!A0\"\n")
    draft = upload(board, csv.encode(), name="hostile.csv")
    shown = previews.build(draft)
    assert [str(problem) for problem in shown.problems] == [
        f"row 2, Action: “{dde}” looks like a formula: it is imported as the text written, never run or calculated",
        f"row 2, Success measure: “{at}” looks like a formula: it is imported as the text written, never run or "
        "calculated",
        "row 2, Progress/Update: “+cmd|' /C notepad'!A0” looks like a formula: it is imported as the text written, "
        "never run or calculated",
    ]
    client.force_login(board.member)
    page = client.get(reverse("imports:preview", args=[draft.pk])).content.decode()
    assert "=cmd|&#x27; /C calc&#x27;!A0" in page  # shown as text, escaped

    confirm(draft, board.member)

    action = Action.objects.get(plan=board.plan, reference="5.1")
    assert (action.description, action.success_measure) == (dde, at)  # stored as written, never evaluated
    assert action.progress_updates.get().note.startswith("+cmd|' /C notepad'!A0")
    # The exports keep it text: a quote prefix in the workbook, an apostrophe in CSV (dashboard.exports).
    exported = client.get(reverse("dashboard:export_csv")).getvalue().decode()
    assert f"'{dde}" in exported


def test_a_formula_in_an_xlsx_text_cell_is_text_and_a_dde_formula_is_refused_at_the_gate(board):
    book = Workbook()
    sheet = book.active
    sheet.append(["Action No.", "Action", "Lead agency", "Target date", "Success measure"])
    sheet.append(["5.2", "x", "Police", "31/03/2031", "Done."])
    sheet["B2"].value, sheet["B2"].data_type = "=cmd|' /C calc'!A0", "s"  # typed as text, not a formula
    buffer = io.BytesIO()
    book.save(buffer)
    confirm(upload(board, buffer.getvalue(), name="text.xlsx"), board.member)
    assert Action.objects.get(reference="5.2").description == "=cmd|' /C calc'!A0"

    before = factories.db_state()
    with pytest.raises(uploads.UploadRefused, match="uses DDE"):
        upload(board, messy_workbook(dde_formula=True))
    assert factories.db_state() == before


@pytest.mark.parametrize("role", ["chair", "consultant", "police_user"])
def test_an_agency_user_the_chair_and_the_consultant_cannot_import(client, board, role):
    draft = upload(board, messy_workbook())
    before = factories.db_state()
    drafts = list(SpreadsheetImport.objects.values())
    client.force_login(getattr(board, role))

    start = reverse("imports:start", args=[board.review.pk])
    assert client.get(start).status_code == 403
    posted = client.post(start, {"plan": board.plan.pk,
                                 "file": samples.upload("tracker.xlsx", messy_workbook(), XLSX)})
    assert posted.status_code == 403
    assert client.get(reverse("imports:preview", args=[draft.pk])).status_code == 403
    digest = previews.build(draft).digest
    assert client.post(reverse("imports:confirm", args=[draft.pk]), {"digest": digest}).status_code == 403
    assert client.get(reverse("imports:template")).status_code == 403
    assert factories.db_state() == before
    assert list(SpreadsheetImport.objects.values()) == drafts


def test_a_member_uploads_previews_and_confirms_through_the_pages(client, board):
    client.force_login(board.member)
    review_page = client.get(reverse("reviews:detail", args=[board.review.pk])).content.decode()
    assert reverse("imports:start", args=[board.review.pk]) in review_page
    assert "Import actions from a spreadsheet" in review_page

    response = client.post(reverse("imports:start", args=[board.review.pk]),
                           {"plan": board.plan.pk, "file": samples.upload("tracker.xlsx", messy_workbook(), XLSX)})
    draft = SpreadsheetImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:preview", args=[draft.pk])
    assert (draft.uploaded_by, draft.original_name, draft.status) == (board.member, "tracker.xlsx", "draft")
    assert len(draft.sha256) == 64 and draft.stored_name.startswith("imports/")

    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "row 11, Target date: “31/13/2031” is not a date" in html
    assert "Nothing is written until you confirm" in html
    assert not Action.objects.filter(reference="1.2").exists()

    done = client.post(reverse("imports:confirm", args=[draft.pk]), {"digest": page.context["preview"].digest})
    assert done.status_code == 302
    assert Action.objects.filter(plan=board.plan, reference__in=["1.2", "2.1", "3.3"]).count() == 3
    result = client.get(done.url)
    assert "imported into Overview report action plan: 3 actions created, 1 changed, 1 unchanged, 5 rows not " \
           "imported." in result.content.decode()


def test_a_refused_file_says_why_and_leaves_the_database_unchanged(client, board):
    client.force_login(board.member)
    before = factories.db_state()
    cases = [
        ("tracker.xlsx", samples.xlsm(), "macro"),
        ("minutes.pdf", samples.pdf(), "the import reads Excel workbooks (.xlsx) and CSV files only"),
        ("tracker.xlsx", messy_workbook(dde_formula=True), "uses DDE"),
        ("tracker.csv", b"Action No.,Action\n1.1,\x00\x01binary\n", "The content and the name must agree"),
    ]
    for name, data, message in cases:
        response = client.post(reverse("imports:start", args=[board.review.pk]),
                               {"plan": board.plan.pk, "file": samples.upload(name, data)})
        assert response.status_code == 400, name
        assert message in response.content.decode(), name
    assert factories.db_state() == before
    assert not SpreadsheetImport.objects.exists()


def test_a_csv_saved_by_excel_is_read_whatever_its_separator_and_character_set(board):
    csv = ("Action No.;Action;Lead agency;Target date;Success measure\r\n"
           "6.1;Review the £50 fund for fathers' groups.;POLICE ;31/3/31;Fund reviewed.\r\n"
           f"6.2;Audit the fund.; northbridge  constabulary;{serial(datetime.date(2031, 9, 30))};Audit done.\r\n")
    shown = previews.build(upload(board, csv.encode("cp1252"), name="excel.csv"))

    assert shown.problems == []
    assert [(line.reference, line.values["target_date"], line.values["lead_agency"]) for line in shown.lines] == [
        ("6.1", datetime.date(2031, 3, 31), board.police), ("6.2", datetime.date(2031, 9, 30), board.police)]
    assert shown.lines[0].values["description"] == "Review the £50 fund for fathers' groups."


def test_a_column_new_actions_need_missing_refuses_the_new_rows_only(board):
    csv = ("Action No.,Action,Lead agency,Target date\n"
           "8.1,Write the protocol.,Police,31/03/2031\n"
           "1.1,Train front-line staff on household composition.,Police,30/06/2031\n")
    draft = upload(board, csv.encode(), name="short.csv")
    shown = previews.build(draft)

    assert [(str(problem), problem.blocking) for problem in shown.problems] == [
        ("No column holds the success measure, which a new action needs, so row 2 cannot be imported: choose the "
         "column below.", True)]
    assert [(line.reference, line.outcome) for line in shown.lines] == [("8.1", "refused"), ("1.1", "change")]
    assert not shown.blocked
    confirm(draft, board.member)
    assert not Action.objects.filter(reference="8.1").exists()
    board.action_11.refresh_from_db()
    assert board.action_11.target_date == datetime.date(2031, 6, 30)


def test_an_agencys_own_plan_needs_no_lead_agency_column_and_takes_no_other_agency(board):
    own_plan = factories.plan(board.review, board.health, title="Health's own plan")
    csv = ("Ref,Action to be taken,Timescale,Outcome,Lead agency\n"
           "H.1,Audit the birth notices.,March 2031,Every notice names the father.,\n"
           "H.2,Train midwives.,30/06/2031,Midwives trained.,Police\n")
    checked = uploads.check_upload(ContentFile(csv.encode(), name="health.csv"))
    draft = services.import_upload(review=board.review, plan=own_plan, actor=board.member, checked=checked)
    shown = previews.build(draft)

    assert [str(problem) for problem in shown.problems] == [
        "row 2, Timescale: “March 2031” is read as the end of that month, 31 Mar 2031",
        "row 3, Lead agency: “Northbridge Constabulary”: the actions of Northbridge Health NHS Trust's own plan are "
        "led by Northbridge Health NHS Trust",
    ]
    confirm(draft, board.admin)
    audit = Action.objects.get(plan=own_plan)
    assert (audit.reference, audit.lead_agency, audit.target_date) == ("H.1", board.health, datetime.date(2031, 3, 31))


def test_two_members_confirming_the_same_draft_import_it_once(board):
    draft = upload(board, messy_workbook())
    digest = previews.build(draft).digest
    services.import_confirm(sheet_import=draft, actor=board.member, digest=digest)
    before = factories.db_state()

    with pytest.raises(services.NotImported, match="was imported by Test User.* so nothing was imported a second time"):
        services.import_confirm(sheet_import=draft, actor=board.member2, digest=digest)

    assert factories.db_state() == before
    draft.refresh_from_db()
    assert draft.confirmed_by == board.member


@pytest.fixture
def concurrent_db(transactional_db):
    """Two requests at once need a database that serves two connections at once (as tests/test_races.py)."""
    if connection.vendor != "postgresql":
        missing = "two requests at once need PostgreSQL: set DATABASE_URL to it (as .ci/run does) to run it"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI must run the race tests, but {missing}.")
        pytest.skip(f"Race test with concurrent requests: {missing}.")


def _confirm_at_once(draft, digest, members):
    """Each member posts the confirmation from their own client and thread, released together: {username: page}."""
    barrier, pages = threading.Barrier(len(members)), {}

    def confirm_as(member):
        client = Client()
        client.force_login(member)
        barrier.wait()
        try:
            response = client.post(reverse("imports:confirm", args=[draft.pk]), {"digest": digest}, follow=True)
            pages[member.username] = response.content.decode()
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm_as, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return pages


def test_two_members_confirming_at_once_import_once_and_the_other_is_told(concurrent_db, board):
    for trial in range(6):
        csv = (f"Action No.,Action,Lead agency,Target date,Success measure,Progress/Update\n"
               f"{trial}.9,Brief every team.,Police,31/03/2031,Teams briefed.,Started.\n")
        draft = upload(board, csv.encode(), name=f"race {trial}.csv")
        pages = _confirm_at_once(draft, previews.build(draft).digest, [board.member, board.member2])

        assert Action.objects.filter(plan=board.plan, reference=f"{trial}.9").count() == 1
        assert ProgressUpdate.objects.filter(action__reference=f"{trial}.9").count() == 1
        told = [name for name, page in pages.items() if "nothing was imported a second time" in page]
        won = [name for name, page in pages.items() if "1 action created" in page]
        assert len(told) == len(won) == 1 and set(told + won) == {"member", "member2"}
        draft.refresh_from_db()
        assert draft.confirmed_by.username == won[0]


def test_a_preview_out_of_date_is_not_imported(client, board):
    draft = upload(board, messy_workbook())
    digest = previews.build(draft).digest
    # Meanwhile a member moves action 1.1 to the very date of the sheet: the preview confirmed is no longer true.
    dates.change_target_date(action=board.action_11, actor=board.member2, new_date=datetime.date(2031, 3, 31),
                             reason="Agreed at the board.", seen_date=datetime.date(2030, 6, 30))
    before = factories.db_state()

    with pytest.raises(services.NotImported, match="Something changed since the preview"):
        services.import_confirm(sheet_import=draft, actor=board.member, digest=digest)

    assert factories.db_state() == before
    draft.refresh_from_db()
    assert draft.status == SpreadsheetImport.Status.DRAFT


def test_the_template_opens_with_openpyxl_and_has_the_expected_headings(client, board):
    client.force_login(board.member)
    response = client.get(reverse("imports:template"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="action-plan-template.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Action plan", "How to fill it in"]
    headings = [cell.value for cell in book["Action plan"][1]]
    assert headings == [heading for heading, _ in TEMPLATE_HEADINGS] == [
        "Action No.", "Rec", "Recommendation", "Action", "Lead agency", "Responsible officer", "Target date",
        "Success measure", "Status", "Progress/Update"]
    # Filled in and uploaded, it imports: every heading is recognised.
    sheet = book["Action plan"]
    sheet.append(["7.1", 1, None, "Audit the pre-birth pathway.", "Health", None, datetime.date(2031, 5, 31),
                  "Audit reported to the board.", "Not started", None])
    buffer = io.BytesIO()
    book.save(buffer)
    shown = previews.build(upload(board, buffer.getvalue(), name="template.xlsx"))
    assert shown.notices == [] and shown.problems == []
    assert [(line.row, line.reference, line.outcome) for line in shown.lines] == [(2, "7.1", "create")]


def test_the_preview_reads_the_plan_in_the_same_number_of_queries_whatever_its_size(board, django_assert_num_queries):
    def tracker(rows):
        lines = ["Action No.,Action,Lead agency,Responsible officer,Target date,Success measure,Progress/Update"]
        lines += [f"9.{n},Do {n}.,Police,Jane Ward,31/03/2031,Done {n}.,Note {n}." for n in range(rows)]
        return "\n".join(lines).encode()

    for rows in (2, 40):
        plan = factories.plan(factories.review(), title=f"Plan of {rows}")
        for n in range(rows):
            factories.action(plan, board.police, reference=f"9.{n}", recommendation=None)
        checked = uploads.check_upload(ContentFile(tracker(rows), name=f"{rows}.csv"))
        draft = services.import_upload(review=plan.review, plan=plan, actor=board.member, checked=checked)
        draft = SpreadsheetImport.objects.select_related("review", "plan__agency", "plan__review").get(pk=draft.pk)
        with django_assert_num_queries(QUERIES):
            shown = previews.build(draft)
        assert [line.outcome for line in shown.lines] == ["change"] * rows


#: The preview's queries: the remembered headings, the plan's actions, their progress notes, their waiting date
#: requests, the review's recommendations, the agencies, the officers.
QUERIES = 7
