"""Load benchmark (not a test): ``make bench-load``; README, "Load".

Builds the large benchmark data set (the dashboard benchmark's: 200 reviews, 20,000 actions, 40 agencies,
60,000 evidence items; ``--scale 10`` for ten times larger) in a throwaway PostgreSQL database beside the
configured one, serves it with gunicorn on loopback with DEBUG off, and runs locust headless: ``--users``
signed-in users (default 20; four in five members browsing the dashboard, the action list and action pages, one
in five agency users browsing their actions and now and then uploading a PDF) for ``--seconds`` (default 60).
Then the same server's /healthz/ is loaded alone, as the ceiling. Prints requests per second, the 50th and 95th
percentile latency per page and the error count. Only 127.0.0.1 is ever contacted; every run is bounded in time.
"""

import argparse
import csv
import os
import secrets
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
from dashboard.management.commands.bench_dashboard import Command
from accounts.models import Role, User
from actionplans.models import Action
print(Command().build({scale}), flush=True)
members = [User.objects.create_user(f"load-member-{{i}}", password="{password}", role=Role.MEMBER) for i in range(20)]
agency_users = list(User.objects.filter(username__startswith="bench-A")[:10])
for user in agency_users:
    user.set_password("{password}")
    user.save(update_fields=["password"])
ids = list(Action.objects.order_by("?").values_list("pk", flat=True)[:500])
print(",".join(u.username for u in members))
print(",".join(u.username for u in agency_users))
print(",".join(map(str, ids)))
"""


def locust(env, host, users, seconds, csv_prefix, user_classes):
    command = [str(BIN / "locust"), "-f", str(ROOT / "scripts" / "locustfile.py"), "--headless", "--host", host,
               "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv", csv_prefix, "--only-summary",
               "--stop-timeout", "10", "--loglevel", "WARNING"]
    command.extend(user_classes)
    subprocess.run(command, cwd=ROOT, env=env, timeout=seconds + 120, capture_output=True)
    with open(f"{csv_prefix}_stats.csv") as stats:
        return list(csv.DictReader(stats))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1)
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
           "EMAIL_URL": "smtp://127.0.0.1:9/"}
    server = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        started = time.perf_counter()
        built, members, agency_users, ids = django(env, BUILD.format(scale=args.scale, password=PASSWORD)).splitlines()
        print(f"Data: {built} (built in {time.perf_counter() - started:.0f} s)")

        port = free_port()
        host = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "scrsystem.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
             "--timeout", "120"],
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
        print(f"gunicorn: {args.workers} workers; locust: {args.users} signed-in users for {args.seconds} s ...")
        rows = locust(load_env, host, args.users, args.seconds, str(work / "pages"), ["Member", "AgencyUser"])
        ceiling = locust(load_env, host, args.users, max(10, args.seconds // 3), str(work / "health"), ["HealthOnly"])
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

    print(f"\n{'page':<18}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}")
    for row in rows + [r for r in ceiling if r["Name"] == "healthz"]:  # the ceiling last
        name = row["Name"] if row["Name"] != "Aggregated" else "all pages"
        print(f"{name:<18}{row['Request Count']:>9}{row['Failure Count']:>8}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>8}{row['95%']:>8}")
    total = next(r for r in rows if r["Name"] == "Aggregated")
    health = next(r for r in ceiling if r["Name"] == "healthz")
    print(f"\nAll pages: {float(total['Requests/s']):.1f} req/s with {total['Failure Count']} errors; "
          f"the /healthz/ ceiling on the same server: {float(health['Requests/s']):.1f} req/s.")


if __name__ == "__main__":
    main()
