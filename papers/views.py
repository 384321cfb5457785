"""The board's papers (README, "Board papers"): the list of papers, a new draft, its page, its preview, its edit,
issuing it, and downloading it as PDF or DOCX (an issued paper's kept files; a draft's made on the spot)."""

import io

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.access import Need
from audit.services import history_of
from evidence.views import verified_download
from papers import render as paper_render
from papers import services
from papers.forms import PaperForm, initial_values
from papers.models import Paper, PaperFile
from scrsystem.http import attachment, form_values, posted, refused_status


@require_GET
def papers(request):
    access.require_read_papers(request.user)
    listed = Paper.objects.select_related("created_by", "issued_by").order_by("status", "-dated", "-pk")
    context = {
        "drafts": [paper for paper in listed if not paper.is_issued],
        "issued": [paper for paper in listed if paper.is_issued],
        "can_write": access.can_write_papers(request.user),
        "kinds": Paper.Kind,
    }
    return render(request, "papers/paper_list.html", context)


def _kind(value):
    if value not in Paper.Kind.values:
        raise Http404("No such kind of paper.")
    return value


@require_http_methods(["GET", "POST"])
def paper_create(request, kind):
    kind = _kind(kind)
    access.require_write_papers(request.user)
    form = PaperForm(posted(request), initial=initial_values(kind, request.user, request.GET.get("since")), kind=kind,
                     submit_label="Save the draft")
    if request.method == "POST" and form.is_valid():
        paper = services.paper_create(actor=request.user, kind=kind, **form_values(form))
        messages.success(request, f"Draft “{paper.title}” saved. Preview it with today's figures; issue it when it "
                                  "is ready, and its figures are frozen then.")
        return redirect(paper)
    context = {"form": form, "heading": f"New {Paper.Kind(kind).label.lower()}", "kind": kind}
    return render(request, "papers/paper_form.html", context, status=400 if form.errors else 200)


@require_GET
def paper(request, pk):
    paper = access.get_paper(request.user, pk)
    context = {
        "paper": paper,
        "files": list(paper.files.order_by("format")),
        "can_write": access.can_write_papers(request.user) and not paper.is_issued,
        "sections": paper.content["sections"] if paper.is_issued else None,
        "history": history_of(paper),
    }
    return render(request, "papers/paper_detail.html", context)


@require_http_methods(["GET", "POST"])
def paper_edit(request, pk):
    paper = access.get_paper(request.user, pk, Need.CHANGE)
    if paper.is_issued:
        raise PermissionDenied(f"“{paper.title}” is issued: an issued paper is never changed.")
    form = PaperForm(posted(request), instance=paper, kind=paper.kind)
    if request.method == "POST" and form.is_valid():
        values = {name: value for name, value in form_values(form).items() if name in form.fields}
        try:
            services.paper_update(paper=paper, actor=request.user, **values)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Draft “{paper.title}” saved.")
            return redirect(paper)
    status = refused_status(form) if form.errors else 200
    if form.errors and (current := Paper.objects.select_related("issued_by").get(pk=paper.pk)).is_issued:
        # Issued while the page was open: the form's "someone else saved this" would invite a second save that
        # can never land. Say what happened instead; the person's text stays in the form to copy.
        form.errors[NON_FIELD_ERRORS] = form.error_class([
            f"“{current.title}” was issued {services.issued_words(current)} while you were editing it, so nothing of "
            "yours was saved: an issued paper is never changed. Your text is still below, to copy into a new paper."
        ])
        status = 409
    context = {"form": form, "paper": paper, "heading": f"Edit “{paper.title}”", "kind": paper.kind}
    return render(request, "papers/paper_form.html", context, status=status)


@transaction.non_atomic_requests
@require_POST
def paper_issue(request, pk):
    paper = access.get_paper(request.user, pk, Need.CHANGE)
    try:
        issued = services.paper_issue(paper=paper, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(paper)
    messages.success(request, f"“{issued.title}” issued: its PDF and Word document are kept as issued, and will not "
                              "change whatever happens to the data.")
    return redirect(issued)


@require_GET
def paper_view(request, pk):
    """The paper as one document in the browser: an issued paper as issued, a draft with today's figures."""
    paper = access.get_paper(request.user, pk)
    built = paper.content if paper.is_issued else services.preview(paper, request.user)
    tools = [("← The paper's page", paper.get_absolute_url()),
             ("Download PDF", reverse("papers:download", args=[paper.pk, "pdf"])),
             ("Download Word (DOCX)", reverse("papers:download", args=[paper.pk, "docx"]))]
    return HttpResponse(paper_render.html(built, tools=tools))


@require_GET
def paper_download(request, pk, file_format):
    if file_format not in PaperFile.Format.values:
        raise Http404("No such format.")
    paper = access.get_paper(request.user, pk)
    if not paper.is_issued:
        data = services.preview(paper, request.user, file_format=file_format)
        name = services.file_name(paper, file_format, draft=True)
        return attachment(io.BytesIO(data), name, paper_render.CONTENT_TYPES[file_format])
    paper, kept = access.get_paper_file(request.user, pk, file_format)
    return verified_download(request, kept, what=f"the {kept.get_format_display()} of “{paper.title}”",
                             back=paper.get_absolute_url(), back_label="Back to the paper")
