"""smtpd driven by swaks, the SMTP test tool admins use: delivery, pipelining, refusals."""
import shutil
import subprocess
import unittest

from maild_harness import DaemonTest


@unittest.skipUnless(shutil.which("swaks"), "swaks is not installed (scripts/bootstrap installs it)")
class SwaksDelivery(DaemonTest):
    def setUp(self):
        super().setUp()
        self.smtpd = self.start("smtpd", "--max-message-size", "50000")

    def swaks(self, *args):
        return subprocess.run(["swaks", "--server", f"127.0.0.1:{self.smtpd.port}", "--helo", "swaks.example.net",
                               "--from", "sender@example.net", "--timeout", "20", *args],
                              capture_output=True, text=True, timeout=60)

    def test_delivers_to_a_local_user(self):
        result = self.swaks("--to", "alice@example.test", "--header", "Subject: from swaks", "--body", "swaks body")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("<-  250 2.0.0", result.stdout)
        [stored] = self.store.messages("alice@example.test")
        self.assertIn(b"Subject: from swaks", stored)
        self.assertIn(b"swaks body", stored)
        self.assertIn(b"Received: from swaks.example.net", stored)

    def test_pipelined_transaction_with_several_recipients(self):
        result = self.swaks("--pipeline", "--to", "alice@example.test,bob@example.test,carol@example.org",
                            "--body", "pipelined")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for user in ("alice@example.test", "bob@example.test", "carol@example.org"):
            [stored] = self.store.messages(user)
            self.assertIn(b"pipelined", stored)

    def test_relay_refused(self):
        result = self.swaks("--to", "victim@elsewhere.example")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("550 5.7.1", result.stdout)

    def test_unknown_user_refused(self):
        result = self.swaks("--to", "nobody@example.org")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("550 5.1.1", result.stdout)

    def test_oversized_message_refused(self):
        result = self.swaks("--to", "alice@example.test", "--body", "z" * 80000)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("552 5.3.4", result.stdout)
        self.assertEqual(self.store.messages("alice@example.test"), [])

    def test_eight_bit_body(self):
        body = "Grüße aus Köln"
        result = self.swaks("--to", "bob@example.test", "--body", body)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        [stored] = self.store.messages("bob@example.test")
        self.assertIn(body.encode(), stored)


if __name__ == "__main__":
    unittest.main()
