"""imapd against real mail clients: curl's IMAP and mbsync syncing to a local Maildir."""
import os
import subprocess
import time
import unittest

from imap_helpers import ImapTest


class Curl(ImapTest):
    def curl(self, path, *args, user="alice@example.test:secret"):
        url = f"imap://127.0.0.1:{self.imapd.port}/{path}"
        return subprocess.run(["curl", "--silent", "--show-error", "--max-time", "30", "--user", user, url, *args],
                              capture_output=True, timeout=60)

    def test_list_fetch_search_append(self):
        self.deliver(subject="for curl", body="Fetched by curl.\r\n")
        listing = self.curl("")
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn(b'"/" INBOX', listing.stdout)
        self.assertIn(b"\\Sent", listing.stdout)

        body = self.curl("INBOX;UID=1")
        self.assertEqual(body.returncode, 0, body.stderr)
        self.assertIn(b"Subject: for curl", body.stdout)
        self.assertTrue(body.stdout.endswith(b"Fetched by curl.\r\n"))

        search = self.curl("INBOX", "-X", "UID SEARCH SUBJECT curl")
        self.assertEqual(search.returncode, 0, search.stderr)
        self.assertIn(b"* SEARCH 1", search.stdout)

        message = os.path.join(self.tmp.name, "upload.eml")
        with open(message, "wb") as f:
            f.write(b"Subject: uploaded by curl\r\n\r\nhello\r\n")
        upload = self.curl("Drafts", "-T", message)
        self.assertEqual(upload.returncode, 0, upload.stderr)
        self.assertEqual(len(self.store.messages("alice@example.test", "Drafts")), 1)

    def test_wrong_password_fails(self):
        result = self.curl("", user="alice@example.test:nope")
        self.assertNotEqual(result.returncode, 0)


class Mbsync(ImapTest):
    """A mail client's whole cycle: mail sent with SMTP, synced down, flagged, filed, deleted, synced up."""

    def setUp(self):
        super().setUp()
        self.maildir = os.path.join(self.tmp.name, "Mail")
        os.makedirs(self.maildir)
        self.config = os.path.join(self.tmp.name, "mbsyncrc")
        with open(self.config, "w") as f:
            f.write(f"""IMAPAccount maild
Host 127.0.0.1
Port {self.imapd.port}
User alice@example.test
Pass secret
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account maild

MaildirStore local
Path {self.maildir}/
Inbox {self.maildir}/INBOX
SubFolders Verbatim

Channel everything
Far :remote:
Near :local:
Patterns *
Create Both
Remove None
Expunge Both
SyncState *
""")

    def sync(self):
        result = subprocess.run(["mbsync", "-c", self.config, "-a"], capture_output=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def files(self, folder):
        out = []
        for sub in ("new", "cur"):
            path = os.path.join(self.maildir, folder, sub)
            if os.path.isdir(path):
                out += [os.path.join(path, name) for name in sorted(os.listdir(path))]
        return out

    def test_sync_flag_move_delete(self):
        self.deliver(subject="first", body="One.\r\n")
        self.deliver(subject="second", body="Two.\r\n")
        self.deliver(subject="third", body="Three.\r\n")
        self.sync()
        inbox = self.files("INBOX")
        self.assertEqual(len(inbox), 3)
        for folder in ("Sent", "Drafts", "Trash", "Junk", "Archive"):
            self.assertTrue(os.path.isdir(os.path.join(self.maildir, folder)), folder)
        by_subject = {}
        for path in inbox:
            with open(path, "rb") as f:
                text = f.read()
            for subject in (b"first", b"second", b"third"):
                if b"Subject: " + subject + b"\r\n" in text or b"Subject: " + subject + b"\n" in text:
                    by_subject[subject] = path
        self.assertEqual(set(by_subject), {b"first", b"second", b"third"})

        def set_flags(path, flags):
            base = os.path.basename(path).split(":2,")[0]
            target = os.path.join(os.path.dirname(os.path.dirname(path)), "cur", base + ":2," + flags)
            os.rename(path, target)
            return target

        # Flag "first" and mark it read; file "second" into Archive; delete "third".
        set_flags(by_subject[b"first"], "FS")
        archived = os.path.join(self.maildir, "Archive", "cur", os.path.basename(by_subject[b"second"]).split(",U=")[0])
        os.rename(by_subject[b"second"], archived)
        set_flags(by_subject[b"third"], "T")
        self.sync()

        c = self.imap()
        self.ok(c.select("INBOX"))
        typ, data = c.uid("SEARCH", "ALL")
        self.assertEqual(data, [b"1"])  # "second" moved away, "third" expunged
        typ, data = c.uid("FETCH", "1", "(FLAGS)")
        self.assertIn(b"\\Flagged", data[0])
        self.assertIn(b"\\Seen", data[0])
        self.ok(c.select("Archive"))
        typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertIn(b"Subject: second", data[0][1])

        # New mail after the first sync arrives on the next one.
        self.deliver(subject="fourth", body="Four.\r\n")
        self.sync()
        self.assertEqual(len(self.files("INBOX")), 2)


if __name__ == "__main__":
    unittest.main()
