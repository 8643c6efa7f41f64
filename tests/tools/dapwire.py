"""A small Debug Adapter Protocol client for kdive's tests and benchmarks: kdive dap
started as a child, requests framed with Content-Length as an editor frames them, and
everything the adapter sends kept (log: each message's JSON text) for dap-check.

    c = Adapter(kdive)
    c.send("initialize", {"adapterID": "kdive"}); c.response("initialize")
    e = c.event("stopped")
"""
import json
import os
import select
import subprocess
import time


def frame(body):
    """One message: a Content-Length header, then body (str or bytes)."""
    data = body.encode() if isinstance(body, str) else body
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


class Adapter:
    def __init__(self, kdive, timeout=120):
        self.p = subprocess.Popen([kdive, "dap"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.timeout = timeout  # seconds a message may take to come (a cold boot: minutes)
        self.buf = b""
        self.seq = 0
        self.log = []       # every message kdive sent, as text
        self.console = []   # the output events' text

    def raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send(self, command, args=None):
        self.seq += 1
        m = {"seq": self.seq, "type": "request", "command": command}
        if args is not None:
            m["arguments"] = args
        self.raw(frame(json.dumps(m)))

    def _fill(self, deadline):
        """More bytes from the adapter, or TimeoutError/EOFError."""
        left = deadline - time.monotonic()
        fd = self.p.stdout.fileno()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError("kdive dap sent nothing within %d s" % self.timeout)
        data = os.read(fd, 65536)
        if not data:
            raise EOFError("kdive dap closed its output")
        self.buf += data

    def recv(self):
        """The next message, within self.timeout seconds."""
        deadline = time.monotonic() + self.timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        n = None
        for line in head.split(b"\r\n"):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                n = int(value)
        if n is None:
            raise ValueError("a header without Content-Length: %r" % head)
        while len(self.buf) < n:
            self._fill(deadline)
        body, self.buf = self.buf[:n], self.buf[n:]
        self.log.append(body.decode())
        return json.loads(body)

    def until(self, pred):
        """The next message pred takes; output events are kept aside on the way."""
        while True:
            m = self.recv()
            if m.get("type") == "event" and m.get("event") == "output":
                self.console.append(m["body"]["output"])
            elif pred(m):
                return m

    def response(self, command):
        """The body of command's response; a failed one raises with its message."""
        m = self.until(lambda m: m.get("type") == "response" and m.get("command") == command)
        if not m.get("success"):
            raise RuntimeError("%s: %s" % (command, m.get("message")))
        return m.get("body", {})

    def event(self, *names):
        return self.until(lambda m: m.get("type") == "event" and m.get("event") in names)

    def close(self, timeout=30):
        """Close the adapter's input; its exit status."""
        self.p.stdin.close()
        return self.p.wait(timeout=timeout)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def write_log(self, path):
        with open(path, "w") as f:
            f.write("\n".join(self.log) + "\n")
