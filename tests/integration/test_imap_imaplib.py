"""imapd against python3's imaplib: every RFC 3501 command and the extensions real clients use."""
import imaplib
import re
import time
import unittest

from imap_helpers import ImapTest, parse_list_line, untagged


class Session(ImapTest):
    def test_greeting_and_capabilities(self):
        c = self.imap(user=None)
        self.assertIn(b"IMAP4rev1", c.welcome)
        caps = c.capabilities
        for cap in ("IMAP4REV1", "IDLE", "UIDPLUS", "MOVE", "NAMESPACE", "ID", "ENABLE", "UNSELECT", "SPECIAL-USE",
                    "LITERAL+", "AUTH=PLAIN", "SASL-IR"):
            self.assertIn(cap, caps)

    def test_login_forms(self):
        self.imap("alice@example.test")
        self.imap("ALICE@Example.Test")
        self.imap("alice")  # bare local part: the first configured domain
        with self.assertRaises(imaplib.IMAP4.error) as wrong:
            self.imap("alice@example.test", "wrong")
        self.assertIn("AUTHENTICATIONFAILED", str(wrong.exception))
        with self.assertRaises(imaplib.IMAP4.error) as unknown:
            self.imap("nobody@example.test", "secret")
        self.assertEqual(str(wrong.exception), str(unknown.exception))  # never says whether the user exists
        with self.assertRaises(imaplib.IMAP4.error):
            self.imap("carol", "secret")  # carol is in the second domain: needs the full address

    def test_authenticate_plain(self):
        c = self.imap(user=None)
        typ, _ = c.authenticate("PLAIN", lambda _: b"\0bob@example.test\0secret")
        self.assertEqual(typ, "OK")
        self.ok(c.select("INBOX"))

    def test_commands_in_the_wrong_state(self):
        c = self.imap(user=None)
        with self.assertRaises(imaplib.IMAP4.error):
            c.select("INBOX")
        c.login("alice@example.test", "secret")
        with self.assertRaises(imaplib.IMAP4.error):
            c.fetch("1", "(FLAGS)")
        with self.assertRaises(imaplib.IMAP4.error):
            c.login("alice@example.test", "secret")

    def test_noop_logout_namespace_id_enable(self):
        c = self.imap()
        self.ok(c.noop())
        typ, data = c._simple_command("NAMESPACE")
        self.assertEqual(typ, "OK")
        self.assertEqual(untagged(c, "NAMESPACE"), [b'(("" "/")) NIL NIL'])
        typ, _ = c._simple_command("ID", '("name" "imaplib")')
        self.assertEqual(typ, "OK")
        self.assertIn(b'"name" "maild"', untagged(c, "ID")[0])
        typ, _ = c._simple_command("ENABLE", "UNKNOWNEXT")
        self.assertEqual(typ, "OK")


