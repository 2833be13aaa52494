"""Real edges for tests and benchmarks: Pushpin and a caching nginx, each an instance of its own on free
ports, run from the project's own configuration files (``deploy/pushpin.conf``, ``deploy/nginx.conf``)
with only their ports, directories and upstreams rewritten. Missing binaries are installed by
``bench/setup-peers.sh`` (root, apt-get); a test without them skips, or fails under CI=true."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tests.server import ROOT, free_port

GRIP_KEY = "edge-test-signing-key"
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")


def edges_missing() -> str | None:
    """Why edges cannot run here (installing them first where we may), or None."""
    absent = shutil.which("pushpin") is None or shutil.which("nginx") is None or not PURGE_MODULE.exists()
    if absent and os.geteuid() == 0:
        subprocess.run(["bash", str(ROOT / "bench" / "setup-peers.sh")], capture_output=True, check=False)
    if shutil.which("pushpin") is None:
        return "pushpin is not installed (bench/setup-peers.sh installs it)"
    if shutil.which("nginx") is None or not PURGE_MODULE.exists():
        return "nginx with the cache purge module is not installed (bench/setup-peers.sh installs it)"
    return None


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def _set(config: str, key: str, value: str) -> str:
    changed, count = re.subn(rf"^{re.escape(key)}=.*$", f"{key}={value}", config, flags=re.MULTILINE)
    if count != 1:
        raise ValueError(f"{key} is not in deploy/pushpin.conf")
    return changed


@dataclass
class Pushpin:
    """A running Pushpin: readers connect to ``port``; the projector publishes to ``control_url``."""

    port: int
    control_port: int
    runner: subprocess.Popen[bytes]
    workdir: Path
    pids: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def grip_url(self) -> str:
        """This proxy as NEWSROOM_GRIP_URL names it."""
        return f"http://127.0.0.1:{self.control_port}?verify-key={GRIP_KEY}"

    def processes(self) -> list[int]:
        """The runner and what it started (each service runs in a process group of its own)."""
        found = subprocess.run(["pgrep", "-P", str(self.runner.pid)], capture_output=True, text=True)
        return [self.runner.pid, *(int(pid) for pid in found.stdout.split())]

    def kill(self) -> None:
        """kill -9 of every process of this Pushpin: its readers' connections drop at once."""
        for pid in self.processes():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.runner.wait()

    def stop(self) -> None:
        children = self.processes()[1:]
        if self.runner.poll() is None:
            self.runner.send_signal(signal.SIGTERM)
            try:
                self.runner.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.runner.kill()
                self.runner.wait()
        for pid in children:  # never leave one holding its ports
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@contextmanager
def running_pushpin(workdir: Path, origin_port: int) -> Iterator[Pushpin]:
    """A Pushpin from deploy/pushpin.conf, routing every request to ``origin_port``."""
    workdir.mkdir(parents=True, exist_ok=True)
    rundir, logdir = workdir / "run", workdir / "log"
    rundir.mkdir(exist_ok=True)
    logdir.mkdir(exist_ok=True)
    internal = re.sub(
        r"ipc:///var/run/zurl/zurl-",
        "ipc://{rundir}/{ipc_prefix}zurl-",
        Path("/usr/lib/pushpin/internal.conf").read_text(),
    )
    (workdir / "internal.conf").write_text(internal)
    port, control = free_port(), free_port()
    config = (ROOT / "deploy" / "pushpin.conf").read_text()
    for key, value in {
        "include": str(workdir / "internal.conf"),
        "rundir": str(rundir),
        "logdir": str(logdir),
        "http_port": f"127.0.0.1:{port}",
        "routesfile": str(workdir / "routes"),
        "sig_key": GRIP_KEY,
        "push_in_spec": f"tcp://127.0.0.1:{free_port()}",
        "push_in_sub_specs": f"tcp://127.0.0.1:{free_port()}",
        "push_in_http_addr": "127.0.0.1",
        "push_in_http_port": str(control),
        "command_spec": f"tcp://127.0.0.1:{free_port()}",
        # Below what this machine lets one process open (each reader is a file), so a Pushpin that is full
        # leaves new readers waiting instead of failing every accept (and logging each failure).
        "client_maxconn": str(min(50_000, resource.getrlimit(resource.RLIMIT_NOFILE)[1] - 2_000)),
    }.items():
        config = _set(config, key, value)
    (workdir / "pushpin.conf").write_text(config)
    (workdir / "routes").write_text(f"* 127.0.0.1:{origin_port}\n")
    binary = shutil.which("pushpin")
    assert binary is not None
    runner = subprocess.Popen(
        [binary, "--config", str(workdir / "pushpin.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    pushpin = Pushpin(port, control, runner, workdir)
    try:
        wait_port(control)
        wait_port(port)
        yield pushpin
    finally:
        pushpin.stop()


@dataclass
class Nginx:
    port: int
    purge_port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def purge_url(self) -> str:
        """This cache as NEWSROOM_PURGE_URL names it."""
        return f"nginx+http://127.0.0.1:{self.purge_port}"


@contextmanager
def running_nginx(workdir: Path, upstream_ports: Sequence[int]) -> Iterator[Nginx]:
    """nginx running deploy/nginx.conf in front of web processes on ``upstream_ports``."""
    workdir.mkdir(parents=True, exist_ok=True)
    for folder in ("cache", "temp", "logs"):
        (workdir / folder).mkdir(exist_ok=True)
    port, purge_port = free_port(), free_port()
    servers = "\n".join(f"    server 127.0.0.1:{upstream};" for upstream in upstream_ports)
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for marker, line in {
        "cache": f"proxy_cache_path {workdir}/cache levels=1:2 keys_zone=newsroom:16m max_size=256m "
        "inactive=1h use_temp_path=off;",
        "upstream": servers.strip(),
        "listen": f"listen 127.0.0.1:{port};",
        "purge": f"listen 127.0.0.1:{purge_port};",
    }.items():
        site, count = re.subn(
            rf"^\s*[^\n]*# edge: {marker}\b[^\n]*$", "    " + line, site, flags=re.MULTILINE
        )
        assert count == 1, marker
    temp = workdir / "temp"
    (workdir / "nginx.conf").write_text(
        f"load_module {PURGE_MODULE};\n"
        "user root;\nworker_processes 1;\n"
        f"pid {workdir}/nginx.pid;\nlock_file {workdir}/nginx.lock;\n"
        f"error_log {workdir}/logs/error.log warn;\n"
        "events { worker_connections 16384; }\n"
        "http {\n"
        f"  access_log off;\n  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n"
        f"  fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n"
        f"  scgi_temp_path {temp}/scgi;\n"
        "  include /etc/nginx/mime.types;\n"
        f"{site}\n}}\n"
    )
    process = subprocess.Popen(
        ["nginx", "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        try:
            wait_port(port, timeout=10)
        except TimeoutError:
            process.kill()
            raise RuntimeError(process.communicate()[1].decode()) from None
        yield Nginx(port, purge_port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
