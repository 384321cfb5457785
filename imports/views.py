"""The pages of the spreadsheet import (README, "Importing a spreadsheet"): the upload, the preview (where the sheet
and the columns are chosen), the confirmation, and the template. Members and administrators only: every view
starts with accounts.access (get_review with Need.CHANGE, or require_change_reviews), so everyone else gets 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.access import Need
from evidence import uploads
from imports import preview as previews
from imports import services, template
from imports.forms import ColumnsForm, ConfirmForm, SheetForm, UploadForm
from imports.models import SpreadsheetImport
from scrsystem.http import posted


def _get_import(user, pk):
    """An uploaded spreadsheet, for a member or an administrator (403 for anyone else, before it is looked up)."""
    access.require_change_reviews(user)
    try:
        return SpreadsheetImport.objects.select_related(
            "review", "plan__agency", "plan__review", "uploaded_by", "confirmed_by"
        ).get(pk=pk)
    except (SpreadsheetImport.DoesNotExist, ValueError):
        raise Http404("No such import.") from None


# The upload runs outside the request's transaction: store_then's own transaction keeps the file and writes the row
# together (see evidence.services).
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def import_start(request, pk):
    review = access.get_review(request.user, pk, Need.CHANGE)
    data = posted(request)
    form = UploadForm(data, request.FILES or None, review=review, refused=uploads.refused_for_size(request, "file"))
    if data is not None and form.is_valid():
        checked, _sheets = form.cleaned_data["file"]
        try:
            draft = services.import_upload(
                review=review, plan=form.cleaned_data["plan"], actor=request.user, checked=checked
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.info(request, f"“{draft.original_name}” is uploaded. Nothing is imported yet: check the preview, "
                                   "then confirm it at the foot of the page.")
            return redirect(draft)
    context = {
        "review": review,
        "form": form,
        "has_plans": form.fields["plan"].queryset.exists(),
        "earlier": review.spreadsheet_imports.select_related("plan", "uploaded_by", "confirmed_by")[:20],
    }
    return render(request, "imports/start.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def import_preview(request, pk):
    sheet_import = _get_import(request.user, pk)
    if sheet_import.status == SpreadsheetImport.Status.IMPORTED:
        if request.method == "POST":
            raise PermissionDenied(f"“{sheet_import.original_name}” is imported already: nothing of it changes.")
        return render(request, "imports/imported.html", {"sheet_import": sheet_import})
    shown = previews.build(sheet_import)
    sheet_form = SheetForm(initial={"sheet": shown.sheet}, sheets=shown.sheets)
    columns_form = ColumnsForm(initial={"sheet": shown.sheet}, columns=shown.columns)
    status = 200
    if request.method == "POST":
        if request.POST.get("step") == "sheet":
            sheet_form = SheetForm(request.POST, sheets=shown.sheets)
            if sheet_form.is_valid():
                services.sheet_choose(sheet_import=sheet_import, actor=request.user,
                                      sheet=sheet_form.cleaned_data["sheet"])
                messages.success(request, f"The sheet “{sheet_form.cleaned_data['sheet']}” is read now.")
                return redirect(sheet_import)
        else:
            columns_form = ColumnsForm(request.POST, columns=shown.columns)
            if columns_form.is_valid():
                if columns_form.cleaned_data["sheet"] != shown.sheet:
                    messages.error(request, "Another sheet was chosen meanwhile, so the columns were not saved: choose "
                                            "them again for the sheet shown.")
                    return redirect(sheet_import)
                services.columns_save(sheet_import=sheet_import, actor=request.user, sheet=shown.sheet,
                                      chosen=columns_form.chosen(), columns=shown.columns)
                messages.success(request, "The columns are read as you chose; headings you chose for are remembered "
                                          "for the next spreadsheet.")
                return redirect(sheet_import)
        status = 400
    context = {
        "sheet_import": sheet_import,
        "preview": shown,
        "sheet_form": sheet_form,
        "columns_form": columns_form,
        "confirm_form": ConfirmForm(initial={"digest": shown.digest}),
        "blocking": [problem for problem in shown.problems if problem.blocking],
        "notes": [problem for problem in shown.problems if not problem.blocking],
        "counts": {outcome: shown.count(outcome) for outcome in previews.Outcome.LABELS},
    }
    return render(request, "imports/preview.html", context, status=status)


@require_POST
def import_confirm(request, pk):
    sheet_import = _get_import(request.user, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The confirmation was incomplete, so nothing was imported. Confirm again below.")
        return redirect(sheet_import)
    try:
        shown = services.import_confirm(
            sheet_import=sheet_import, actor=request.user, digest=form.cleaned_data["digest"]
        )
    except services.NotImported as error:
        messages.error(request, " ".join(error.messages))
        return redirect(sheet_import)
    created, changed = shown.count(previews.Outcome.CREATE), shown.count(previews.Outcome.CHANGE)
    same, refused = shown.count(previews.Outcome.SAME), shown.count(previews.Outcome.REFUSED)
    messages.success(
        request,
        f"“{sheet_import.original_name}” imported into {sheet_import.plan.title}: {created} action"
        f"{'s' if created != 1 else ''} created, {changed} changed, {same} unchanged"
        + (f", {refused} row{'s' if refused != 1 else ''} not imported." if refused else "."),
    )
    return redirect(sheet_import)


@require_GET
def template_download(request):
    access.require_change_reviews(request.user)
    response = HttpResponse(template.workbook(), content_type=template.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="action-plan-template.xlsx"'
    return response