class Mailboxes(ImapTest):
    def list_names(self, c, pattern="*", command="list"):
        typ, data = getattr(c, command)('""', pattern)
        self.assertEqual(typ, "OK")
        return {parse_list_line(line)[2]: parse_list_line(line)[0] for line in data if line}

    def test_list_has_inbox_and_special_use_folders(self):
        c = self.imap()
        typ, data = c.list()
        self.assertEqual(parse_list_line(data[0]), (["\\HasNoChildren"], b'"/"', "INBOX"))
        names = self.list_names(c)
        for name, use in (("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"), ("Junk", "\\Junk"),
                          ("Archive", "\\Archive")):
            self.assertIn(use, names[name])
        typ, data = c.list('""', '""')
        self.assertEqual(data, [b'(\\Noselect) "/" ""'])

    def test_create_hierarchy_rename_delete(self):
        c = self.imap()
        self.ok(c.create("Projects/2026/Q4"))
        names = self.list_names(c)
        self.assertIn("Projects/2026/Q4", names)
        self.assertIn("Projects", names)  # parents exist (created as needed)
        self.assertEqual(set(self.list_names(c, "Projects/%")), {"Projects/2026"})
        self.assertEqual(c.create("Projects")[0], "NO")
        self.assertEqual(c.create("inbox")[0], "NO")
        self.ok(c.rename("Projects", "Work"))
        names = self.list_names(c)
        self.assertIn("Work/2026/Q4", names)
        self.assertNotIn("Projects/2026/Q4", names)
        self.ok(c.delete("Work/2026/Q4"))
        self.assertNotIn("Work/2026/Q4", self.list_names(c))
        self.assertEqual(c.delete("INBOX")[0], "NO")
        self.assertEqual(c.delete("Nonexistent")[0], "NO")

    def test_utf7_names_are_kept(self):
        c = self.imap()
        self.ok(c.create("&ZeVnLIqe-"))
        self.assertIn("&ZeVnLIqe-", self.list_names(c))

    def test_subscribe_lsub(self):
        c = self.imap()
        self.ok(c.create("Lists"))
        self.ok(c.subscribe("Lists"))
        self.assertIn("Lists", self.list_names(c, command="lsub"))
        self.ok(c.unsubscribe("Lists"))
        self.assertNotIn("Lists", self.list_names(c, command="lsub"))
        self.ok(c.create("Lists/dev"))
        self.ok(c.subscribe("Lists/dev"))
        top = self.list_names(c, "%", command="lsub")
        self.assertEqual(top.get("Lists"), ["\\Noselect"])  # RFC 3501 6.3.9: parent shown, not subscribed

    def test_status(self):
        self.deliver(subject="one")
        self.deliver(subject="two")
        c = self.imap()
        typ, data = c.status("INBOX", "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)")
        self.assertEqual(typ, "OK")
        m = re.search(rb"MESSAGES (\d+) RECENT (\d+) UIDNEXT (\d+) UIDVALIDITY (\d+) UNSEEN (\d+)", data[0])
        self.assertIsNotNone(m, data)
        self.assertEqual((int(m.group(1)), int(m.group(3)), int(m.group(5))), (2, 3, 2))

    def test_rename_inbox_moves_its_messages(self):
        self.deliver(subject="old mail")
        c = self.imap()
        self.ok(c.rename("INBOX", "Old"))
        self.assertEqual(self.ok(c.select("Old")), [b"1"])
        self.assertEqual(self.ok(c.select("INBOX")), [b"0"])

    def test_append_with_flags_and_date_gives_appenduid(self):
        c = self.imap()
        message = b"Subject: appended\r\n\r\nbody\r\n"
        typ, data = c.append("Drafts", "(\\Draft \\Seen $Label1)", '"24-Nov-2026 10:00:00 +0100"', message)
        self.assertEqual(typ, "OK")
        m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
        self.assertIsNotNone(m, data)
        self.ok(c.select("Drafts"))
        typ, data = c.uid("FETCH", m.group(2).decode(), "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
        text = data[0][0]
        self.assertIn(b"\\Draft", text)
        self.assertIn(b"$Label1", text)
        self.assertIn(b'INTERNALDATE "24-Nov-2026 10:00:00 +0100"', text)
        self.assertIn(b"RFC822.SIZE %d" % len(message), text)
        self.assertEqual(data[0][1], message)
        self.assertIn("TRYCREATE", str(c.append("Nowhere", None, None, message)))


class Messages(ImapTest):
    def setUp(self):
        super().setUp()
        for i in range(1, 6):
            self.deliver(subject=f"message {i}", body=f"Body number {i}.\r\n")
        self.c = self.imap()
        self.select_data = self.ok(self.c.select("INBOX"))

    def test_structure_is_parsed_once_at_delivery(self):
        import sqlite3
        with sqlite3.connect(self.store.path) as db:
            missing = db.execute("SELECT count(*) FROM messages WHERE structure IS NULL").fetchone()[0]
        self.assertEqual(missing, 0)

    def test_select_reports_what_clients_need(self):
        self.assertEqual(self.select_data, [b"5"])
        c = self.c
        self.assertEqual(untagged(c, "RECENT"), [b"5"])
        self.assertTrue(untagged(c, "UIDVALIDITY")[0].isdigit())
        self.assertEqual(untagged(c, "UIDNEXT"), [b"6"])
        flags = untagged(c, "FLAGS")[0]
        for flag in (b"\\Seen", b"\\Answered", b"\\Flagged", b"\\Deleted", b"\\Draft"):
            self.assertIn(flag, flags)
        self.assertIn(b"PERMANENTFLAGS", b" ".join(untagged(c, "OK")))
        self.assertTrue(untagged(c, "READ-WRITE"))

    def test_examine_is_read_only(self):
        c = self.imap()
        typ, data = c.select("INBOX", readonly=True)
        self.assertEqual(typ, "OK")
        typ, _ = c.store("1", "+FLAGS", "(\\Seen)")
        self.assertEqual(typ, "NO")

    def test_fetch_attributes(self):
        c = self.c
        typ, data = c.fetch("1", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)")
        text = data[0] if isinstance(data[0], bytes) else data[0][0]
        self.assertRegex(text, rb"^1 \(UID 1 FLAGS \(\\Recent\) INTERNALDATE \"\d\d-\w{3}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}\" "
                               rb"RFC822\.SIZE \d+ ENVELOPE \(\"Tue, 24 Nov 2026 10:00:00 \+0000\" \"message 1\" "
                               rb"\(\(\"Sender\" NIL \"sender\" \"example\.net\"\)\)")
        self.assertIn(b'BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 16 1', text)

    def test_fetch_body_sections_and_partial(self):
        c = self.c
        typ, data = c.fetch("2", "(BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[TEXT] BODY.PEEK[]<0.10>)")
        parts = {item[0].split(b" ")[-1] if False else item[0]: item[1] for item in data if isinstance(item, tuple)}
        values = list(parts.values())
        self.assertEqual(values[0], b"Subject: message 2\r\n\r\n")
        self.assertEqual(values[1], b"Body number 2.\r\n")
        self.assertEqual(values[2], b"Return-Pat")
        typ, data = c.fetch("2", "(FLAGS)")
        self.assertNotIn(b"\\Seen", data[0])  # PEEK did not set \Seen
        typ, data = c.fetch("2", "(BODY[TEXT])")
        self.assertIn(b"\\Seen", b"".join(x if isinstance(x, bytes) else x[0] for x in data))
        typ, data = c.fetch("2", "(FLAGS)")
        self.assertIn(b"\\Seen", data[0])

    def test_fetch_rfc822_forms(self):
        c = self.c
        typ, data = c.fetch("3", "(RFC822.HEADER)")
        self.assertTrue(data[0][1].endswith(b"\r\n\r\n"))
        typ, data = c.fetch("3", "(RFC822.TEXT)")
        self.assertEqual(data[0][1], b"Body number 3.\r\n")
        typ, data = c.fetch("3", "(RFC822)")
        self.assertTrue(data[0][1].startswith(b"Return-Path: <sender@example.net>\r\nReceived: from "))

    def test_fetch_macros_and_ranges_ascending(self):
        typ, data = self.c.fetch("5,1:3", "FAST")
        seqs = [int(line.split(b" ")[0]) for line in data]
        self.assertEqual(seqs, [1, 2, 3, 5])
        typ, data = self.c.fetch("1", "ALL")
        self.assertIn(b"ENVELOPE", data[0])
        typ, data = self.c.fetch("1", "FULL")
        self.assertIn(b"BODY (", data[0])

    def test_store_flags_and_keywords(self):
        c = self.c
        typ, data = c.store("1:2", "+FLAGS", "(\\Flagged $Important)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Flagged", data[0])
        self.assertIn(b"$Important", data[0])
        typ, data = c.store("1", "-FLAGS", "(\\Flagged)")
        self.assertNotIn(b"\\Flagged", data[0])
        typ, data = c.store("2", "FLAGS.SILENT", "(\\Answered)")
        self.assertEqual(data, [None])
        typ, data = c.fetch("2", "(FLAGS)")
        self.assertIn(b"\\Answered", data[0])
        self.assertNotIn(b"\\Flagged", data[0])
        with self.assertRaisesRegex(imaplib.IMAP4.error, "BAD"):
            c.store("1", "+FLAGS", "(\\Recent)")

    def test_search(self):
        c = self.c
        c.store("2", "+FLAGS", "(\\Seen \\Flagged)")
        c.store("4", "+FLAGS", "(\\Seen)")
        self.assertEqual(self.ok(c.search(None, "ALL")), [b"1 2 3 4 5"])
        self.assertEqual(self.ok(c.search(None, "UNSEEN")), [b"1 3 5"])
        self.assertEqual(self.ok(c.search(None, "SEEN", "NOT", "FLAGGED")), [b"4"])
        self.assertEqual(self.ok(c.search(None, "OR", "FLAGGED", "SUBJECT", '"message 5"')), [b"2 5"])
        self.assertEqual(self.ok(c.search(None, "BODY", "number 3")), [b"3"])
        self.assertEqual(self.ok(c.search(None, "TEXT", "MESSAGE 4")), [b"4"])
        self.assertEqual(self.ok(c.search(None, "FROM", "sender@example.net")), [b"1 2 3 4 5"])
        self.assertEqual(self.ok(c.search(None, "HEADER", "Message-ID", "message.1@")), [b"1"])
        self.assertEqual(self.ok(c.search(None, "LARGER", "1", "SMALLER", "100000", "2:3")), [b"2 3"])
        self.assertEqual(self.ok(c.search(None, "SENTON", "24-Nov-2026")), [b"1 2 3 4 5"])
        self.assertEqual(self.ok(c.search(None, "SINCE", "1-Jan-2020", "BEFORE", "1-Jan-2100")), [b"1 2 3 4 5"])
        self.assertEqual(self.ok(c.search("UTF-8", "SUBJECT", "message")), [b"1 2 3 4 5"])
        self.assertEqual(self.ok(c.uid("SEARCH", "UID", "3:*")), [b"3 4 5"])
        typ, data = c.search("KOI8-R", "ALL")
        self.assertEqual(typ, "NO")
        with self.assertRaisesRegex(imaplib.IMAP4.error, "BAD"):
            c.search(None, "BOGUS")

    def test_copy_gives_copyuid(self):
        c = self.c
        typ, data = c.copy("1:2", "Archive")
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0], rb"\[COPYUID \d+ 1:2 1:2\]")
        typ, data = c.copy("1", "Nowhere")
        self.assertEqual(typ, "NO")
        self.assertIn(b"TRYCREATE", data[0])
        self.assertEqual(self.ok(c.status("Archive", "(MESSAGES)"))[0], b'Archive (MESSAGES 2)')

    def test_move(self):
        c = self.c
        typ, data = c._simple_command("MOVE", "2", "Trash")
        self.assertEqual(typ, "OK")
        self.assertEqual(untagged(c, "EXPUNGE"), [b"2"])
        self.assertEqual(self.ok(c.search(None, "ALL")), [b"1 2 3 4"])
        typ, data = c._simple_command("UID", "MOVE", "5", "Trash")
        self.assertEqual(typ, "OK")
        self.assertEqual(self.ok(c.status("Trash", "(MESSAGES)"))[0], b"Trash (MESSAGES 2)")

    def test_expunge_and_uid_expunge(self):
        c = self.c
        c.store("1,3,5", "+FLAGS", "(\\Deleted)")
        typ, data = c._simple_command("UID", "EXPUNGE", "3")
        self.assertEqual(typ, "OK")
        self.assertEqual(untagged(c, "EXPUNGE"), [b"3"])
        typ, data = c.expunge()
        self.assertEqual(data, [b"4", b"1"])  # sequence numbers shift as each goes
        self.assertEqual(self.ok(c.uid("SEARCH", "ALL")), [b"2 4"])

    def test_close_expunges_unselect_does_not(self):
        c = self.c
        c.store("1", "+FLAGS", "(\\Deleted)")
        typ, _ = c._simple_command("UNSELECT")
        self.assertEqual(typ, "OK")
        self.ok(c.select("INBOX"))
        self.assertEqual(self.ok(c.search(None, "DELETED")), [b"1"])
        self.ok(c.close())
        self.assertEqual(self.ok(c.select("INBOX")), [b"4"])

    def test_check(self):
        self.ok(self.c.check())

    def test_new_mail_and_flag_changes_reach_a_selected_session(self):
        other = self.imap()
        self.ok(other.select("INBOX"))
        untagged(self.c, "EXISTS")
        self.deliver(subject="message 6")
        self.ok(self.c.noop())
        self.assertEqual(untagged(self.c, "EXISTS"), [b"6"])
        self.ok(other.store("1", "+FLAGS", "(\\Flagged)"))
        other.store("2", "+FLAGS", "(\\Deleted)")
        other.expunge()
        self.ok(self.c.noop())
        fetches = untagged(self.c, "FETCH")
        self.assertTrue(any(b"\\Flagged" in f for f in fetches), fetches)
        self.assertEqual(untagged(self.c, "EXPUNGE"), [b"2"])

    def test_idle_sees_a_delivery_from_smtpd(self):
        c = self.c
        tag = c._new_tag().decode()
        c.send(f"{tag} IDLE\r\n".encode())
        self.assertTrue(c.readline().startswith(b"+"))
        started = time.monotonic()
        self.deliver(subject="pushed")
        line = c.readline()
        elapsed = time.monotonic() - started
        self.assertEqual(line, b"* 6 EXISTS\r\n")
        self.assertLess(elapsed, 5)  # the daemon promises 1 s; generous for a loaded CI box
        c.send(b"DONE\r\n")
        while True:
            line = c.readline()
            if line.startswith(tag.encode()):
                break
        self.assertIn(b"OK", line)


