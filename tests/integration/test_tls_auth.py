"""TLS and authentication with real TLS clients: smtplib/imaplib with ssl, swaks, curl, openssl s_client."""
import imaplib
import os
import pwd
import smtplib
import socket
import ssl
import subprocess
import time
import unittest

from maild_harness import DaemonTest

MESSAGE = b"From: alice@example.test\r\nTo: bob@example.test\r\nSubject: over TLS\r\n\r\nEncrypted.\r\n"


def client_context():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test certificate is self-signed
    return context


class TlsTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.cert = os.path.join(self.tmp.name, "cert.pem")
        self.key = os.path.join(self.tmp.name, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", self.key, "-out", self.cert],
                       check=True, capture_output=True, timeout=60)
        self.tls_args = ["--tls-cert", self.cert, "--tls-key", self.key]

    def smtpd(self, *extra):
        return self.start("smtpd", *self.tls_args, "--listener", "127.0.0.1:0:implicit:submission",
                          "--listener", "127.0.0.1:0:starttls:submission", *extra)

    def imapd(self, *extra):
        return self.start("imapd", *self.tls_args, "--listener", "127.0.0.1:0:implicit", *extra)


class SmtpTls(TlsTest):
    def test_starttls_then_auth_then_send(self):
        d = self.smtpd("--allow-plaintext-auth", "no")
        with smtplib.SMTP("127.0.0.1", d.port, timeout=20) as s:
            s.ehlo("client.example")
            self.assertTrue(s.has_extn("starttls"))
            self.assertFalse(s.has_extn("auth"))  # no passwords in clear
            code, _ = s.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQ=")
            self.assertEqual(code, 538)
            s.starttls(context=client_context())
            s.ehlo("client.example")
            self.assertTrue(s.has_extn("auth"))
            self.assertFalse(s.has_extn("starttls"))
            s.login("alice@example.test", "secret")
            s.sendmail("alice@example.test", ["bob@example.test"], MESSAGE)
        [stored] = self.store.messages("bob@example.test")
        self.assertIn(b"with ESMTPSA id", stored)
        self.assertIn(b"event=tls-started", d.log().encode())

    def test_implicit_tls_submission(self):
        d = self.smtpd()
        with smtplib.SMTP_SSL("127.0.0.1", d.listener_port("implicit", "submission"), timeout=20,
                              context=client_context()) as s:
            s.ehlo("client.example")
            code, text = s.docmd("MAIL", "FROM:<alice@example.test>")
            self.assertEqual(code, 530, text)  # submission needs AUTH first
            s.login("alice", "secret")  # bare local part: first domain
            s.sendmail("alice@example.test", ["bob@example.test"], MESSAGE)
            code, text = s.docmd("MAIL", "FROM:<bob@example.test>")
            self.assertEqual(code, 553, text)  # only one's own address
        self.assertEqual(len(self.store.messages("bob@example.test")), 1)

    def test_submission_refuses_outbound_relay(self):
        d = self.smtpd()
        with smtplib.SMTP_SSL("127.0.0.1", d.listener_port("implicit", "submission"), timeout=20,
                              context=client_context()) as s:
            s.login("alice@example.test", "secret")
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
                s.sendmail("alice@example.test", ["someone@elsewhere.example"], MESSAGE)
            code, text = refused.exception.recipients["someone@elsewhere.example"]
            self.assertEqual(code, 550)
            self.assertIn(b"5.7.1", text)

    def test_starttls_listener_requires_tls(self):
        d = self.smtpd()
        with smtplib.SMTP("127.0.0.1", d.listener_port("starttls", "submission"), timeout=20) as s:
            s.ehlo("client.example")
            code, text = s.docmd("MAIL", "FROM:<alice@example.test>")
            self.assertEqual(code, 530, text)
            self.assertIn(b"STARTTLS", text)

    def test_swaks_tls_auth(self):
        d = self.smtpd()
        result = subprocess.run(["swaks", "--server", f"127.0.0.1:{d.listener_port('starttls', 'submission')}",
                                 "--tls", "--auth", "PLAIN", "--auth-user", "carol@example.org", "--auth-password",
                                 "secret", "--from", "carol@example.org", "--to", "alice@example.test",
                                 "--body", "via swaks over TLS"], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("235 2.7.0", result.stdout)
        [stored] = self.store.messages("alice@example.test")
        self.assertIn(b"via swaks over TLS", stored)

    def test_openssl_s_client_starttls_smtp(self):
        d = self.smtpd()
        result = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{d.port}", "-starttls", "smtp",
                                 "-quiet"], input=b"EHLO client.example\r\nQUIT\r\n", capture_output=True, timeout=60)
        self.assertIn(b"250-AUTH PLAIN LOGIN", result.stdout)
        self.assertIn(b"221 2.0.0", result.stdout)

    def test_plaintext_injected_after_starttls_is_never_executed(self):
        d = self.smtpd()
        sock = socket.create_connection(("127.0.0.1", d.port), timeout=20)
        f = sock.makefile("rb")
        f.readline()  # greeting
        sock.sendall(b"EHLO client.example\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        sock.sendall(b"STARTTLS\r\nHELP\r\n")  # HELP rides in the same packet, in clear
        self.assertTrue(f.readline().startswith(b"220 2.0.0"))
        tls = client_context().wrap_socket(sock, server_hostname="localhost")
        tls.sendall(b"NOOP\r\n")
        reply = tls.recv(4096)
        self.assertTrue(reply.startswith(b"250 2.0.0"), reply)  # a 214 here would mean HELP ran
        self.assertIn("event=starttls-injection", d.log())
        tls.close()

    def test_wrong_passwords_are_slowed_down_and_capped(self):
        d = self.smtpd()
        with smtplib.SMTP_SSL("127.0.0.1", d.listener_port("implicit", "submission"), timeout=60,
                              context=client_context()) as s:
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login("alice@example.test", "wrong-1")
            started = time.monotonic()
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login("alice@example.test", "wrong-2")
            self.assertGreaterEqual(time.monotonic() - started, 0.2)  # the throttle's delay, a lower bound only
        self.assertIn("event=login-delayed", d.log())
        self.assertIn("event=auth-failed", d.log())

    def test_missing_key_is_a_clear_start_error(self):
        result = subprocess.run([os.path.join(os.environ.get("MAILD_BIN", ""), "smtpd"), "--store", self.store.path,
                                 "--port", "0", "--listen", "127.0.0.1", "--tls-cert", self.cert, "--tls-key",
                                 os.path.join(self.tmp.name, "nope.pem")], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("nope.pem", result.stderr)


class ImapTls(TlsTest):
    def test_implicit_tls(self):
        d = self.imapd()
        c = imaplib.IMAP4_SSL("127.0.0.1", d.listener_port("implicit"), ssl_context=client_context(), timeout=20)
        c.login("alice@example.test", "secret")
        self.assertEqual(c.select("INBOX")[0], "OK")
        c.logout()

    def test_idle_over_tls_is_woken_by_a_delivery(self):
        # The wake-up interrupts a wait that OpenSSL sits in too: the EXISTS must come at once,
        # and the DONE after it must still be read (nothing left behind in the TLS buffers).
        d = self.imapd()
        smtpd = self.start("smtpd")
        c = imaplib.IMAP4_SSL("127.0.0.1", d.listener_port("implicit"), ssl_context=client_context(), timeout=20)
        c.login("alice@example.test", "secret")
        self.assertEqual(c.select("INBOX"), ("OK", [b"0"]))
        tag = c._new_tag().decode()
        c.send(f"{tag} IDLE\r\n".encode())
        self.assertTrue(c.readline().startswith(b"+"))
        for n in (1, 2):
            with smtplib.SMTP("127.0.0.1", smtpd.port, timeout=20) as s:
                s.sendmail("carol@example.test", ["alice@example.test"], MESSAGE)
            self.assertEqual(c.readline(), f"* {n} EXISTS\r\n".encode())
            self.assertEqual(c.readline(), f"* {n} RECENT\r\n".encode())
        c.send(b"DONE\r\n")
        self.assertTrue(c.readline().startswith(f"{tag} OK".encode()))
        c.logout()

    def test_starttls_and_logindisabled(self):
        d = self.imapd("--allow-plaintext-auth", "no")
        c = imaplib.IMAP4("127.0.0.1", d.port, timeout=20)
        self.assertIn("LOGINDISABLED", c.capabilities)
        self.assertIn("STARTTLS", c.capabilities)
        self.assertNotIn("AUTH=PLAIN", c.capabilities)
        with self.assertRaises(imaplib.IMAP4.error) as refused:
            c.login("alice@example.test", "secret")
        self.assertIn("PRIVACYREQUIRED", str(refused.exception))
        c.starttls(ssl_context=client_context())  # imaplib asks CAPABILITY again afterwards
        self.assertNotIn("LOGINDISABLED", c.capabilities)
        self.assertIn("AUTH=PLAIN", c.capabilities)
        self.assertNotIn("STARTTLS", c.capabilities)
        self.assertEqual(c.login("alice@example.test", "secret")[0], "OK")
        c.logout()

    def test_commands_injected_after_starttls_are_never_run(self):
        d = self.imapd()
        sock = socket.create_connection(("127.0.0.1", d.port), timeout=20)
        f = sock.makefile("rb")
        f.readline()  # greeting
        sock.sendall(b"a STARTTLS\r\nb LOGIN alice@example.test secret\r\n")  # one packet, in clear
        self.assertTrue(f.readline().startswith(b"a OK"))
        tls = client_context().wrap_socket(sock, server_hostname="localhost")
        tls.sendall(b"c NOOP\r\n")
        self.assertTrue(tls.recv(4096).startswith(b"c OK"))  # no "b OK": the injected LOGIN never ran
        tls.sendall(b"d SELECT INBOX\r\n")
        self.assertIn(b"d BAD", tls.recv(4096))  # still not logged in
        self.assertIn("event=starttls-injection", d.log())
        tls.close()

    def test_curl_ssl_reqd_and_imaps(self):
        d = self.imapd()
        for url in (f"imap://127.0.0.1:{d.port}/", f"imaps://127.0.0.1:{d.listener_port('implicit')}/"):
            result = subprocess.run(["curl", "--silent", "--show-error", "--ssl-reqd", "--insecure", "--max-time", "30",
                                     "--user", "bob@example.test:secret", url], capture_output=True, timeout=60)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(b"INBOX", result.stdout)

    def test_openssl_s_client_starttls_imap(self):
        d = self.imapd()
        result = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{d.port}", "-starttls", "imap",
                                 "-quiet"], input=b"a CAPABILITY\r\nb LOGOUT\r\n", capture_output=True, timeout=60)
        self.assertIn(b"AUTH=PLAIN", result.stdout)
        self.assertIn(b"b OK", result.stdout)


@unittest.skipUnless(os.geteuid() == 0, "dropping privileges needs root")
class PrivilegeDrop(TlsTest):
    def test_daemons_switch_user_after_binding(self):
        nobody = pwd.getpwnam("nobody")
        for root, dirs, files in os.walk(self.tmp.name):
            os.chown(root, nobody.pw_uid, nobody.pw_gid)
            for name in files:
                os.chown(os.path.join(root, name), nobody.pw_uid, nobody.pw_gid)
        d = self.start("smtpd", "--user", "nobody")
        self.assertIn("event=privileges-dropped user=nobody", d.log())
        with open(f"/proc/{d.process.pid}/status") as status:
            uid_line = next(line for line in status if line.startswith("Uid:"))
        self.assertEqual(set(uid_line.split()[1:]), {str(nobody.pw_uid)})
        with smtplib.SMTP("127.0.0.1", d.port, timeout=20) as s:  # and it still delivers
            s.sendmail("x@example.net", ["bob@example.test"], MESSAGE)
        self.assertEqual(len(self.store.messages("bob@example.test")), 1)


if __name__ == "__main__":
    unittest.main()
