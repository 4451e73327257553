"""The API fuzzer's wire side: requests as bytes, a raw-socket HTTP/1.1 client
with keep-alive, and the `stele serve` process it starts, stops and verifies.

Raw sockets rather than http.client: the fuzzer sends what http.client refuses
to (no Host, duplicated or conflicting framing headers, `%zz` in the target,
HTTP/1.0) and must see exactly what came back, extra bytes included."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_RESPONSE_BYTES = 64 << 20
LISTENING = re.compile(r"^stele listening on (\S+):(\d+)\s*$")


@dataclass
class Request:
    """One request to send: `target` is the raw request target (path and
    query, already percent-encoded as it goes on the wire)."""

    operation: str  # the operationId it was generated for (or a pseudo-key)
    kind: str  # "valid" or the mutation's name
    method: str
    target: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    version: str = "HTTP/1.1"
    host: bool = True  # send a Host header
    length: bool = True  # send Content-Length (when there is a body, or for POST/PUT)
    expect_continue: bool = False  # send the head first and the body after 100 Continue
    close: bool = False  # close the connection after the response
    token: str | None = None  # the token's name in the auth phase (None: no token sent)
    notes: dict[str, Any] = field(default_factory=dict)

    def head(self, host: str) -> bytes:
        lines = [f"{self.method} {self.target} {self.version}"]
        if self.host:
            lines.append(f"Host: {host}")
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.length and (self.body or self.method in ("POST", "PUT", "PATCH")):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")

    def encode(self, host: str) -> bytes:
        return self.head(host) + self.body

    def replay(self, host: str = "127.0.0.1:PORT", limit: int = 600) -> str:
        """The request as a Python bytes literal, cut to `limit` characters."""
        text = repr(self.encode(host))
        return text if len(text) <= limit else text[:limit] + f"... ({len(self.body)}-byte body)"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    close: bool  # the connection will not be reused
    extra: bytes = b""  # bytes the server sent after the response it declared

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name), None)

    def header_map(self) -> dict[str, str]:
        """Lower-cased names, repeated fields joined with `, ` (the exchange format)."""
        merged: dict[str, str] = {}
        for name, value in self.headers:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return merged


class ClientError(Exception):
    """No usable response: `kind` is timeout, closed or protocol."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind


class Client:
    """One keep-alive connection at a time to 127.0.0.1:port; reconnects when
    the server closed it, and retries once when a reused connection turns out
    to have been closed before the request reached the server."""

    def __init__(self, port: int, timeout: float = 10.0):
        self.port = port
        self.timeout = timeout
        self.host = f"127.0.0.1:{port}"
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.connections = 0

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock, self.buffer = None, b""

    def send(self, request: Request) -> Response:
        for attempt in range(2):
            reused = self.sock is not None
            if not reused:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.connections += 1
            deadline = time.monotonic() + self.timeout
            try:
                response = self._exchange(request, deadline)
            except _Stale:
                self.close()
                if reused and attempt == 0:
                    continue
                raise ClientError("closed", "the server closed the connection without a response") from None
            except socket.timeout:
                self.close()
                raise ClientError("timeout", f"no complete response within {self.timeout:g} s") from None
            except ClientError:
                self.close()
                raise
            if response.close or request.close:
                self.close()
            return response
        raise AssertionError("unreachable")

    def _exchange(self, request: Request, deadline: float) -> Response:
        head, body = request.head(self.host), request.body
        try:
            if request.expect_continue and body:
                self._sendall(head, deadline)
                interim = self._await_interim(request.method, deadline)
                if interim is not None:
                    return interim  # a final answer before the body: it is never sent
                self._sendall(body, deadline)
            else:
                self._sendall(head + body, deadline)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer early (413) and close: read what it sent
        return self._read_response(request.method, deadline)

    def _sendall(self, data: bytes, deadline: float) -> None:
        assert self.sock is not None
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        self.sock.sendall(data)

    def _await_interim(self, method: str, deadline: float) -> Response | None:
        """After a head with `Expect: 100-continue`: None when the server said
        100 Continue (or nothing within a second), else its final response."""
        assert self.sock is not None
        wait_until = min(deadline, time.monotonic() + 1.0)
        while b"\r\n\r\n" not in self.buffer:
            remaining = wait_until - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                raise _Stale() if not self.buffer else ClientError("closed", "the connection closed mid-response")
            self.buffer += chunk
        if re.match(rb"HTTP/1\.[01] 100", self.buffer):
            self.buffer = self.buffer.split(b"\r\n\r\n", 1)[1]
            return None
        return self._read_response(method, deadline)

    def _fill(self, deadline: float, need_any: bool = True) -> bool:
        """Reads more bytes; False at end of stream."""
        assert self.sock is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return False
        self.buffer += chunk
        if len(self.buffer) > MAX_RESPONSE_BYTES:
            raise ClientError("protocol", f"a response over {MAX_RESPONSE_BYTES} bytes")
        return True

    def _read_response(self, method: str, deadline: float) -> Response:
        while True:
            received_any = bool(self.buffer)
            while b"\r\n\r\n" not in self.buffer:
                if not self._fill(deadline):
                    if not self.buffer and not received_any:
                        raise _Stale()
                    raise ClientError("closed", f"the connection closed inside a response head: {self.buffer[:200]!r}")
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            match = re.fullmatch(r"HTTP/(1\.[01]) (\d{3})(?: .*)?", lines[0])
            if not match:
                raise ClientError("protocol", f"not an HTTP/1.x status line: {lines[0][:200]!r}")
            status = int(match.group(2))
            headers = []
            for line in lines[1:]:
                name, colon, value = line.partition(":")
                if not colon:
                    raise ClientError("protocol", f"not a header field: {line[:200]!r}")
                headers.append((name.strip(), value.strip()))
            if 100 <= status < 200:
                continue  # an interim response; the final one follows
            break
        fields = {name.lower(): value for name, value in headers}
        connection = fields.get("connection", "").lower()
        close = "close" in connection or (match.group(1) == "1.0" and "keep-alive" not in connection)
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            body = self._read_chunked(deadline)
        elif "content-length" in fields:
            if not fields["content-length"].isdigit():
                raise ClientError("protocol", f"Content-Length {fields['content-length']!r}")
            body = self._read_exactly(int(fields["content-length"]), deadline)
        else:
            while self._fill(deadline):
                pass
            body, self.buffer, close = self.buffer, b"", True
        extra = b""
        if close:  # whatever follows the declared body is not part of any response
            try:
                while self._fill(min(deadline, time.monotonic() + 0.2)):
                    pass
            except (socket.timeout, OSError):
                pass
            extra, self.buffer = self.buffer, b""
        return Response(status, headers, body, close, extra)

    def _read_exactly(self, count: int, deadline: float) -> bytes:
        while len(self.buffer) < count:
            if not self._fill(deadline):
                raise ClientError("closed", f"the connection closed after {len(self.buffer)} of {count} body bytes")
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _read_chunked(self, deadline: float) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                if not self._fill(deadline):
                    raise ClientError("closed", "the connection closed inside a chunked body")
            size_line, self.buffer = self.buffer.split(b"\r\n", 1)
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise ClientError("protocol", f"chunk size {size_line[:50]!r}") from None
            if size == 0:
                while b"\r\n\r\n" not in b"\r\n" + self.buffer:  # trailers end with an empty line
                    if not self._fill(deadline):
                        raise ClientError("closed", "the connection closed inside the chunked trailer")
                self.buffer = (b"\r\n" + self.buffer).split(b"\r\n\r\n", 1)[1]
                return body
            body += self._read_exactly(size, deadline)
            self._read_exactly(2, deadline)


