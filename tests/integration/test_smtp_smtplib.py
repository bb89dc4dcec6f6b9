"""smtpd driven by python3's smtplib: delivery, recipients, relay refusal, sizes, byte-exact storage."""
import re
import smtplib
import unittest

from maild_harness import DaemonTest, HOSTNAME


class SmtplibDelivery(DaemonTest):
    def setUp(self):
        super().setUp()
        self.smtpd = self.start("smtpd", "--max-message-size", "100000")

    def client(self):
        client = smtplib.SMTP("127.0.0.1", self.smtpd.port, local_hostname="client.example.net", timeout=10)
        self.addCleanup(client.close)
        return client

    def test_ehlo_advertises_the_extensions(self):
        client = self.client()
        code, _ = client.ehlo()
        self.assertEqual(code, 250)
        for ext in ("pipelining", "size", "8bitmime", "enhancedstatuscodes", "smtputf8"):
            self.assertTrue(client.has_extn(ext), ext)
        self.assertEqual(client.esmtp_features["size"], "100000")

    def test_delivery_stores_trace_headers_then_the_exact_message(self):
        body = b"From: Sender <sender@example.net>\r\nTo: alice@example.test\r\nSubject: hello\r\n\r\nHi Alice.\r\n"
        client = self.client()
        refused = client.sendmail("sender@example.net", ["alice@example.test"], body)
        self.assertEqual(refused, {})
        client.quit()
        [stored] = self.store.messages("alice@example.test")
        self.assertTrue(stored.startswith(b"Return-Path: <sender@example.net>\r\nReceived: from client.example.net"),
                        stored[:200])
        self.assertIn(b"by " + HOSTNAME.encode(), stored)
        self.assertIn(b"for <alice@example.test>", stored)
        self.assertTrue(stored.endswith(body), stored)
        self.assertIn("event=delivered", self.smtpd.log())  # one log line per accepted message

    def test_multiple_recipients_each_get_one_copy(self):
        client = self.client()
        body = b"Subject: to three\r\n\r\nsame text\r\n"
        refused = client.sendmail("sender@example.net",
                                  ["alice@example.test", "bob@example.test", "carol@example.org", "Alice@Example.TEST"],
                                  body)
        self.assertEqual(refused, {})
        for user in ("alice@example.test", "bob@example.test", "carol@example.org"):
            messages = self.store.messages(user)
            self.assertEqual(len(messages), 1, user)
            self.assertTrue(messages[0].endswith(body))

    def test_relay_is_refused(self):
        client = self.client()
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as caught:
            client.sendmail("alice@example.test", ["someone@elsewhere.example"], b"Subject: x\r\n\r\nx\r\n")
        code, text = caught.exception.recipients["someone@elsewhere.example"]
        self.assertEqual(code, 550)
        self.assertTrue(text.startswith(b"5.7.1"), text)

    def test_unknown_local_user_is_refused_but_others_get_it(self):
        client = self.client()
        refused = client.sendmail("sender@example.net", ["nobody@example.test", "bob@example.test"],
                                  b"Subject: x\r\n\r\nx\r\n")
        self.assertEqual(refused["nobody@example.test"][0], 550)
        self.assertTrue(refused["nobody@example.test"][1].startswith(b"5.1.1"))
        self.assertEqual(len(self.store.messages("bob@example.test")), 1)

    def test_postmaster_is_always_accepted(self):
        client = self.client()
        self.assertEqual(client.sendmail("", ["postmaster@example.org"], b"Subject: pm\r\n\r\nhello\r\n"), {})
        client.ehlo()
        code, _ = client.docmd("MAIL FROM:<>")
        self.assertEqual(code, 250)
        code, _ = client.docmd("RCPT TO:<postmaster>")
        self.assertEqual(code, 250)
        [stored] = self.store.messages("postmaster@example.test")
        self.assertTrue(stored.startswith(b"Return-Path: <>\r\n"))

    def test_size_over_the_limit_is_refused_at_mail(self):
        client = self.client()
        with self.assertRaises(smtplib.SMTPSenderRefused) as caught:
            client.sendmail("sender@example.net", ["alice@example.test"], b"x" * 200000)
        self.assertEqual(caught.exception.smtp_code, 552)
        self.assertEqual(self.store.messages("alice@example.test"), [])

    def test_message_over_the_limit_without_size_is_refused_after_data(self):
        client = self.client()
        client.ehlo()
        self.assertEqual(client.mail("sender@example.net")[0], 250)  # no SIZE= parameter
        self.assertEqual(client.rcpt("alice@example.test")[0], 250)
        code, text = client.data(b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 150)
        self.assertEqual(code, 552)
        self.assertTrue(text.startswith(b"5.3.4"), text)
        # The session goes on and the next message is fine.
        self.assertEqual(client.sendmail("sender@example.net", ["alice@example.test"], b"Subject: ok\r\n\r\nok\r\n"), {})
        self.assertEqual(len(self.store.messages("alice@example.test")), 1)

    def test_dot_stuffed_lines_round_trip_byte_exact(self):
        body = (b"Subject: dots\r\n\r\n.\r\n..\r\n...\r\n.leading dot\r\n. space\r\nend.\r\n.\r\n"
                b"line with trailing spaces   \r\n\tTabbed\r\n")
        client = self.client()
        client.sendmail("sender@example.net", ["alice@example.test"], body)  # smtplib dot-stuffs
        [stored] = self.store.messages("alice@example.test")
        self.assertTrue(stored.endswith(body), stored)

    def test_eight_bit_body_is_stored_untouched(self):
        body = ("Subject: =?UTF-8?B?w7xiZXI=?=\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße, naïve café — 日本語\r\n").encode() + b"latin1: \xe9\xe8\r\n"
        client = self.client()
        client.ehlo()
        refused = client.sendmail("sender@example.net", ["carol@example.org"], body, mail_options=["BODY=8BITMIME"])
        self.assertEqual(refused, {})
        [stored] = self.store.messages("carol@example.org")
        self.assertTrue(stored.endswith(body))

    def test_smtputf8_addresses(self):
        self.store.add_user("jörg@example.test")
        client = self.client()
        client.ehlo()
        refused = client.sendmail("sénder@example.net", ["jörg@example.test"], "Subject: ü\r\n\r\nü\r\n".encode(),
                                  mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        self.assertEqual(refused, {})
        self.assertEqual(len(self.store.messages("jörg@example.test")), 1)

    def test_queue_id_in_reply_matches_the_received_header(self):
        client = self.client()
        client.ehlo()
        client.mail("sender@example.net")
        client.rcpt("alice@example.test")
        code, text = client.data(b"Subject: id\r\n\r\nx\r\n")
        self.assertEqual(code, 250)
        queue_id = re.search(rb"queued as (\S+)", text).group(1)
        [stored] = self.store.messages("alice@example.test")
        self.assertIn(b"id " + queue_id, stored)

    def test_rset_noop_vrfy_help(self):
        client = self.client()
        client.ehlo()
        client.mail("sender@example.net")
        self.assertEqual(client.rset()[0], 250)
        self.assertEqual(client.noop()[0], 250)
        self.assertEqual(client.verify("alice@example.test")[0], 252)
        self.assertEqual(client.docmd("HELP")[0], 214)
        # After RSET a new transaction starts cleanly.
        self.assertEqual(client.sendmail("a@example.net", ["bob@example.test"], b"Subject: r\r\n\r\nr\r\n"), {})

    def test_null_sender_and_auth_parameter(self):
        client = self.client()
        client.ehlo()
        self.assertEqual(client.docmd("MAIL FROM:<> AUTH=<>")[0], 250)
        self.assertEqual(client.rcpt("alice@example.test")[0], 250)
        self.assertEqual(client.data(b"Subject: bounce\r\n\r\nx\r\n")[0], 250)
        [stored] = self.store.messages("alice@example.test")
        self.assertTrue(stored.startswith(b"Return-Path: <>\r\n"))


if __name__ == "__main__":
    unittest.main()
