"""/healthz/?full=1: the database, the Celery broker, the evidence storage and (with CACHE_URL) the shared cache, each
reported on its own, against real services started and stopped here: a moto S3 server, a redis-server process, and
(on PostgreSQL) the database behind a TCP proxy that a gunicorn server reaches it through."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from unittest import mock

import pytest
import redis
from django.db import OperationalError
from moto.server import ThreadedMotoServer

from reminders.smtp_sink import free_port
from tests.s3 import REGION, storage_settings
from tests.s3 import client as s3_client

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
FILESYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def full(client):
    started = time.monotonic()
    response = client.get("/healthz/?full=1")
    return response, time.monotonic() - started


@pytest.fixture(autouse=True)
def _all_local(settings, tmp_path):
    """The test settings' services, whatever the environment says (CI sets REDIS_URL): the embedded broker in a
    queue folder of the test's own, evidence on the filesystem under the test's MEDIA_ROOT, no shared cache."""
    queue = tmp_path / "queue"
    queue.mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(queue), "data_folder_out": str(queue), "control_folder": str(queue),
    }
    settings.STORAGES = {**settings.STORAGES, "evidence": FILESYSTEM}
    settings.CACHE_URL = ""


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of this test's own on a free loopback port, saving nothing: (its URL, the process)."""
    port = free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield url, process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def stop(process):
    process.kill()
    process.wait(timeout=10)


@pytest.fixture
def moto_server():
    """A moto S3 server of this test's own, which the test may stop."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    state = {"running": True}

    def stop_server():
        if state["running"]:
            server.stop()
            state["running"] = False

    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}", stop_server
    stop_server()


# --- all up ---------------------------------------------------------------------------------------------------------


def test_all_up_answers_200_with_each_service_ok(client, db):
    response, _ = full(client)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_without_full_only_the_database_is_checked(client, db, settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": "/nonexistent/scrsystem/queue"}
    for query in ("", "?full=0", "?full=yes"):
        response = client.get(f"/healthz/{query}")
        assert response.status_code == 200, query
        assert response.json() == {"status": "ok", "database": "ok"}, query


# --- the evidence storage --------------------------------------------------------------------------------------------


def test_a_stopped_bucket_is_storage_unavailable_and_503_within_seconds(client, db, settings, moto_server):
    endpoint, stop_server = moto_server
    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {**settings.STORAGES, "evidence": storage_settings(endpoint, bucket)}
    response, _ = full(client)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}

    stop_server()
    response, took = full(client)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "ok", "storage": "unavailable"}
    assert took < 10
    assert endpoint not in response.content.decode()


def test_evidence_folder_that_cannot_be_made_is_storage_unavailable(client, db, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker / "private"  # under a file: cannot be made, even by root
    response, _ = full(client)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "ok", "storage": "unavailable"}


def test_a_bucket_that_does_not_exist_is_storage_unavailable(client, db, settings, moto_server):
    endpoint, _ = moto_server
    settings.STORAGES = {**settings.STORAGES, "evidence": storage_settings(endpoint, "no-such-evidence-bucket")}
    response, _ = full(client)
    assert response.json() == {"status": "error", "database": "ok", "broker": "ok", "storage": "unavailable"}


# --- the broker -----------------------------------------------------------------------------------------------------


def test_a_stopped_redis_broker_is_broker_unavailable_and_503(client, db, settings, redis_server):
    url, process = redis_server
    settings.CELERY_BROKER_URL = url
    response, _ = full(client)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}

    stop(process)
    response, took = full(client)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "unavailable", "storage": "ok"}
    assert took < 10
    assert url not in response.content.decode()


def test_an_embedded_broker_without_its_queue_folder_is_broker_unavailable(client, db, settings):
    # Tests run as root, whom a chmod does not stop: a folder that does not exist cannot be written by anyone.
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": "/nonexistent/scrsystem/queue"}
    response, _ = full(client)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "unavailable", "storage": "ok"}


# --- the shared cache -----------------------------------------------------------------------------------------------


def test_the_shared_cache_is_checked_when_cache_url_is_set(client, db, settings, redis_server):
    url, process = redis_server
    settings.CACHE_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "healthz-test",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    response, _ = full(client)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok", "cache": "ok"}
    # The probe went to this redis-server, not to a local-memory cache left over from before CACHES changed.
    assert redis.Redis.from_url(url).keys("healthz-test:*healthz") != []

    stop(process)
    response, took = full(client)
    assert response.status_code == 503
    assert response.json() == {
        "status": "error", "database": "ok", "broker": "ok", "storage": "ok", "cache": "unavailable",
    }
    assert took < 10


def test_without_cache_url_the_cache_is_not_reported(client, db, settings):
    settings.CACHE_URL = ""
    assert "cache" not in full(client)[0].json()


# --- the database ---------------------------------------------------------------------------------------------------


def test_the_database_down_is_reported_beside_the_others(client, db):
    with mock.patch("scrsystem.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response, _ = full(client)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable", "broker": "ok", "storage": "ok"}
    assert "connection refused" not in response.content.decode()


class Proxy:
    """A TCP proxy on loopback to ``upstream`` (host, port): ``stop()`` closes it and every connection through it, as
    a database server that went away; ``start()`` opens it again on the same port."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.port = free_port()
        self.sockets = []
        self.listener = None

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(20)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                near, _ = listener.accept()
            except OSError:
                return
            far = socket.create_connection(self.upstream)
            self.sockets += [near, far]
            for source, target in ((near, far), (far, near)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source, target):
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in its thread (close alone does not)
        except OSError:
            pass
        self.listener.close()
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
        self.sockets = []


def test_a_stopped_database_is_database_unavailable_through_a_real_server(tmp_path):
    """gunicorn reaches PostgreSQL through the proxy: up, 200; proxy stopped, 503 with only the database unavailable;
    started again, 200 (a kept connection that broke is replaced, CONN_HEALTH_CHECKS)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        if os.environ.get("CI"):
            pytest.fail("CI must stop the database under a real server, but DATABASE_URL is not PostgreSQL.")
        pytest.skip("Stopping the database needs PostgreSQL (DATABASE_URL=postgres://…, as .ci/run sets).")
    parts = urllib.parse.urlsplit(url)
    proxy = Proxy((parts.hostname, parts.port or 5432))
    proxy.start()
    through = parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}", path="/postgres")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": urllib.parse.urlunsplit(through), "CONN_MAX_AGE": "60", "DJANGO_SETTINGS_MODULE":
        "scrsystem.settings",
    }
    if parts.password:
        env["PGPASSWORD"] = parts.password
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "scrsystem.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings_module_root(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def health():
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/?full=1")
                with urllib.request.urlopen(request, timeout=10) as answer:
                    return answer.status, json.load(answer)
            except urllib.error.HTTPError as refused:
                return refused.code, json.load(refused)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    try:
        assert health() == (200, {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"})
        proxy.stop()
        assert health() == (503, {"status": "error", "database": "unavailable", "broker": "ok", "storage": "ok"})
        proxy.start()
        assert health() == (200, {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"})
    finally:
        server.terminate()
        server.wait(timeout=20)
        proxy.stop()


def settings_module_root():
    from django.conf import settings

    return settings.BASE_DIR
