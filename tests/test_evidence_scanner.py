"""The optional ClamAV scan, against a tiny fake clamd on a loopback socket: no real ClamAV is needed."""

import io
import os
import shutil
import socket
import struct
import tempfile
import threading

import pytest
from django.urls import reverse

from evidence import scanner, uploads
from evidence.models import Evidence
from tests import evidence_samples as samples

# The standard antivirus test string, put together at run time so that this source file does not trip a scanner.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """Speaks just enough of clamd's INSTREAM protocol: reads the chunks and answers like clamd would."""

    def __init__(self, family=socket.AF_INET, address=("127.0.0.1", 0), answer=None):
        self.server = socket.socket(family, socket.SOCK_STREAM)
        self.server.bind(address)
        self.server.listen(5)
        self.server.settimeout(0.05)
        self.stopping = threading.Event()
        self.answer = answer
        self.received = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return self.server.getsockname()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self._one(conn)
                except OSError:
                    pass

    def _read(self, conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _one(self, conn):
        command = b""
        while not command.endswith(b"\0"):
            command += self._read(conn, 1)
        assert command == b"zINSTREAM\0"
        content = b""
        while True:
            (length,) = struct.unpack("!L", self._read(conn, 4))
            if not length:
                break
            content += self._read(conn, length)
        self.received.append(content)
        if self.answer is not None:
            reply = self.answer
        elif EICAR in content:
            reply = b"stream: Eicar-Test-Signature FOUND\0"
        else:
            reply = b"stream: OK\0"
        conn.sendall(reply)

    def close(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def clamd(settings):
    fake = FakeClamd()
    settings.CLAMAV_HOST, settings.CLAMAV_PORT = fake.address
    settings.CLAMAV_SOCKET = ""
    settings.CLAMAV_TIMEOUT = 5
    yield fake
    fake.close()


def test_a_clean_file_is_scanned_and_accepted(clamd):
    checked = uploads.check_upload(samples.upload("minutes.txt", samples.text()))
    assert checked.original_name == "minutes.txt"
    assert clamd.received == [samples.text()]


def test_a_file_the_scanner_flags_is_refused(clamd):
    with pytest.raises(uploads.UploadRefused, match="Eicar-Test-Signature") as refusal:
        uploads.check_upload(samples.upload("minutes.txt", b"Minutes\n" + EICAR + b"\n"))
    assert refusal.value.code == "virus"


def test_a_scanner_error_answer_refuses_the_file(clamd):
    clamd.answer = b"INSTREAM size limit exceeded. ERROR\0"
    with pytest.raises(uploads.UploadRefused, match="virus scanner is not answering"):
        uploads.check_upload(samples.upload("minutes.txt", samples.text()))


def test_a_configured_but_unreachable_scanner_refuses_uploads(settings):
    # A port that was just free and is closed again: nothing listens there.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    settings.CLAMAV_HOST, settings.CLAMAV_PORT, settings.CLAMAV_TIMEOUT = "127.0.0.1", port, 2
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.check_upload(samples.upload("minutes.txt", samples.text()))
    assert refusal.value.code == "scanner_unavailable"


def test_a_missing_unix_socket_refuses_uploads(settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "clamd.sock")
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.check_upload(samples.upload("minutes.txt", samples.text()))
    assert refusal.value.code == "scanner_unavailable"


def test_the_scanner_speaks_over_a_unix_socket_too(settings):
    # A short directory: a Unix socket's path may not exceed about 100 characters.
    folder = tempfile.mkdtemp(prefix="clamd-")
    path = os.path.join(folder, "clamd.sock")
    fake = FakeClamd(family=socket.AF_UNIX, address=path)
    try:
        settings.CLAMAV_SOCKET, settings.CLAMAV_HOST = path, ""
        assert scanner.scan(io.BytesIO(samples.pdf())) is None
        assert len(fake.received) == 1
    finally:
        fake.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_without_configuration_nothing_is_scanned(settings):
    settings.CLAMAV_SOCKET = settings.CLAMAV_HOST = ""
    assert not scanner.is_configured()
    uploads.check_upload(samples.upload("minutes.txt", b"Minutes\n" + EICAR))


def test_an_infected_upload_through_the_page_is_refused_and_leaves_nothing(clamd, client, world, settings):
    client.force_login(world.agency_user)
    data = {
        "description": "Minutes.",
        "represents_on": "2026-01-15",
        "files": [samples.upload("minutes.txt", b"Minutes\n" + EICAR)],
    }
    response = client.post(reverse("evidence:submit", args=[world.multi_action.pk]), data)
    assert response.status_code == 400
    assert "Eicar-Test-Signature" in response.content.decode()
    assert not Evidence.objects.exists()
    media = settings.MEDIA_ROOT
    assert not any(media.rglob("*")) if media.exists() else True
