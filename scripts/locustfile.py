"""The users of the load benchmark (scripts/bench_load.py runs locust with this file; not a test).

Members browse the dashboard, the action list and action pages; agency users browse their actions and now and
then upload a small PDF as evidence. Every user signs in first, as a person would.
"""

import os
import random
import re

from locust import HttpUser, between, task

from evidence.documents import simple_pdf

PASSWORD = os.environ["LOAD_PASSWORD"]
ACTION_IDS = [int(n) for n in os.environ["LOAD_ACTION_IDS"].split(",")]
MEMBERS = os.environ["LOAD_MEMBERS"].split(",")
AGENCY_USERS = os.environ["LOAD_AGENCY_USERS"].split(",")
PDF = simple_pdf(["Minutes of the load-test meeting", "Fictional."])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)
    accounts = []

    def on_start(self):
        username = random.choice(self.accounts)
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = TOKEN.search(page.text).group(1)
        response = self.client.post(
            "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
            name="sign in", allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"{username} could not sign in: {response.status_code}")

    def action_page(self, pk):
        self.client.get(f"/actions/{pk}/", name="action page")


class Member(SignedIn):
    weight = 4
    accounts = MEMBERS

    @task(3)
    def dashboard(self):
        self.client.get("/dashboard/", name="dashboard")

    @task(3)
    def action_list(self):
        self.client.get(random.choice(["/actions/", "/actions/?overdue=yes", "/actions/?brag=amber"]), name="action list")

    @task(4)
    def action(self):
        self.action_page(random.choice(ACTION_IDS))


class AgencyUser(SignedIn):
    weight = 1
    accounts = AGENCY_USERS

    def on_start(self):
        super().on_start()
        mine = self.client.get("/actions/mine/", name="my actions")
        self.mine = [int(pk) for pk in re.findall(r'href="/actions/(\d+)/"', mine.text)] or ACTION_IDS[:1]
        # Evidence goes on actions still in progress (verified and cancelled ones take none).
        open_ = self.client.get("/actions/mine/?status=in_progress", name="my actions")
        self.open = [int(pk) for pk in re.findall(r'href="/actions/(\d+)/"', open_.text)]

    @task(4)
    def my_actions(self):
        self.client.get("/actions/mine/", name="my actions")

    @task(4)
    def action(self):
        self.action_page(random.choice(self.mine))

    @task(1)
    def upload(self):
        if not self.open:
            return
        pk = random.choice(self.open)
        form = self.client.get(f"/actions/{pk}/evidence/new/", name="evidence form")
        match = TOKEN.search(form.text)
        if form.status_code != 200 or not match:
            return
        self.client.post(
            f"/actions/{pk}/evidence/new/",
            data={"csrfmiddlewaretoken": match.group(1), "description": "Load test minutes",
                  "represents_on": "2026-01-15"},
            files={"files": ("minutes.pdf", PDF, "application/pdf")},
            name="upload evidence",
        )


class HealthOnly(HttpUser):
    """The ceiling: the same server answering /healthz/ (one trivial query), with no think time."""

    wait_time = between(0, 0)

    @task
    def health(self):
        self.client.get("/healthz/", name="healthz")
