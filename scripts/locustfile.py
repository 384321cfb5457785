"""The users of the load benchmark (scripts/bench_load.py runs locust with this file; not a test).

Members browse the dashboard, the action list and action pages; agency users browse their actions and now and
then upload a small PDF as evidence. Every user signs in first, as a person would. One more user, the probe, asks
for /healthz/ ten times a second alongside them: its latency in the same mix is the reference every page is
divided by (what any request waits for while the server is this busy).

Measuring starts once every user has signed in (signing in is password hashing, deliberately slow, and happens
once a session) and lasts LOAD_SECONDS. Each request's latency is kept, with the CPU and wall time the server spent
on it in Django, read from its Server-Timing header (the server runs with SERVER_TIMING on); at the end everything
is written to LOAD_RESULTS as JSON, and bench_load.py prints the table.
"""

import json
import os
import random
import re
import time

import gevent
from locust import HttpUser, between, constant_pacing, events, task

from evidence.documents import simple_pdf

PASSWORD = os.environ["LOAD_PASSWORD"]
ACTION_IDS = [int(n) for n in os.environ["LOAD_ACTION_IDS"].split(",")]
MEMBERS = os.environ["LOAD_MEMBERS"].split(",")
AGENCY_USERS = os.environ["LOAD_AGENCY_USERS"].split(",")
#: How many users sign in (the probe does not); measuring starts when they all have.
SIGNED_IN_USERS = int(os.environ["LOAD_SIGNED_IN_USERS"])
SECONDS = float(os.environ["LOAD_SECONDS"])
RESULTS = os.environ["LOAD_RESULTS"]
PDF = simple_pdf(["Minutes of the load-test meeting", "Fictional."])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMING = re.compile(r"(cpu|app);dur=([\d.]+)")

#: Per request name: latencies (ms), failures, server CPU and wall time in Django (ms), in the measured window.
samples = {}
state = {"signed_in": 0, "measuring": False, "started": None, "window": None, "warm_up": None, "written": False,
         "cpu_all_ms": 0.0, "requests_all": 0, "began": None}


def _page(name):
    return samples.setdefault(name, {"latencies": [], "failures": 0, "cpu": [], "app": []})


@events.request.add_listener
def record(name, response_time, response=None, exception=None, **kwargs):
    timing = dict(TIMING.findall(response.headers.get("Server-Timing", ""))) if response is not None else {}
    state["requests_all"] += 1
    state["cpu_all_ms"] += float(timing.get("cpu", 0))
    if not state["measuring"] and name not in {"sign in", "sign-in page"}:
        return
    page = _page(name)
    page["latencies"].append(response_time)
    if exception is not None:
        page["failures"] += 1
    if "cpu" in timing:
        page["cpu"].append(float(timing["cpu"]))
        page["app"].append(float(timing["app"]))


@events.test_start.add_listener
def _begin(environment, **kwargs):
    state["began"] = time.monotonic()
    if not SIGNED_IN_USERS:  # the ceiling's run: nobody to wait for
        _measure(environment)


def _signed_in(environment):
    state["signed_in"] += 1
    if state["signed_in"] == SIGNED_IN_USERS:
        _measure(environment)


def _measure(environment):
    state["measuring"], state["started"] = True, time.monotonic()
    state["warm_up"] = state["started"] - state["began"]
    gevent.spawn_later(SECONDS, _stop, environment)


def _stop(environment):
    state["measuring"] = False
    state["window"] = time.monotonic() - state["started"]
    _write()
    environment.runner.quit()


@events.quitting.add_listener
def _write(**kwargs):
    if state["written"]:
        return
    state["written"] = True
    with open(RESULTS, "w") as out:
        json.dump({"pages": samples, **{k: v for k, v in state.items() if k != "written"}}, out)


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

    def on_start(self):
        super().on_start()
        _signed_in(self.environment)

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
        _signed_in(self.environment)

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
        # Not following the redirect: the time and the Server-Timing are the upload's, not the action page's after it.
        with self.client.post(
            f"/actions/{pk}/evidence/new/",
            data={"csrfmiddlewaretoken": match.group(1), "description": "Load test minutes",
                  "represents_on": "2026-01-15"},
            files={"files": ("minutes.pdf", PDF, "application/pdf")},
            name="upload evidence", allow_redirects=False, catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"the upload was answered {response.status_code}, not a redirect to the action")


class HealthProbe(HttpUser):
    """The reference, inside the mix: /healthz/ (one trivial query) ten times a second, whatever else is running (a
    load of about 1% of a core; 600 answers a minute make its 95th percentile a steady reference)."""

    fixed_count = 1
    wait_time = constant_pacing(0.1)

    @task
    def health(self):
        self.client.get("/healthz/", name="healthz")


class HealthOnly(HttpUser):
    """The ceiling, run on its own after the mix: the same server answering /healthz/ with no think time."""

    wait_time = between(0, 0)

    @task
    def health(self):
        self.client.get("/healthz/", name="healthz alone")
