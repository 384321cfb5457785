"""Django's ``{# … #}`` comment ends on its own line: one left open is printed to the reader as text (the dashboard
once showed its developer's note to every user). Longer notes use ``{% comment %}``."""

from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse


def test_no_template_opens_a_one_line_comment_it_does_not_close_on_that_line():
    templates = [path for folder in settings.TEMPLATES[0]["DIRS"] for path in Path(folder).rglob("*.html")]
    assert len(templates) > 40
    open_comments = [
        f"{path}:{number}" for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert open_comments == []


def test_the_dashboard_shows_no_template_comment(world):
    client = Client()
    client.force_login(world.chair)
    html = client.get(reverse("dashboard:index")).content.decode()
    assert "{#" not in html and "Expects `dashboard`" not in html
