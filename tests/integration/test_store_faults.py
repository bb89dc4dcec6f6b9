"""Store faults: a locked store gives temporary failures and nothing is acknowledged that was not
stored; a file that is not a store, or a store from a newer maild, stops the daemons at start."""
import imaplib
import os
import smtplib
import sqlite3
import subprocess
import unittest

from maild_harness import DaemonTest, binary


class LockedStore(DaemonTest):
    def test_locked_store_means_try_again_later(self):
        smtpd = self.start("smtpd", "--store-busy-timeout", "300")
        imapd = self.start("imapd", "--store-busy-timeout", "300")
        imap = imaplib.IMAP4("127.0.0.1", imapd.port, timeout=20)
        imap.login("alice@example.test", "secret")
        imap.select("INBOX")

        lock = sqlite3.connect(self.store.path, timeout=0, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # another process holds the store
        try:
            with smtplib.SMTP("127.0.0.1", smtpd.port, timeout=20) as s:
                s.ehlo("client.example")
                s.mail("sender@example.net")
                code, _ = s.rcpt("alice@example.test")
                if code == 250:  # the lookup may still be served; then the commit must fail
                    code, text = s.data(b"Subject: locked\r\n\r\nbody\r\n")
                    self.assertEqual(code, 451, text)
                else:
                    self.assertEqual(code, 451)
            typ, data = imap.append("INBOX", None, None, b"Subject: x\r\n\r\ny\r\n")
            self.assertEqual(typ, "NO")
            self.assertIn(b"UNAVAILABLE", data[0])
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        self.assertEqual(self.store.messages("alice@example.test"), [])  # nothing half-stored
        with smtplib.SMTP("127.0.0.1", smtpd.port, timeout=20) as s:  # and once released, it works
            s.sendmail("sender@example.net", ["alice@example.test"], b"Subject: later\r\n\r\nok\r\n")
        self.assertEqual(len(self.store.messages("alice@example.test")), 1)
        imap.logout()


class BadStoreFiles(DaemonTest):
    def run_daemon(self, name, store_path):
        return subprocess.run([binary(name), "--store", store_path, "--listen", "127.0.0.1", "--port", "0"],
                              capture_output=True, text=True, timeout=30)

    def test_not_a_database(self):
        garbage = os.path.join(self.tmp.name, "garbage.db")
        with open(garbage, "wb") as f:
            f.write(b"this is not an SQLite file\n" * 500)
        for name in ("smtpd", "imapd"):
            result = self.run_daemon(name, garbage)
            self.assertEqual(result.returncode, 1, name)
            self.assertIn(garbage, result.stderr)
            self.assertIn("not a maild store", result.stderr)

    def test_newer_schema(self):
        with sqlite3.connect(self.store.path) as db:
            db.execute("PRAGMA user_version = 999")
        for name in ("smtpd", "imapd"):
            result = self.run_daemon(name, self.store.path)
            self.assertEqual(result.returncode, 1, name)
            self.assertIn("999", result.stderr)
            self.assertIn("upgrade maild", result.stderr)


if __name__ == "__main__":
    unittest.main()