class Isolation(ImapTest):
    def test_users_cannot_see_each_other(self):
        self.deliver(to="bob@example.test", subject="for bob only")
        alice = self.imap("alice@example.test")
        self.assertEqual(self.ok(alice.select("INBOX")), [b"0"])
        for name in ("bob@example.test/INBOX", "../bob@example.test/INBOX", "%", "*", "INBOX' OR 1=1 --"):
            typ, _ = alice.select(f'"{name}"')
            self.assertEqual(typ, "NO", name)
        bob = self.imap("bob@example.test")
        self.assertEqual(self.ok(bob.select("INBOX")), [b"1"])

    def test_no_mailbox_name_reaches_another_user(self):
        self.deliver(to="bob@example.test", subject="secret for bob")
        alice = self.imap("alice@example.test")
        self.deliver(to="alice@example.test", subject="alice's own")
        names = ["../bob@example.test/INBOX", "bob@example.test/INBOX", "%", "*", '"', "INBOX'; DROP TABLE users; --",
                 "INBOX\\..\\..", "x" * 5000, "INBOX/../../bob", "~bob/INBOX", "#shared/INBOX", "/INBOX"]
        for name in names:
            quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for command in (lambda: alice.select(quoted), lambda: alice.status(quoted, "(MESSAGES)"),
                            lambda: alice.append(quoted, None, None, b"Subject: x\r\n\r\ny\r\n")):
                try:
                    typ, _ = command()
                except imaplib.IMAP4.error:
                    typ = "BAD"
                self.assertNotEqual(typ, "OK", name[:40])
        self.ok(alice.select("INBOX"))
        for name in names:
            quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
            try:
                typ, _ = alice.copy("1", quoted)
            except imaplib.IMAP4.error:
                typ = "BAD"
            self.assertNotEqual(typ, "OK", name[:40])
        typ, listing = alice.list('""', "*")
        self.assertFalse(any(b"bob" in line for line in listing))
        bob = self.imap("bob@example.test")
        self.assertEqual(self.ok(bob.select("INBOX")), [b"1"])  # bob's mailbox untouched
        self.assertEqual(len(self.store.messages("bob@example.test")), 1)


class Persistence(ImapTest):
    def test_uids_are_never_reused_across_a_restart(self):
        self.deliver(subject="a")
        self.deliver(subject="b")
        c = self.imap()
        self.ok(c.select("INBOX"))
        c.store("1:2", "+FLAGS", "(\\Deleted)")
        c.expunge()
        c.logout()
        uidvalidity_before = self.ok(self.imap().status("INBOX", "(UIDVALIDITY)"))
        self.imapd.terminate()
        self.daemons.remove(self.imapd)
        self.imapd = self.start("imapd")
        self.deliver(subject="c")
        c = self.imap()
        self.ok(c.select("INBOX"))
        self.assertEqual(self.ok(c.uid("SEARCH", "ALL")), [b"3"])
        self.assertEqual(self.ok(c.status("INBOX", "(UIDVALIDITY)")), uidvalidity_before)


if __name__ == "__main__":
    unittest.main()
