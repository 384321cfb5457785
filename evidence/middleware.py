"""Limits on request bodies, early in MIDDLEWARE (after SecurityMiddleware, which reads no body), so that they act
before anything reads a body (README, "Evidence and file safety"). Evidence uploads are the only large bodies the
application takes.

- A body declared (Content-Length) larger than a whole evidence submission (EvidenceForm.max_files files at
  EVIDENCE_MAX_UPLOAD_MB, and 1 MB for the other fields) is answered 413 without reading any of it.
- A body still arriving UPLOAD_TIMEOUT_SECONDS after the request began is answered 408, and the temporary files of
  its uploads are removed. The POST data is read here, within that time: every read checks the clock, and when
  the server gives us the connection (gunicorn does, as ``gunicorn.socket``) its reading side is shut at the
  deadline, which ends a read waiting for bytes that never come, or that trickle in a byte at a time.
"""

import socket
import threading
import time

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse, UnreadablePostError

from evidence.forms import EvidenceForm
from evidence.refusals import MB

#: Room for the fields of a submission other than its files (description, note, token, multipart headers).
FORM_FIELDS_MB = 1


def max_request_bytes():
    return (settings.EVIDENCE_MAX_UPLOAD_MB * EvidenceForm.max_files + FORM_FIELDS_MB) * MB


class UploadTimedOut(Exception):
    """The body did not arrive in time."""


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django then reads no body at all
        if declared > max_request_bytes():
            _read_nothing_more(request)
            limit = max_request_bytes() // MB
            return HttpResponse(
                f"This request is {declared / MB:,.0f} MB, more than the {limit} MB this site accepts. Evidence "
                f"files may be up to {settings.EVIDENCE_MAX_UPLOAD_MB} MB each, {EvidenceForm.max_files} at once.\n",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        if declared and request.method == "POST":
            stream = _DeadlineStream(request, time.monotonic() + settings.UPLOAD_TIMEOUT_SECONDS)
            try:
                request.POST  # noqa: B018 - reads (and parses) the body now, within the deadline
            except UploadTimedOut:
                _remove_partial_uploads(request)
                return HttpResponse(
                    f"The upload took longer than {settings.UPLOAD_TIMEOUT_SECONDS} seconds to arrive and was "
                    "stopped. Please try again, with fewer or smaller files.\n",
                    status=408,
                    content_type="text/plain; charset=utf-8",
                )
            except UnreadablePostError:  # the client went away in the middle: nobody reads this answer
                _remove_partial_uploads(request)
                return HttpResponse("The request did not arrive in full.\n", status=400, content_type="text/plain")
            finally:
                stream.finish()
        return self.get_response(request)


class _DeadlineStream:
    """Stands in for the request's body stream: a read that ends after the deadline is refused, and at the deadline
    the connection's reading side is shut, so that no read outlasts it."""

    def __init__(self, request, deadline):
        self._stream = request._stream
        self._deadline = deadline
        request._stream = self
        connection = request.META.get("gunicorn.socket")
        self._alarm = None
        if connection is not None:
            self._alarm = threading.Timer(max(deadline - time.monotonic(), 0), _stop_reading, args=(connection,))
            self._alarm.daemon = True
            self._alarm.start()

    def read(self, *args):
        return self._call(self._stream.read, *args)

    def readline(self, *args):
        return self._call(self._stream.readline, *args)

    def close(self):
        self._stream.close()

    def _call(self, method, *args):
        if time.monotonic() >= self._deadline:
            raise UploadTimedOut
        try:
            data = method(*args)
        except Exception:
            if time.monotonic() >= self._deadline:  # the reading side was shut under the server's feet
                raise UploadTimedOut from None
            raise
        if time.monotonic() >= self._deadline:
            raise UploadTimedOut
        return data

    def finish(self):
        if self._alarm is not None:
            self._alarm.cancel()


def _stop_reading(connection):
    try:
        connection.shutdown(socket.SHUT_RD)  # the answer can still be written
    except OSError:
        pass  # already closed


def _read_nothing_more(request):
    """Django's development server (`make run`) reads whatever the application left of a body before it answers;
    its stream (django.core.handlers.wsgi.LimitedStream) is told there is nothing left to read."""
    stream = request.META.get("wsgi.input")
    if isinstance(stream, LimitedStream):
        stream.limit = 0


def _remove_partial_uploads(request):
    """Close, and so delete, the temporary file of an upload the parser was still writing when time ran out
    (files it had finished are closed by Django's parser itself)."""
    for handler in request.upload_handlers:
        file = getattr(handler, "file", None)
        if file is not None:
            file.close()
