"""A local SMTP server that keeps what it receives, for the integration tests and the benchmark.

It runs aiosmtpd in a thread of the calling process. ``delay`` slows every message down (before the sender is
told the message is accepted, so a sender killed while it waits has not delivered anything).
"""

import asyncio
import email
import logging
import socket
import threading


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Recorder:
    def __init__(self, delay, keep):
        self.delay, self.keep = delay, keep
        self.lock = threading.Lock()
        self.messages = []
        self.count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            if self.keep:
                self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


class SmtpSink:
    """``with SmtpSink() as sink:`` ... ``sink.port``, ``sink.count``, ``sink.messages`` (email.message.Message)."""

    def __init__(self, *, delay=0.0, keep=True):
        from aiosmtpd.controller import Controller  # a test and benchmark dependency only

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
        self.port = free_port()
        self._recorder = _Recorder(delay, keep)
        self._controller = Controller(self._recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def count(self):
        return self._recorder.count

    @property
    def messages(self):
        with self._recorder.lock:
            return list(self._recorder.messages)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()
