"""Load benchmark (not a test): ``make bench-load``; README, "Load".

Builds the large benchmark data set (the dashboard benchmark's: 200 reviews, 20,000 actions, 40 agencies,
60,000 evidence items; ``--scale 10`` for ten times larger) in a throwaway PostgreSQL database beside the
configured one, serves it with gunicorn on loopback with DEBUG off and SERVER_TIMING on, and runs locust headless
(scripts/locustfile.py): ``--users`` signed-in users (default 20; four in five members browsing the dashboard, the
action list and action pages, one in five agency users browsing their actions and now and then uploading a PDF)
and, alongside them, a probe asking for /healthz/ ten times a second. Measuring starts once every user has signed
in and lasts ``--seconds`` (default 60).

Printed per page: requests, errors, the 50th and 95th percentile latency, the 95th percentile divided by that of
/healthz/ in the same mix (the goal: at most 10 for every page, with no errors), and the CPU and wall time the
server spent on the page per request in Django (its Server-Timing header: the request thread's CPU, so PostgreSQL's
is not in it). Then the gunicorn workers' CPU over the whole run from /proc, as a check on that sum, and /healthz/
loaded alone (``--ceiling-seconds``), the server's ceiling. The machine's load average is printed before and after.
Only 127.0.0.1 is ever contacted; every run is bounded in time.
"""

import argparse
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = secrets.token_urlsafe(16)
#: The pages in the order printed; anything else the users asked for comes after them.
PAGES = ["dashboard", "action list", "action page", "my actions", "evidence form", "upload evidence"]
#: The goal of issue 16: every page's p95 at most this many times /healthz/'s p95 in the same mix.
GOAL_RATIO = 10


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def throwaway_database(url):
    import psycopg2

    base, name = url.rsplit("/", 1)
    load_name = f"{name}_load"
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{load_name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{load_name}"')
    connection.close()
    return f"{base}/{load_name}", load_name


def django(env, code):
    script = "import django; django.setup()\n" + code
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr)
    return result.stdout.strip()


BUILD = """
from django.conf import settings
from django.contrib.auth.hashers import make_password
from dashboard.management.commands.bench_dashboard import Command
from accounts.models import Role, User
from actionplans.models import Action
print(Command().build({scale}), flush=True)
hashed = make_password("{password}")  # once for everyone: hashing is slow on purpose
members = User.objects.bulk_create(
    [User(username=f"load-member-{{i}}", password=hashed, role=Role.MEMBER) for i in range(20)]
)
agency_users = list(User.objects.filter(username__startswith="bench-A").order_by("username")[:10])
User.objects.filter(pk__in=[u.pk for u in agency_users]).update(password=hashed)
ids = list(Action.objects.order_by("?").values_list("pk", flat=True)[:500])
print(",".join(u.username for u in members))
print(",".join(u.username for u in agency_users))
print(",".join(map(str, ids)))
print(settings.DATABASES["default"]["CONN_MAX_AGE"])
"""


def locust(env, host, users, seconds, results, user_classes, signed_in):
    """Run locust until the locustfile has measured for ``seconds`` after the warm-up; return what it wrote."""
    env = {**env, "LOAD_SECONDS": str(seconds), "LOAD_RESULTS": str(results), "LOAD_SIGNED_IN_USERS": str(signed_in)}
    # -t only bounds the run (sign-ins, then the measured window): the locustfile stops it when it has measured.
    command = [str(BIN / "locust"), "-f", str(ROOT / "scripts" / "locustfile.py"), "--headless", "--host", host,
               "-u", str(users), "-r", str(users), "-t", f"{seconds + 180}s", "--only-summary",
               "--stop-timeout", "10", "--loglevel", "WARNING"]
    command.extend(user_classes)
    done = subprocess.run(command, cwd=ROOT, env=env, timeout=seconds + 300, capture_output=True, text=True)
    if not Path(results).exists():
        sys.exit(f"locust wrote no results:\n{done.stderr[-3000:]}")
    data = json.loads(Path(results).read_text())
    if data["window"] is None:
        sys.exit(f"Only {data['signed_in']} of {signed_in} users signed in; nothing was measured:\n"
                 f"{done.stderr[-3000:]}")
    return data


