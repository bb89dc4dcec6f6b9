"""Store faults: a locked store or a full disk gives temporary failures and nothing is acknowledged
that was not stored; a file that is not a store, or a store from a newer maild, stops the daemons at
start."""
import imaplib
import os
import shutil
import smtplib
import sqlite3
import subprocess
import unittest

from maild_harness import DaemonTest, Store, binary


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


class FullDisk(DaemonTest):
    """The store on a small filesystem that fills up: SMTP 452 4.3.1 and IMAP NO [OVERQUOTA] (as
    Dovecot answers ENOSPC), every 250 still stored, and mail flows again once space is freed."""

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0 or not shutil.which("mount"):
            self.skipTest("needs root to mount a small tmpfs (CI runs as root)")
        self.disk = os.path.join(self.tmp.name, "small")
        os.mkdir(self.disk)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", self.disk], capture_output=True)
        if mounted.returncode != 0:
            self.skipTest(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
        self.addCleanup(subprocess.run, ["umount", "-l", self.disk])
        self.store = Store(self.disk)
        self.store.add_user("alice@example.test")

    def fill(self, leave):
        """Fills the filesystem up to `leave` free bytes with a file that free() removes."""
        self.filler = os.path.join(self.disk, "filler")
        free = shutil.disk_usage(self.disk).free
        with open(self.filler, "wb") as f:
            f.write(b"\0" * max(0, free - leave))

    def free(self):
        os.remove(self.filler)

    def test_full_disk_means_try_again_later(self):
        smtpd = self.start("smtpd")
        imapd = self.start("imapd")
        self.fill(leave=400 * 1024)
        body = b"Subject: big\r\n\r\n" + (b"x" * 76 + b"\r\n") * 1500  # about 117 KB
        acknowledged, refused = 0, None
        with smtplib.SMTP("127.0.0.1", smtpd.port, timeout=30) as s:
            for _ in range(12):
                try:
                    s.sendmail("sender@example.net", ["alice@example.test"], body)
                    acknowledged += 1
                except smtplib.SMTPDataError as e:
                    refused = e
                    break
            self.assertIsNotNone(refused, "the disk never filled up")
            self.assertEqual(refused.smtp_code, 452, refused)
            self.assertIn(b"4.3.1", refused.smtp_error)
            self.assertEqual(s.noop()[0], 250)  # the session goes on
        self.assertIn("event=store-full", smtpd.log())
        self.assertEqual(len(self.store.uids("alice@example.test")), acknowledged)  # every 250, nothing more

        imap = imaplib.IMAP4("127.0.0.1", imapd.port, timeout=30)
        imap.login("alice@example.test", "secret")
        typ, data = imap.append("INBOX", None, None, body * 3)
        self.assertEqual(typ, "NO", data)
        self.assertIn(b"[OVERQUOTA]", data[0])
        self.assertEqual(imap.noop()[0], "OK")

        self.free()  # space again: both daemons work without a restart
        with smtplib.SMTP("127.0.0.1", smtpd.port, timeout=30) as s:
            s.sendmail("sender@example.net", ["alice@example.test"], body)
        typ, data = imap.append("INBOX", None, None, body)
        self.assertEqual(typ, "OK", data)
        imap.logout()
        self.assertEqual(len(self.store.uids("alice@example.test")), acknowledged + 2)
        with sqlite3.connect(self.store.path) as db:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")


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
