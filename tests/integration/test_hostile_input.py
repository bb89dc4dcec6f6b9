"""Hostile input against both daemons: each case ends with a clear error for the offender and the
daemon still serving everyone else."""
import socket
import time
import unittest

from maild_harness import DaemonTest


class Hostile(DaemonTest):
    def setUp(self):
        super().setUp()
        self.smtpd = self.start("smtpd", "--command-timeout", "2")
        self.imapd = self.start("imapd", "--autologout", "2")

    def imap(self, login=True):
        c = self.raw(self.imapd)
        self.assertTrue(c.line().startswith("* OK"))
        if login:
            c.send("l LOGIN alice@example.test secret\r\n")
            self.assertTrue(c.line().startswith("l OK"))
        return c

    def smtp(self):
        c = self.raw(self.smtpd)
        self.assertEqual(c.reply()[0], 220)
        return c

    def still_serving(self):
        c = self.smtp()
        c.send("NOOP\r\n")
        self.assertEqual(c.reply()[0], 250)
        i = self.imap()
        i.send("n NOOP\r\n")
        self.assertTrue(i.line().startswith("n OK"))

    def test_one_megabyte_lines(self):
        c = self.smtp()
        c.send("NOOP " + "x" * (1 << 20) + "\r\n")
        code, text = c.reply()
        self.assertEqual((code, "5.5.2" in text), (500, True))
        i = self.imap()
        i.send("a NOOP " + "x" * (1 << 20) + "\r\n")
        self.assertTrue(i.line().startswith("a BAD"))
        self.still_serving()

    def test_nul_and_8bit_bytes_in_commands(self):
        c = self.smtp()
        c.send(b"HELO \x00\xff\xfe\r\n")
        self.assertEqual(c.reply()[0], 500)
        i = self.imap()
        i.send(b"a SELECT \x00INBOX\r\n")
        self.assertIn("BAD", i.line())
        i.send(b"b SELECT \xff\xfe\r\n")
        self.assertIn("BAD", i.line())
        self.still_serving()

    def test_absurd_literals(self):
        for size in ("4294967296", "1000000000000"):
            i = self.imap()
            i.send(f"a APPEND INBOX {{{size}}}\r\n")
            self.assertIn("NO [TOOBIG]", i.line())  # refused before the client sends anything
            i.send("b NOOP\r\n")
            self.assertTrue(i.line().startswith("b OK"))
            j = self.imap()
            j.send(f"a APPEND INBOX {{{size}+}}\r\n")  # non-synchronizing: cannot be skipped
            self.assertIn("BYE", j.line())
        self.still_serving()

    def test_deep_nesting_and_huge_sequence_sets(self):
        i = self.imap()
        i.send("s SELECT INBOX\r\n")
        while not i.line().startswith("s OK"):
            pass
        # Within the line limit, the nesting limit answers; at 100,000 deep the line limit does.
        i.send("a SEARCH " + "(" * 30000 + "ALL" + ")" * 30000 + "\r\n")
        self.assertTrue(i.line().startswith("a BAD"))
        i.send("n SEARCH " + "(" * 100000 + "ALL" + ")" * 100000 + "\r\n")
        reply = i.line()
        while not reply.startswith("n "):  # a BAD for the overlong line, then the session goes on
            reply = i.line()
        self.assertTrue(reply.startswith("n BAD"), reply)
        ranges = ",".join(f"{n}:{n + 1}" for n in range(1, 200000, 2))  # 100,000 ranges
        i.send(f"b UID FETCH {ranges} (FLAGS)\r\n")
        line = i.line()
        self.assertTrue(line.startswith("b OK") or line.startswith("b BAD"), line)
        self.still_serving()

    def test_ten_thousand_pipelined_commands(self):
        c = self.smtp()
        c.send("NOOP\r\n" * 10000)
        for _ in range(10000):
            self.assertEqual(c.reply()[0], 250)
        i = self.imap()
        i.send("".join(f"t{n} NOOP\r\n" for n in range(10000)))
        for n in range(10000):
            self.assertTrue(i.line().startswith(f"t{n} OK"))
        self.still_serving()

    def test_one_byte_a_second_is_cut_off(self):
        started = time.monotonic()
        for daemon, greeting_lines in ((self.smtpd, 1), (self.imapd, 1)):
            sock = daemon.connect(timeout=15)
            sock.recv(4096)
            closed = False
            for ch in b"NOOP and more and more":
                try:
                    sock.sendall(bytes([ch]))
                    time.sleep(0.5)
                    sock.setblocking(False)
                    try:
                        data = sock.recv(4096)
                        if data == b"" or b"421" in data or b"BYE" in data:
                            closed = True
                            break
                    except BlockingIOError:
                        pass
                    finally:
                        sock.setblocking(True)
                except OSError:
                    closed = True
                    break
            sock.close()
            self.assertTrue(closed, daemon.name)
        self.assertLess(time.monotonic() - started, 20)
        self.still_serving()

    def test_reset_mid_literal_and_mid_data(self):
        i = self.imap()
        i.send("a APPEND INBOX {100000+}\r\n" + "x" * 5000)
        i.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        i.close()
        c = self.smtp()
        c.send("EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nhalf")
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
        self.still_serving()
        self.assertEqual(self.store.messages("alice@example.test"), [])

    def test_more_connections_than_allowed(self):
        d = self.start("imapd", "--max-connections", "2")
        held = [d.connect() for _ in range(2)]
        for s in held:
            s.recv(4096)
        extra = d.connect()
        self.assertIn(b"BYE", extra.recv(4096))
        for s in held + [extra]:
            s.close()
        self.still_serving()


if __name__ == "__main__":
    unittest.main()
