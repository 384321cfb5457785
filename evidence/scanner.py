"""An optional virus scan by a ClamAV daemon (clamd), spoken to directly over its socket.

Configured by CLAMAV_SOCKET (a Unix socket path) or CLAMAV_HOST and CLAMAV_PORT; neither set, or
EVIDENCE_SCANNING=off, means no scan (and evidence/checks.py says so in production).
The INSTREAM command sends the file in chunks, each prefixed with its length as 4 bytes in network order, and
a zero-length chunk to end; clamd answers ``stream: OK``, ``stream: <signature> FOUND`` or an error.
Anything but a clear answer raises ScannerUnavailable, and the upload is refused (fail closed).
"""

import socket
import struct

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """The scanner is configured but did not give a clear answer: unreachable, timed out, or an error."""


def is_configured():
    return settings.EVIDENCE_SCANNING != "off" and bool(settings.CLAMAV_SOCKET or settings.CLAMAV_HOST)


def _connect():
    timeout = settings.CLAMAV_TIMEOUT
    if settings.CLAMAV_SOCKET:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(settings.CLAMAV_SOCKET)
        except BaseException:
            sock.close()
            raise
        return sock
    return socket.create_connection((settings.CLAMAV_HOST, settings.CLAMAV_PORT), timeout=timeout)


def scan(fileobj):
    """Scan the file's content from where it stands; return the signature found, or None when clean."""
    try:
        with _connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            for chunk in iter(lambda: fileobj.read(CHUNK), b""):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = _read_reply(sock)
    except OSError as exc:  # refused, unreachable, reset, timed out
        raise ScannerUnavailable(f"ClamAV did not answer: {exc}") from exc
    # e.g. "stream: OK", "stream: Eicar-Test-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    if reply.endswith(" FOUND") and ": " in reply:
        return reply.split(": ", 1)[1][: -len(" FOUND")].strip() or "unknown"
    if reply.endswith(": OK"):
        return None
    raise ScannerUnavailable(f"ClamAV answered {reply[:200]!r}")


def _read_reply(sock):
    reply = b""
    while not reply.endswith(b"\0"):
        data = sock.recv(4096)
        if not data:
            break
        reply += data
        if len(reply) > 64 * 1024:
            break
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()
