"""smtpd as a process: durability across SIGKILL, graceful shutdown, start-up errors, limits."""
import os
import signal
import smtplib
import socket
import subprocess
import threading
import unittest

from maild_harness import DaemonTest, binary


class Lifecycle(DaemonTest):
    def test_message_acknowledged_with_250_survives_sigkill(self):
        smtpd = self.start("smtpd")
        client = smtplib.SMTP("127.0.0.1", smtpd.port, timeout=10)
        body = b"Subject: durable\r\n\r\nmust survive a crash\r\n"
        client.ehlo()
        client.mail("sender@example.net")
        client.rcpt("alice@example.test")
        client.rcpt("bob@example.test")
        code, _ = client.data(body)
        self.assertEqual(code, 250)
        smtpd.kill()  # SIGKILL right after the 250: no chance to flush anything
        client.close()
        self.assertEqual(smtpd.process.returncode, -signal.SIGKILL)
        self.assertEqual(self.store.mailctl("check").returncode, 0)
        again = self.start("smtpd")
        for user in ("alice@example.test", "bob@example.test"):
            [stored] = self.store.messages(user)
            self.assertTrue(stored.endswith(body))
        # And the restarted daemon takes mail with fresh UIDs.
        smtplib.SMTP("127.0.0.1", again.port, timeout=10).sendmail("s@example.net", ["alice@example.test"], body)
        self.assertEqual(self.store.uids("alice@example.test"), [1, 2])

    def test_sigterm_says_421_to_open_sessions_and_exits_zero(self):
        smtpd = self.start("smtpd")
        c = self.raw(smtpd)
        self.assertEqual(c.reply()[0], 220)
        c.send("EHLO x\r\n")
        c.reply()
        smtpd.process.send_signal(signal.SIGTERM)
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertTrue(c.closed())
        self.assertEqual(smtpd.process.wait(timeout=20), 0)
        self.assertIn("event=shutdown", smtpd.log())

    def test_port_in_use_is_a_clear_error(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        self.addCleanup(blocker.close)
        port = blocker.getsockname()[1]
        result = subprocess.run([binary("smtpd"), "--store", self.store.path, "--listen", "127.0.0.1",
                                 "--port", str(port)], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"127.0.0.1:{port}", result.stderr)
        self.assertIn("--port", result.stderr)

    def test_missing_store_is_a_clear_error(self):
        missing = os.path.join(self.tmp.name, "nope", "maild.db")
        result = subprocess.run([binary("smtpd"), "--store", missing, "--listen", "127.0.0.1", "--port", "0"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 1)
        self.assertIn(missing, result.stderr)
        self.assertIn("mailctl", result.stderr)

    def test_bad_option_is_a_clear_error(self):
        result = subprocess.run([binary("smtpd"), "--max-recipients", "lots"], capture_output=True, text=True,
                                timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("max-recipients", result.stderr)

    def test_config_file_is_read_and_command_line_wins(self):
        conf = os.path.join(self.tmp.name, "maild.conf")
        with open(conf, "w") as f:
            f.write(f"store = {self.store.path}\nhostname = from-file.example\nmax-recipients = 7\n"
                    "[smtpd]\nmax-message-size = 12345\n[imapd]\nport = 1\n")
        smtpd = self.start("smtpd", "--config", conf, "--max-message-size", "54321")
        client = smtplib.SMTP("127.0.0.1", smtpd.port, timeout=10)
        self.addCleanup(client.close)
        client.ehlo()
        self.assertEqual(client.esmtp_features["size"], "54321")

    def test_connections_past_the_cap_are_told_to_try_later(self):
        smtpd = self.start("smtpd", "--max-connections", "2")
        held = [self.raw(smtpd) for _ in range(2)]
        for c in held:
            self.assertEqual(c.reply()[0], 220)
        extra = self.raw(smtpd)
        code, text = extra.reply()
        self.assertEqual(code, 421, text)
        self.assertTrue(extra.closed())
        held[0].send("QUIT\r\n")
        held[0].reply()
        self.assertTrue(held[0].closed())

    def test_help_and_version(self):
        out = subprocess.run([binary("smtpd"), "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0)
        for option in ("--store", "--listen", "--port", "--hostname", "--domain", "--max-connections",
                       "--max-message-size", "--max-recipients", "--command-timeout", "--log-level", "--config"):
            self.assertIn(option, out.stdout)
        version = subprocess.run([binary("smtpd"), "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(version.returncode, 0)
        self.assertIn("maild", version.stdout)

    def test_every_thread_runs_under_the_configured_cpu_scheduling(self):
        def policies(daemon, port):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                client.recv(512)  # the greeting: a connection thread is serving us now
                found = []
                for tid in os.listdir(f"/proc/{daemon.process.pid}/task"):
                    with open(f"/proc/{daemon.process.pid}/task/{tid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    found.append(int(fields[41 - 3]))  # field 41 of proc_pid_stat(5); fields[0] is field 3
                return found

        for name in ("smtpd", "imapd"):
            daemon = self.start(name)
            found = policies(daemon, daemon.port)
            self.assertGreaterEqual(len(found), 3, name)  # main, signal watcher, the connection's thread
            self.assertEqual(set(found), {os.SCHED_BATCH}, name)
            daemon.terminate()
            normal = self.start(name, "--cpu-scheduling", "normal")
            self.assertEqual(set(policies(normal, normal.port)), {os.SCHED_OTHER}, name)
            normal.terminate()
        result = subprocess.run([binary("smtpd"), "--cpu-scheduling", "fifo"], capture_output=True, text=True,
                                timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--cpu-scheduling must be batch or normal", result.stderr)

    def test_many_concurrent_clients(self):
        smtpd = self.start("smtpd")
        errors = []

        def send(i):
            try:
                with smtplib.SMTP("127.0.0.1", smtpd.port, timeout=30) as client:
                    client.sendmail("s@example.net", ["alice@example.test", "carol@example.org"],
                                    f"Subject: n{i}\r\n\r\nmessage {i}\r\n".encode())
            except Exception as e:  # noqa: BLE001 - collected and reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=send, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.store.uids("alice@example.test"), list(range(1, 41)))
        self.assertEqual(len(self.store.uids("carol@example.org")), 40)


if __name__ == "__main__":
    unittest.main()