def percentile(values, fraction):
    """Nearest rank: the smallest value with at least ``fraction`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def workers_cpu_seconds(master):
    """User and system CPU, in seconds, of the gunicorn master's children (its workers) so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == master:  # fields[1] is the parent's pid; utime and stime are fields[11:13]
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def load_average():
    return ", ".join(f"{n:.2f}" for n in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60, help="how long to measure, after every user signed in")
    parser.add_argument("--ceiling-seconds", type=int, default=10, help="/healthz/ alone afterwards; 0 skips it")
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1,
                        help="gunicorn worker processes (default: twice the cores, plus one)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker (default 1: gunicorn's sync worker; more: its gthread worker)")
    parser.add_argument("--conn-max-age", type=int, help="CONN_MAX_AGE of the server (default: the setting's, 60)")
    args = parser.parse_args()

    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        sys.exit("The load benchmark runs on PostgreSQL: set DATABASE_URL=postgres://… (a throwaway database "
                 "beside it is created and dropped).")
    database_url, database_name = throwaway_database(configured)
    work = Path(tempfile.mkdtemp(prefix="scrsystem-load-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "scrsystem.settings", "DATABASE_URL": database_url,
           "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(60), "ALLOWED_HOSTS": "127.0.0.1",
           "AUDIT_CHAIN_KEY": secrets.token_urlsafe(60),
           "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false", "VAR_DIR": str(work / "var"),
           "SECOND_FACTOR_ROLES": "", "CELERY_TASK_ALWAYS_EAGER": "true",
           "EMAIL_URL": "smtp://127.0.0.1:9/", "SERVER_TIMING": "true"}
    if args.conn_max_age is not None:
        env["CONN_MAX_AGE"] = str(args.conn_max_age)
    server = None
    print(f"Load average before: {load_average()} ({os.cpu_count()} cores)")
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        started = time.perf_counter()
        built, members, agency_users, ids, conn_max_age = django(
            env, BUILD.format(scale=args.scale, password=PASSWORD)
        ).splitlines()[-5:]
        print(f"Data: {built} (built in {time.perf_counter() - started:.0f} s)")

        port = free_port()
        host = f"http://127.0.0.1:{port}"
        worker = ["--threads", str(args.threads), "--worker-class", "gthread"] if args.threads > 1 else []
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "scrsystem.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
             *worker, "--timeout", "120"],
            cwd=ROOT, env=env, stdout=open(work / "gunicorn.log", "w"), stderr=subprocess.STDOUT,
        )
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{host}/healthz/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        load_env = {**env, "LOAD_PASSWORD": PASSWORD, "LOAD_MEMBERS": members, "LOAD_AGENCY_USERS": agency_users,
                    "LOAD_ACTION_IDS": ids}
        kind = f"{args.threads} threads each (gthread)" if args.threads > 1 else "sync"
        print(f"gunicorn: {args.workers} workers, {kind}; CONN_MAX_AGE {conn_max_age}; locust: {args.users} "
              f"signed-in users and a /healthz/ probe, measured for {args.seconds} s after they all signed in ...")
        cpu_before = workers_cpu_seconds(server.pid)
        mix = locust(load_env, host, args.users + 1, args.seconds, work / "mix.json", ["Member", "AgencyUser",
                     "HealthProbe"], signed_in=args.users)
        workers_cpu = workers_cpu_seconds(server.pid) - cpu_before
        load_after = load_average()
        ceiling = None
        if args.ceiling_seconds:
            ceiling = locust(load_env, host, args.users, args.ceiling_seconds, work / "ceiling.json", ["HealthOnly"],
                             signed_in=0)
    except BaseException:
        print(f"Kept for a look: {work} (gunicorn.log, the locust results)", file=sys.stderr)
        raise
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        import psycopg2

        connection = psycopg2.connect(configured)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        connection.close()

    shutil.rmtree(work, ignore_errors=True)
    report(mix, ceiling, workers_cpu, load_after)


def report(mix, ceiling, workers_cpu, load_after):
    pages = mix["pages"]
    health = pages.get("healthz")
    if not health or not health["latencies"]:
        sys.exit("The /healthz/ probe made no request in the measured window.")
    reference = percentile(health["latencies"], 0.95)
    window = mix["window"]
    print(f"\nMeasured {window:.0f} s after a warm-up of {mix['warm_up']:.0f} s (every user signing in); "
          f"load average after: {load_after}")
    header = (f"{'page':<22}{'requests':>9}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'p95/healthz':>13}"
              f"{'CPU ms/req':>12}{'app ms/req':>12}")
    print(header)
    print("-" * len(header))

    def row(name, page, ratio=True):
        latencies = page["latencies"]
        p95 = percentile(latencies, 0.95)
        shown = f"{p95 / reference:>13.1f}" if ratio else f"{'':>13}"
        cpu = f"{sum(page['cpu']) / len(page['cpu']):>12.1f}" if page["cpu"] else f"{'-':>12}"
        app = f"{sum(page['app']) / len(page['app']):>12.1f}" if page["app"] else f"{'-':>12}"
        print(f"{name:<22}{len(latencies):>9}{page['failures']:>8}{percentile(latencies, 0.5):>8.0f}{p95:>8.0f}"
              f"{shown}{cpu}{app}")
        return p95 / reference

    warm_up = {"sign in", "sign-in page"}
    names = [n for n in PAGES if n in pages] + sorted(set(pages) - set(PAGES) - warm_up - {"healthz"})
    over = [name for name in names if row(name, pages[name]) > GOAL_RATIO]
    everything = {"latencies": [], "failures": 0, "cpu": [], "app": []}
    for name in names:
        for key in ("latencies", "cpu", "app"):
            everything[key] += pages[name][key]
        everything["failures"] += pages[name]["failures"]
    row("all pages", everything)
    row("healthz, in the mix", health)
    for name in sorted(warm_up & set(pages)):
        row(f"{name} (warm-up)", pages[name], ratio=False)
    if ceiling:
        alone = ceiling["pages"].get("healthz alone")
        if alone:
            row("healthz alone", alone, ratio=False)

    errors = everything["failures"] + health["failures"]
    rate = len(everything["latencies"]) / window
    print(f"\nAll pages: {rate:.1f} requests/s with {errors} errors (the probe's included); /healthz/ p95 in the mix "
          f"{reference:.0f} ms.")
    if ceiling and ceiling["pages"].get("healthz alone"):
        alone = ceiling["pages"]["healthz alone"]
        print(f"/healthz/ alone, the ceiling: {len(alone['latencies']) / ceiling['window']:.0f} requests/s.")
    served = mix["requests_all"]
    print(f"Server CPU over the whole run (warm-up too): the gunicorn workers used {workers_cpu:.1f} s (/proc); the "
          f"requests' Server-Timing adds up to {mix['cpu_all_ms'] / 1000:.1f} s over {served} requests (the rest is "
          "gunicorn reading requests and writing answers, and start-up work).")
    verdict = "met" if not over and not errors else "NOT met"
    detail = f" (over {GOAL_RATIO}x: {', '.join(over)})" if over else ""
    print(f"Goal (every page's p95 <= {GOAL_RATIO}x /healthz/ p95 in the mix, 0 errors): {verdict}{detail}.")


if __name__ == "__main__":
    main()
