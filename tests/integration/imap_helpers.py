"""Shared bits for the IMAP integration tests: start smtpd + imapd on one store, log in, deliver."""
import imaplib
import re
import smtplib

from maild_harness import DaemonTest

# Commands imaplib does not know by name; it refuses to send them otherwise.
for _name, _states in (("ID", ("NONAUTH", "AUTH", "SELECTED")), ("MOVE", ("SELECTED",)),
                       ("UNSELECT", ("SELECTED",)), ("NAMESPACE", ("AUTH", "SELECTED"))):
    imaplib.Commands.setdefault(_name, _states)


class ImapTest(DaemonTest):
    """A fresh store with alice, bob, carol (password "secret"), imapd and smtpd running on it."""

    def setUp(self):
        super().setUp()
        self.imapd = self.start("imapd")
        self.smtpd = self.start("smtpd")

    def imap(self, user="alice@example.test", password="secret"):
        client = imaplib.IMAP4("127.0.0.1", self.imapd.port, timeout=20)
        self.addCleanup(self._logout, client)
        if user is not None:
            typ, _ = client.login(user, password)
            self.assertEqual(typ, "OK")
        return client

    @staticmethod
    def _logout(client):
        try:
            client.logout()
        except Exception:
            pass

    def deliver(self, to="alice@example.test", subject="hello", body="Hello there.\r\n", sender="sender@example.net"):
        message = (f"From: Sender <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
                   f"Message-ID: <{subject.replace(' ', '.')}@example.net>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
                   f"\r\n{body}")
        with smtplib.SMTP("127.0.0.1", self.smtpd.port, timeout=20) as smtp:
            smtp.sendmail(sender, [to], message.encode())
        return message

    def ok(self, result):
        typ, data = result
        self.assertEqual(typ, "OK", data)
        return data


def untagged(client, name):
    """imaplib keeps untagged responses by name; returns and clears them."""
    return client.untagged_responses.pop(name, [])


def parse_list_line(line):
    m = re.match(rb'\((?P<flags>[^)]*)\) (?P<delim>"[^"]*"|NIL) (?P<name>.+)$', line)
    assert m, line
    name = m.group("name")
    if name.startswith(b'"'):
        name = name[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
    return m.group("flags").decode().split(), m.group("delim"), name.decode()
