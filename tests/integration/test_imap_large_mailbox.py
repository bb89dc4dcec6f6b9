"""A mailbox large enough for imapd to keep its listing between SELECTs: what clients see after
changes from other sessions and from smtpd is exactly what an imapd without that cache shows."""
import re
import subprocess
import unittest

from imap_helpers import ImapTest
from maild_harness import binary

MESSAGES = 1500  # above the 1000 messages from which listings are kept


class LargeMailbox(ImapTest):
    def setUp(self):
        super().setUp()
        subprocess.run([binary("maild-bench"), "fill", self.store.path, "alice@example.test", str(MESSAGES)],
                       check=True, capture_output=True)
        self.uncached = self.start("imapd", "--mailbox-cache-messages", "0")

    def state(self, port):
        """Everything a client can see of INBOX from a fresh SELECT: counts and every message's
        UID, flags, size and date."""
        import imaplib
        client = imaplib.IMAP4("127.0.0.1", port, timeout=30)
        try:
            self.ok(client.login("alice@example.test", "secret"))
            exists = int(self.ok(client.select("INBOX"))[0])
            typ, data = client.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE)") if exists else ("OK", [])
            self.assertEqual(typ, "OK")
            fetched = sorted(re.sub(rb"\\Recent ?", b"", line) for line in data if line)
            # About 130 KB of response, which imapd writes in pieces while it builds it: every
            # message must still arrive as one whole FETCH line.
            self.assertEqual(len(fetched), exists)
            for line in fetched:
                self.assertRegex(line, rb"^\d+ \(UID \d+ FLAGS \([^)]*\) (?=.*RFC822\.SIZE \d+)(?=.*INTERNALDATE \").*\)$")
            return exists, client.untagged_responses.get("UIDNEXT"), fetched
        finally:
            client.logout()

    def assert_same_as_uncached(self, after):
        cached = self.state(self.imapd.port)
        self.assertEqual(cached[0], self.state(self.uncached.port)[0], after)
        self.assertEqual(cached, self.state(self.uncached.port), after)

    def test_changes_from_everywhere_are_seen_after_reselect(self):
        reader = self.imap()
        self.assertEqual(int(self.ok(reader.select("INBOX"))[0]), MESSAGES)  # listing now kept
        self.assert_same_as_uncached("first select")

        self.deliver(subject="new one")
        self.assert_same_as_uncached("delivery through smtpd")

        other = self.imap()
        self.ok(other.select("INBOX"))
        self.ok(other.uid("STORE", "10:20", "+FLAGS", r"(\Seen $Important)"))
        self.assert_same_as_uncached("flags stored by another session")

        self.ok(other.uid("STORE", "5,700,1400", "+FLAGS", r"(\Deleted)"))
        self.ok(other.expunge())
        self.assert_same_as_uncached("expunge by another session")

        self.ok(other.uid("MOVE", "30:39", "Archive"))
        self.deliver(subject="after the move")
        self.assert_same_as_uncached("move away and a delivery")
        self.assertEqual(int(self.ok(reader.select("INBOX"))[0]), MESSAGES + 2 - 3 - 10)


if __name__ == "__main__":
    unittest.main()