class _Stale(Exception):
    """The connection ended before a single byte of response."""


class ServerError(Exception):
    pass


def _die_with_parent() -> None:
    """In the child: SIGKILL it if the fuzzer dies without stopping it (Linux)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Server:
    """`stele serve` on 127.0.0.1 with a fresh data directory under `workdir`."""

    def __init__(self, binary: str, workdir: Path, name: str, flags: list[str]):
        self.binary, self.flags = binary, flags
        self.directory = workdir / name
        self.data = self.directory / "data"
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.exit_code: int | None = None
        self.killed = False

    @property
    def command(self) -> list[str]:
        return [self.binary, "serve", "--data-dir", str(self.data), "--host", "127.0.0.1", "--port", "0", *self.flags]

    def start(self, timeout: float = 60.0) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        stdout = open(self.directory / "stdout", "wb")
        stderr = open(self.directory / "stderr", "wb")
        try:
            self.process = subprocess.Popen(
                self.command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                env=environment_without_stele(), start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            stdout.close()
            stderr.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            first = (self.directory / "stdout").read_bytes().split(b"\n", 1)
            if len(first) == 2:
                match = LISTENING.match(first[0].decode("utf-8", "replace"))
                if not match:
                    raise ServerError(f"unexpected first line of stdout: {first[0][:200]!r}")
                self.port = int(match.group(2))
                break
            if self.process.poll() is not None:
                raise ServerError(f"stele serve exited with {self.process.returncode} before listening")
            time.sleep(0.05)
        else:
            raise ServerError(f"stele serve printed no listening line within {timeout:g} s")
        self._await_ready(deadline)
        return self.port

    def _await_ready(self, deadline: float) -> None:
        client = Client(self.port, timeout=5.0)
        try:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise ServerError(f"stele serve exited with {self.process.returncode} before it was ready")
                try:
                    if client.send(Request("getReadiness", "setup", "GET", "/readyz", close=True)).status == 200:
                        return
                except (OSError, ClientError):
                    pass
                time.sleep(0.05)
            raise ServerError("stele serve was not ready in time")
        finally:
            client.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, a wait, SIGKILL as a last resort; the exit status (negative: a signal)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                self.process.kill()
                self.process.wait(timeout=10)
        self.exit_code = self.process.returncode
        return self.exit_code

    def verify(self) -> tuple[int, str]:
        result = subprocess.run(
            [self.binary, "verify", str(self.data)], capture_output=True, text=True, timeout=120,
            env=environment_without_stele())
        return result.returncode, (result.stdout + result.stderr).strip()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = (self.directory / "stderr").read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def environment_without_stele() -> dict[str, str]:
    """The fuzzer's environment minus STELE_* variables that would change the server's settings."""
    return {name: value for name, value in os.environ.items() if not name.startswith("STELE_")}
