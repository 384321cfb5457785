import datetime, io, json, time
import pytest
from django.urls import reverse
from accounts.models import Role
from actionplans import lifecycle
from actionplans.rules import Status, today
from papers import content, rules, services
from papers.models import Paper, PaperFile
from tests import factories
from tests import evidence_samples as samples
from tests.test_concerns import concern, indicator, point, quarters_ago


def test_explore(world):
    w = world
    c = concern(w)
    ind = indicator(w, c)
    point(ind, w.member, quarters_ago(3), 30)
    point(ind, w.member, quarters_ago(2), 35)
    paper = services.paper_create(actor=w.member, kind="partners", title="Report", dated=today(), author="Me",
                                  introduction="Hello.\n\nWorld.", recommendations="Do it.", since=today() - datetime.timedelta(days=30))
    t = time.time()
    issued = services.paper_issue(paper=paper, actor=w.member)
    print("issue", time.time() - t)
    json.dump(issued.content, open("/tmp/pp/content.json", "w"), indent=1)
    f = {pf.format: pf for pf in issued.files.all()}
    print(f)
