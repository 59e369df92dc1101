"""A metadata server for the corpus fixtures that say "metadata": true.

`TOKENTOP_BIN emulator --credentials-dir DIR` runs tokentop's local identity
services and prints one line

    READY google=<url> databricks=<url> metadata=<host:port> ...

on stdout. Its metadata server (wire.md §1.4) serves project `tokentop-demo`,
the default account 123456789012-compute@developer.gserviceaccount.com and
etl-runner@tokentop-demo.iam.gserviceaccount.com. The corpus starts it once
per run, in its own process group and with a scratch HOME (so it reads no
profiles of the caller), and ends that group when the run is over, as
tests/conformance/run.sh does.

Fixtures give "$METADATA" as the value of GCE_METADATA_HOST and
GCE_METADATA_IP; oracle.fixture_env replaces it with the host:port.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

READY_TIMEOUT = 60
PLACEHOLDER = "$METADATA"


def needs_metadata(meta):
    return meta.get("metadata") is True


class Emulator:
    """Context manager: `with Emulator(bin) as emu: emu.metadata` -> host:port."""

    def __init__(self, binary, ready_timeout=READY_TIMEOUT):
        self.binary = binary
        self.ready_timeout = ready_timeout
        self.proc = None
        self.scratch = None
        self.ready = None
        self.metadata = None

    def __enter__(self):
        self.scratch = tempfile.mkdtemp(prefix="corpus-emulator-")
        home = os.path.join(self.scratch, "home")
        os.makedirs(home)
        out_path = os.path.join(self.scratch, "emulator.out")
        err_path = os.path.join(self.scratch, "emulator.err")
        env = {"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"), "PATH": "/usr/local/bin:/usr/bin:/bin"}
        with open(out_path, "w") as out, open(err_path, "w") as err:
            self.proc = subprocess.Popen(
                [self.binary, "emulator", "--credentials-dir", os.path.join(self.scratch, "creds")],
                env=env,
                cwd=home,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own process group, ended as a whole
            )
        try:
            self._wait_ready(out_path, err_path)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self, out_path, err_path):
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            with open(out_path) as f:
                for line in f:
                    if line.startswith("READY "):
                        self.ready = line.strip()
                        m = re.search(r"(?:^| )metadata=(\S+)", self.ready)
                        if not m:
                            raise RuntimeError(f"emulator: READY line without metadata=: {self.ready}")
                        self.metadata = m.group(1)
                        return
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited ({self.proc.returncode}) before READY:\n{self._logs(out_path, err_path)}")
            time.sleep(0.1)
        raise RuntimeError(f"emulator: no READY line within {self.ready_timeout}s:\n{self._logs(out_path, err_path)}")

    @staticmethod
    def _logs(out_path, err_path):
        text = []
        for path in (out_path, err_path):
            with open(path, errors="replace") as f:
                text.append(f.read()[-2000:])
        return "\n".join(text)

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
        return False
