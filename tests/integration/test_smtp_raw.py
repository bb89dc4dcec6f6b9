"""smtpd against hostile or unusual input on a raw socket: what real libraries refuse to send."""
import unittest

from maild_harness import DaemonTest


class RawSmtp(DaemonTest):
    def setUp(self):
        super().setUp()
        self.smtpd = self.start("smtpd", "--max-recipients", "3")

    def session(self):
        c = self.raw(self.smtpd)
        code, text = c.reply()
        self.assertEqual(code, 220, text)
        c.send("EHLO raw.example.net\r\n")
        self.assertEqual(c.reply()[0], 250)
        return c

    def test_pipelined_commands_in_one_packet_answered_in_order(self):
        c = self.session()
        c.send("MAIL FROM:<s@example.net>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<x@nowhere.example>\r\n"
               "RCPT TO:<bob@example.test>\r\nDATA\r\nSubject: p\r\n\r\npipelined\r\n.\r\nNOOP\r\nQUIT\r\n")
        codes = [c.reply()[0] for _ in range(8)]
        self.assertEqual(codes, [250, 250, 550, 250, 354, 250, 250, 221])
        self.assertTrue(c.closed())
        self.assertEqual(len(self.store.messages("alice@example.test")), 1)
        self.assertEqual(len(self.store.messages("bob@example.test")), 1)

    def test_smuggling_sequences_do_not_end_data(self):
        smuggled = ("MAIL FROM:<admin@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                    "Subject: smuggled\r\n\r\nevil\r\n")
        for terminator in ("\n.\n", "\r.\r", "\n.\r\n", "\r.\r\n", "\r\n.\n"):
            with self.subTest(terminator=repr(terminator)):
                c = self.session()
                c.send("MAIL FROM:<s@example.net>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")
                self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
                c.send("Subject: outer\r\n\r\nbefore" + terminator + smuggled + ".\r\n")
                self.assertEqual(c.reply()[0], 250)  # exactly one message accepted
                c.send("QUIT\r\n")
                self.assertEqual(c.reply()[0], 221)
        self.assertEqual(self.store.messages("bob@example.test"), [])
        stored = self.store.messages("alice@example.test")
        self.assertEqual(len(stored), 5)
        for message in stored:
            self.assertIn(b"Subject: smuggled", message)  # kept as content of the one message

    def test_overlong_line_gets_500_and_the_session_continues(self):
        c = self.session()
        c.send("NOOP " + "x" * 100000 + "\r\n")
        code, text = c.reply()
        self.assertEqual(code, 500)
        self.assertIn("5.5.2", text)
        c.send("NOOP\r\n")
        self.assertEqual(c.reply()[0], 250)

    def test_wrong_order_bad_syntax_unknown_commands(self):
        c = self.session()
        for command, expected in (("RCPT TO:<alice@example.test>", 503), ("DATA", 503), ("MAIL FROM:<unterminated", 501),
                                  ("MAIL FROM:<s@example.net> FOO=BAR", 555), ("FOOBAR", 500),
                                  ("MAIL FROM:<s@example.net>", 250), ("MAIL FROM:<s@example.net>", 503),
                                  ("RCPT TO:<no-domain>", 501), ("VRFY", 501)):
            c.send(command + "\r\n")
            code, text = c.reply()
            self.assertEqual(code, expected, f"{command}: {text}")
            self.assertRegex(text, r"^\d{3}[ -]\d\.\d{1,3}\.\d{1,3} ", "enhanced status code missing")

    def test_nul_bytes_in_a_command(self):
        c = self.session()
        c.send(b"NO\x00OP\r\n")
        self.assertEqual(c.reply()[0], 500)
        c.send("NOOP\r\n")
        self.assertEqual(c.reply()[0], 250)

    def test_too_many_recipients(self):
        c = self.session()
        c.send("MAIL FROM:<s@example.net>\r\n")
        self.assertEqual(c.reply()[0], 250)
        for _ in range(3):
            c.send("RCPT TO:<alice@example.test>\r\n")
            self.assertEqual(c.reply()[0], 250)
        c.send("RCPT TO:<bob@example.test>\r\n")
        code, text = c.reply()
        self.assertEqual(code, 452, text)
        self.assertIn("4.5.3", text)

    def test_data_with_leading_dot_lines_is_unstuffed(self):
        c = self.session()
        c.send("MAIL FROM:<s@example.net>\r\nRCPT TO:<carol@example.org>\r\nDATA\r\n")
        self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
        c.send("Subject: dots\r\n\r\n..one\r\n...two\r\n.\r\n")
        self.assertEqual(c.reply()[0], 250)
        [stored] = self.store.messages("carol@example.org")
        self.assertTrue(stored.endswith(b"\r\n\r\n.one\r\n..two\r\n"), stored)

    def test_client_resetting_mid_data_stores_nothing(self):
        c = self.session()
        c.send("MAIL FROM:<s@example.net>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")
        self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
        c.send("Subject: cut\r\n\r\nhalf a message")
        c.close()
        # Other clients are served and nothing half-received was stored.
        d = self.session()
        d.send("QUIT\r\n")
        self.assertEqual(d.reply()[0], 221)
        self.assertEqual(self.store.messages("alice@example.test"), [])


if __name__ == "__main__":
    unittest.main()
