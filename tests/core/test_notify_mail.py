"""Notifications are mailed after commit when SMTP is configured (a real SMTP exchange with a
small server on the loopback interface)."""

import socketserver
import threading
import time

import pytest

from enforcement.core import notify
from enforcement.extensions import db

pytestmark = pytest.mark.committed


class _Sink(socketserver.StreamRequestHandler):
    received: list[str] = []

    def handle(self):
        self.wfile.write(b"220 sink ready\r\n")
        data_mode, body = False, []
        while line := self.rfile.readline():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if data_mode:
                if text == ".":
                    data_mode = False
                    _Sink.received.append("\n".join(body))
                    self.wfile.write(b"250 queued\r\n")
                else:
                    body.append(text)
                continue
            verb = text.split(" ")[0].upper()
            if verb == "DATA":
                data_mode = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 sink\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink(app):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Sink.received = []
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.server_address[1])
    yield _Sink.received
    app.config.update(SMTP_HOST=None, SMTP_PORT=25)
    server.shutdown()


def test_mail_is_sent_after_commit_only(app, make_user, smtp_sink):
    user = make_user(["expert"], email="zhuanjia@example.cn")
    notify.notify(user.id, "检查邀请：测试企业")
    db.session.rollback()
    time.sleep(0.3)
    assert smtp_sink == []  # rolled back: nothing sent
    notify.notify(user.id, "检查邀请：测试企业")
    db.session.commit()
    for _ in range(50):
        if smtp_sink:
            break
        time.sleep(0.05)
    assert len(smtp_sink) == 1 and "zhuanjia@example.cn" in smtp_sink[0]
