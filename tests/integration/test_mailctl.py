"""mailctl, the admin command, as a person uses it."""
import os
import subprocess
import unittest

from maild_harness import Store, binary
import tempfile


class Mailctl(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="maild-mailctl-")
        self.addCleanup(self.tmp.cleanup)
        self.store = Store(self.tmp.name)

    def run_mailctl(self, *args, input_text=None):
        return self.store.mailctl(*args, input_text=input_text, check=False)

    def test_user_lifecycle(self):
        self.assertEqual(self.run_mailctl("user", "add", "alice@example.test", input_text=b"pw1\n").returncode, 0)
        self.assertEqual(self.run_mailctl("user", "add", "bob@Example.TEST", input_text=b"pw2\n").returncode, 0)
        users = self.run_mailctl("user", "list").stdout.decode().split()
        self.assertEqual(sorted(users), ["alice@example.test", "bob@example.test"])

        dup = self.run_mailctl("user", "add", "ALICE@example.test", input_text=b"x\n")
        self.assertNotEqual(dup.returncode, 0)
        self.assertIn(b"already exists", dup.stderr)

        self.assertEqual(self.run_mailctl("user", "passwd", "alice@example.test", input_text=b"new\n").returncode, 0)
        unknown = self.run_mailctl("user", "passwd", "nobody@example.test", input_text=b"x\n")
        self.assertNotEqual(unknown.returncode, 0)
        self.assertIn(b"nobody@example.test", unknown.stderr)

        self.assertEqual(self.run_mailctl("user", "del", "bob@example.test").returncode, 0)
        self.assertEqual(self.run_mailctl("user", "list").stdout.decode().split(), ["alice@example.test"])
        self.assertNotEqual(self.run_mailctl("user", "del", "bob@example.test").returncode, 0)

    def test_password_is_never_stored_in_clear(self):
        self.run_mailctl("user", "add", "alice@example.test", input_text=b"correct horse battery\n")
        for name in os.listdir(self.tmp.name):
            with open(os.path.join(self.tmp.name, name), "rb") as f:
                self.assertNotIn(b"correct horse battery", f.read(), name)

    def test_empty_password_is_refused(self):
        result = self.run_mailctl("user", "add", "alice@example.test", input_text=b"\n")
        self.assertNotEqual(result.returncode, 0)

    def test_bad_address_is_refused(self):
        for bad in ("no-at-sign", "@example.test", "alice@", "a b@example.test"):
            result = self.run_mailctl("user", "add", bad, input_text=b"pw\n")
            self.assertNotEqual(result.returncode, 0, bad)

    def test_mailbox_list_shows_inbox(self):
        self.run_mailctl("user", "add", "alice@example.test", input_text=b"pw\n")
        out = self.run_mailctl("mailbox", "list", "alice@example.test")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(b"INBOX", out.stdout)

    def test_missing_store_is_explained(self):
        missing = os.path.join(self.tmp.name, "missing.db")
        result = subprocess.run([binary("mailctl"), "--store", missing, "user", "list"], capture_output=True,
                                text=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(missing, result.stderr)
        self.assertIn("init", result.stderr)
        self.assertFalse(os.path.exists(missing))

    def test_usage_errors(self):
        result = self.run_mailctl("frobnicate")
        self.assertEqual(result.returncode, 2)
        self.assertTrue(result.stderr)


if __name__ == "__main__":
    unittest.main()
