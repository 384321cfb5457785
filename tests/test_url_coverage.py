"""Every URL of the project is in a permission matrix (tests/matrix.py): adding a page without saying what each role
gets from it fails here.

The walk goes through Django's URL resolver, into every included URLconf. Only the admin site is left out: it is
Django's own, open to administrators only, and tests/test_admin_site.py covers what it may do. Static files are
served by WhiteNoise, not by a URL pattern, and there are no media URLs (evidence is downloaded through a view).
"""

import types

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path

from tests import test_api_permissions, test_evidence_access, test_permissions
from tests.matrix import ROLES

SKIPPED_NAMESPACES = {"admin"}

MATRICES = {
    "GET": [*test_permissions.GET_MATRIX, *test_evidence_access.GET_MATRIX, *test_api_permissions.GET_MATRIX],
    "POST": [*test_permissions.POST_MATRIX, *test_evidence_access.POST_MATRIX, *test_api_permissions.POST_MATRIX],
}


def project_urls(resolver, prefix=""):
    """(full name or None, route) of every URL pattern under ``resolver``, namespaces joined with ":"."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = pattern.namespace
            if namespace in SKIPPED_NAMESPACES:
                continue
            yield from project_urls(pattern, f"{prefix}{namespace}:" if namespace else prefix)
        elif isinstance(pattern, URLPattern):
            yield (f"{prefix}{pattern.name}" if pattern.name else None), str(pattern.pattern)


def in_matrix(method):
    return {url_name for url_name, _, _ in MATRICES[method]}


def uncovered(resolver):
    """What the matrices miss: URLs without a name (a matrix row needs one) and named URLs without any row."""
    covered = in_matrix("GET") | in_matrix("POST")
    problems = []
    for name, route in project_urls(resolver):
        if name is None:
            problems.append(f"the URL {route!r} has no name, so no matrix row can name it")
        elif name not in covered:
            problems.append(f"{name} is in no permission matrix (tests/test_permissions.py, test_evidence_access.py)")
    return problems


def test_every_url_of_the_project_is_in_a_permission_matrix():
    assert uncovered(get_resolver()) == []


def test_the_walk_finds_every_url_it_should():
    # Guards the walk itself: it must reach into included URLconfs and see the pages the matrices are about.
    names = {name for name, _ in project_urls(get_resolver())}
    for expected in ("home", "accounts:login", "dashboard:index", "reminders:preferences", "evidence:queue",
                     "actionplans:action_reinstate", "actionplans:action_verify", "reviews:plan_create"):
        assert expected in names
    assert not any(name and name.startswith("admin:") for name in names)
    assert len(names) >= 40


def test_a_url_added_without_a_matrix_row_is_reported():
    def view(request):
        return HttpResponse("new")

    urlconf = types.ModuleType("urlconf_with_new_pages")
    urlconf.urlpatterns = [
        *get_resolver().url_patterns,
        path("new-page/", view, name="new_page"),
        path("nested/", include(([path("page/", view, name="page")], "nested"))),
        path("unnamed/", view),
    ]
    assert uncovered(get_resolver(urlconf)) == [
        "new_page is in no permission matrix (tests/test_permissions.py, test_evidence_access.py)",
        "nested:page is in no permission matrix (tests/test_permissions.py, test_evidence_access.py)",
        "the URL 'unnamed/' has no name, so no matrix row can name it",
    ]


def test_a_post_only_url_has_rows_in_a_post_matrix():
    # A GET row of 405 says the page only takes POSTs: what each role may POST must then be pinned as well.
    post_only = {url_name for url_name, _, outcomes in MATRICES["GET"] if 405 in outcomes}
    assert post_only, "the matrices hold POST-only views (progress, decide, sign off, sign out)"
    assert post_only <= in_matrix("POST")


def test_every_matrix_row_names_a_url_of_the_project_and_every_role():
    names = {name for name, _ in project_urls(get_resolver())}
    for method, rows in MATRICES.items():
        for url_name, _, outcomes in rows:
            assert url_name in names, (method, url_name)
            assert len(outcomes) == len(ROLES), (method, url_name)
