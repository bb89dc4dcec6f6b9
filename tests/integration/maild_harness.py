"""Starts the real maild binaries on ephemeral ports with a temporary store, for integration tests.

The binaries come from $MAILD_BIN (set by ctest), else build/bin of the checkout.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("MAILD_BIN", os.path.join(ROOT, "build", "bin"))

DOMAINS = ("example.test", "example.org")
HOSTNAME = "mx.example.test"


def binary(name):
    path = os.path.join(BIN, name)
    if not os.access(path, os.X_OK):
        if "MAILD_BIN" in os.environ:  # run by ctest: a missing binary is a failure, not a skip
            raise AssertionError(f"{path} was not built")
        raise unittest.SkipTest(f"{path} not built; build first (scripts/build) or set MAILD_BIN")
    return path


class Store:
    """A temporary store, managed with the real mailctl."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "maild.db")
        self.mailctl("init")

    def mailctl(self, *args, input_text=None, check=True):
        result = subprocess.run([binary("mailctl"), "--store", self.path, *args], input=input_text,
                                capture_output=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"mailctl {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
        return result

    def add_user(self, address, password="secret"):
        self.mailctl("user", "add", address, input_text=(password + "\n").encode())

    def uids(self, address, mailbox="INBOX"):
        out = self.mailctl("message", "list", address, mailbox).stdout.decode()
        return [int(line.split()[0]) for line in out.splitlines() if line.strip() and line.split()[0].isdigit()]

    def message(self, address, uid, mailbox="INBOX"):
        return self.mailctl("message", "show", address, mailbox, str(uid)).stdout

    def messages(self, address, mailbox="INBOX"):
        return [self.message(address, uid, mailbox) for uid in self.uids(address, mailbox)]


class Daemon:
    """One running daemon; stderr goes to a log file that tests can read."""

    def __init__(self, name, store, directory, *extra_args):
        self.name = name
        self.store = store
        self.directory = directory
        self.extra_args = list(extra_args)
        self.log_path = os.path.join(directory, f"{name}.log")
        self.process = None
        self.port = None

    def args(self):
        args = [binary(self.name), "--store", self.store.path, "--listen", "127.0.0.1", "--hostname", HOSTNAME,
                "--log-level", "debug"]
        for domain in DOMAINS:
            args += ["--domain", domain]
        if "--port" not in self.extra_args:
            args += ["--port", "0"]
        return args + self.extra_args

    def start(self):
        self.log_file = open(self.log_path, "ab")
        self.log_offset = self.log_file.tell()
        self.process = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL, stderr=self.log_file)
        deadline = time.time() + 20
        while time.time() < deadline:
            log = self.log()
            if "event=ready" in log:
                # Every listener: (port, mode, role); the first plain one is self.port.
                self.listeners = [(int(m.group(1)), m.group(2), m.group(3) or "") for m in re.finditer(
                    r"event=listening address=127\.0\.0\.1:(\d+) mode=(\w+)(?: role=(\w+))?", log)]
                self.port = next(port for port, mode, _ in self.listeners if mode == "plain")
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}: {self.log()}")
            time.sleep(0.02)
        raise AssertionError(f"{self.name} did not start listening: {self.log()}")

    def log(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.log_offset)
            return f.read().decode(errors="replace")

    def terminate(self, timeout=20):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=timeout)
        return self.process.returncode

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def listener_port(self, mode, role=""):
        return next(port for port, m, r in self.listeners if m == mode and r == role)

    def connect(self, timeout=10):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


class LineClient:
    """A raw protocol client for what real libraries refuse to send (bad input, smuggling)."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed; got " + repr(self.buffer))
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r").decode(errors="replace")

    def reply(self):
        """One SMTP reply (all lines of a multiline reply); returns (code, text)."""
        lines = [self.line()]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.line())
        return int(lines[-1][:3]), "\n".join(lines)

    def closed(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


class DaemonTest(unittest.TestCase):
    """Each test gets a fresh temporary store with users alice, bob (example.test), carol (example.org)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="maild-it-")
        self.addCleanup(self.tmp.cleanup)
        self.store = Store(self.tmp.name)
        for user in ("alice@example.test", "bob@example.test", "carol@example.org"):
            self.store.add_user(user)
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            try:
                d.terminate()
            except Exception:
                d.kill()
            if hasattr(d, "log_file"):
                d.log_file.close()

    def start(self, name, *args):
        daemon = Daemon(name, self.store, self.tmp.name, *args).start()
        self.daemons.append(daemon)
        return daemon

    def raw(self, daemon):
        client = LineClient(daemon.connect())
        self.addCleanup(client.close)
        return client
