#!/usr/bin/env python3
"""ADC oracle: what google-auth's own google.auth.default() picks in each home.

Usage: python oracle.py HOMES_DIR [--out FILE] [--only NAME[,NAME...]] [--emulator TOKENTOP_BIN]

Run with the Python that has google-auth (tests/conformance/.venv). For every
HOMES_DIR/<name>/fixture.json, copy the home to a scratch dir and run
google.auth.default() in a fresh subprocess whose environment is only HOME,
PATH and the fixture's env (values starting with "$HOME" get the home's path);
none of the caller's GOOGLE_*/CLOUDSDK_* variables get through.

The verdict per fixture is

  {"type": ..., "principal": ..., "project": ..., "quota_project": ...,
   "error": ..., "detail": {...}}

  type       credential file type google-auth resolved, mapped from the class
             it returned: authorized_user, service_account,
             impersonated_service_account, external_account,
             external_account_authorized_user, gdch_service_account or
             compute_engine; null when default() raised
  principal  what google-auth knows without the network: a service account's
             service_account_email, an impersonated credential's target
             principal, an external account's impersonated SA email; else null
  project    default()'s second return value
  quota_project  the returned credentials' quota_project_id (the file's
             quota_project_id, or GOOGLE_CLOUD_QUOTA_PROJECT, which wins)
  error      class name of the exception default() raised, else null
  detail     informational only: class, quota_project, authorized_user
             account, external account source kind, the file google-auth
             used, the gcloud commands it ran, the exception message

Fake gcloud. google-auth shells out to `gcloud config get project` when the
credential came from the well-known ADC path and carried no project of its
own (google/auth/_cloud_sdk.py get_project_id; it is the only gcloud command
google-auth runs while resolving ADC; `gcloud auth print-access-token` is used
only to refresh, which we never do). gcloud is not installed here, so the
oracle puts a tiny `gcloud` shell script first on the subprocess PATH that
stands in for it: `gcloud config get project` prints the fixture's
gcloud.project (what real gcloud would print in that home, recorded by
build.py) or nothing when it has none, exactly like real gcloud prints
"(unset)" only to stderr; any other command exits 2. Every call is logged
and shows up in detail.gcloud_calls.

Metadata server. A fixture with "metadata": true needs one that answers: its
env has GCE_METADATA_HOST / GCE_METADATA_IP = "$METADATA", replaced by the
host:port of `TOKENTOP_BIN emulator` (started once per run, see emulator.py)
when --emulator TOKENTOP_BIN is given; without it such fixtures are skipped
with a SKIP line on stderr. Other fixtures point both variables at a closed
port, so google-auth's GCE ping fails at once.

Prints one JSON object keyed by fixture name (or writes it to --out), then on
stderr one line per fixture whose verdict differs from the verdict build.py
predicted from the wire reference (fixture.json "expect"); exits 1 if any does.
"""

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emulator  # noqa: E402

CHILD_TIMEOUT = 120
PATH_TAIL = "/usr/local/bin:/usr/bin:/bin"

FAKE_GCLOUD = """#!/bin/sh
# Stand-in for the Google Cloud SDK's `gcloud`, written by tokentop's corpus
# oracle. It answers only what google-auth asks while resolving ADC.
printf '%s\\n' "$*" >> {log}
if [ "$#" -eq 3 ] && [ "$1" = config ] && [ "$2" = get ] && [ "$3" = project ]; then
{answer}
    exit 0
fi
echo "fake gcloud: unsupported command: $*" >&2
exit 2
"""


def sh_quote(text):
    return "'" + text.replace("'", "'\"'\"'") + "'"


def load_fixtures(homes_dir, only=None):
    fixtures = {}
    for name in sorted(os.listdir(homes_dir)):
        meta_path = os.path.join(homes_dir, name, "fixture.json")
        if not os.path.isfile(meta_path):
            continue
        if only and name not in only:
            continue
        with open(meta_path, encoding="utf-8") as f:
            fixtures[name] = json.load(f)
    return fixtures


def substitute(value, home, metadata=None):
    """A fixture env value with "$HOME..." and "$METADATA" filled in."""
    if isinstance(value, str) and value.startswith("$HOME"):
        return home + value[len("$HOME") :]
    if value == emulator.PLACEHOLDER:
        if metadata is None:
            raise ValueError("fixture wants a metadata server ($METADATA) but none is running")
        return metadata
    return value


def stage(homes_dir, name, scratch):
    """Copy a fixture's home into scratch; return the copy's absolute path."""
    home = os.path.join(scratch, "home", name)
    shutil.copytree(os.path.join(homes_dir, name), home, symlinks=True)
    return home


def fixture_env(meta, home, path, metadata=None):
    env = {"HOME": home, "PATH": path}
    for key, value in meta.get("env", {}).items():
        env[key] = substitute(value, home, metadata)
    return env


def write_fake_gcloud(bin_dir, project):
    os.makedirs(bin_dir, exist_ok=True)
    log = os.path.join(bin_dir, "gcloud-calls.log")
    answer = f"    printf '%s\\n' {sh_quote(project)}" if project else "    echo '(unset)' >&2"
    script = os.path.join(bin_dir, "gcloud")
    with open(script, "w") as f:
        f.write(FAKE_GCLOUD.format(log=sh_quote(log), answer=answer))
    os.chmod(script, 0o755)
    return log


def run_one(homes_dir, name, meta, python, metadata=None):
    with tempfile.TemporaryDirectory(prefix="corpus-oracle-") as scratch:
        home = stage(homes_dir, name, scratch)
        bin_dir = os.path.join(scratch, "bin")
        log = write_fake_gcloud(bin_dir, meta.get("gcloud", {}).get("project"))
        env = fixture_env(meta, home, bin_dir + ":" + PATH_TAIL, metadata)
        proc = subprocess.run(
            [python, "-I", os.path.abspath(__file__), "--child"],
            env=env,
            cwd=home,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
        )
        if proc.returncode != 0 or not proc.stdout.strip():
            raise RuntimeError(f"oracle child for {name} failed (exit {proc.returncode}):\n{proc.stderr}")
        verdict = json.loads(proc.stdout)
        calls = []
        if os.path.exists(log):
            with open(log) as f:
                calls = [line.rstrip("\n") for line in f]
        verdict["detail"]["gcloud_calls"] = calls
        # Paths in the detail point into the scratch copy: show them as $HOME.
        for key in ("cred_file", "message"):
            if isinstance(verdict["detail"].get(key), str):
                verdict["detail"][key] = verdict["detail"][key].replace(home, "$HOME")
        return verdict


def run_oracle(homes_dir, only=None, python=None, jobs=4, metadata=None):
    """(verdict per fixture name, fixtures run, names skipped), in name order.

    metadata: host:port of a running metadata server, or None; fixtures with
    "metadata": true are then skipped (returned in the third value).
    """
    python = python or sys.executable
    fixtures = load_fixtures(homes_dir, only)
    skipped = [name for name, meta in fixtures.items() if emulator.needs_metadata(meta) and metadata is None]
    fixtures = {name: meta for name, meta in fixtures.items() if name not in skipped}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {name: pool.submit(run_one, homes_dir, name, meta, python, metadata) for name, meta in fixtures.items()}
        return {name: futures[name].result() for name in fixtures}, fixtures, skipped


VERDICT_KEYS = ("type", "principal", "project", "quota_project", "error")


def drift(verdicts, fixtures):
    """Lines for every fixture where google-auth differs from build.py's prediction."""
    lines = []
    for name, verdict in verdicts.items():
        expect = fixtures[name].get("expect")
        if not expect:
            continue
        for key in VERDICT_KEYS:
            if verdict[key] != expect.get(key):
                lines.append(
                    f"{name}: {key}: google-auth says {json.dumps(verdict[key])}, fixture.json expects {json.dumps(expect.get(key))}"
                )
    return lines


# --- the child: runs inside the fixture's environment -----------------------------


def child():
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    detail = {}
    try:
        import google.auth

        credentials, project = google.auth.default()
    except Exception as exc:  # noqa: BLE001 - the class name is the verdict
        detail["message"] = str(exc)[:500]
        result = {"type": None, "principal": None, "project": None, "quota_project": None, "error": type(exc).__name__}
    else:
        cred_type, principal = classify(credentials, detail)
        result = {"type": cred_type, "principal": principal, "project": project, "quota_project": detail["quota_project"], "error": None}
    result["detail"] = detail
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


def classify(credentials, detail):
    """(credential file type, principal) of the credentials default() returned."""
    from google.auth import external_account, external_account_authorized_user, impersonated_credentials
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    detail["class"] = f"{type(credentials).__module__}.{type(credentials).__qualname__}"
    detail["quota_project"] = getattr(credentials, "quota_project_id", None)
    detail["cred_file"] = getattr(credentials, "_cred_file_path", None)

    if isinstance(credentials, user_credentials.Credentials):
        detail["account"] = credentials.account or None
        return "authorized_user", None
    if isinstance(credentials, service_account.Credentials):
        return "service_account", credentials.service_account_email
    if isinstance(credentials, impersonated_credentials.Credentials):
        detail["delegates"] = list(credentials._delegates or [])
        return "impersonated_service_account", credentials.service_account_email
    if isinstance(credentials, external_account.Credentials):
        detail["source"] = type(credentials).__module__.rsplit(".", 1)[-1]  # identity_pool, pluggable, aws
        detail["workforce"] = credentials.is_workforce_pool
        return "external_account", credentials.service_account_email
    if isinstance(credentials, external_account_authorized_user.Credentials):
        return "external_account_authorized_user", None
    try:
        from google.oauth2 import gdch_credentials

        if isinstance(credentials, gdch_credentials.ServiceAccountCredentials):
            return "gdch_service_account", None
    except ImportError:
        pass
    from google.auth import compute_engine

    if isinstance(credentials, compute_engine.Credentials):
        return "compute_engine", None
    return "unknown:" + detail["class"], None


# --- command line ---------------------------------------------------------------------


def parse_args(argv):
    args = {"homes": None, "out": None, "only": None, "emulator": None}
    it = iter(argv)
    for arg in it:
        if arg == "--out":
            args["out"] = next(it)
        elif arg == "--emulator":
            args["emulator"] = next(it)
        elif arg == "--only":
            args["only"] = set(next(it).split(","))
        elif arg.startswith("-"):
            raise SystemExit(__doc__)
        elif args["homes"] is None:
            args["homes"] = arg
        else:
            raise SystemExit(__doc__)
    if args["homes"] is None:
        raise SystemExit(__doc__)
    return args


def main(argv):
    if argv == ["--child"]:
        child()
        return 0
    args = parse_args(argv)
    wanted = load_fixtures(args["homes"], args["only"])
    if args["emulator"] and any(emulator.needs_metadata(m) for m in wanted.values()):
        with emulator.Emulator(os.path.abspath(args["emulator"]) if os.sep in args["emulator"] else args["emulator"]) as emu:
            verdicts, fixtures, skipped = run_oracle(args["homes"], args["only"], metadata=emu.metadata)
    else:
        verdicts, fixtures, skipped = run_oracle(args["homes"], args["only"])
    for name in skipped:
        print(f"oracle: SKIP {name}: needs a metadata server (\"metadata\": true); pass --emulator TOKENTOP_BIN", file=sys.stderr)
    text = json.dumps(verdicts, indent=2, sort_keys=True) + "\n"
    if args["out"]:
        with open(args["out"], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    lines = drift(verdicts, fixtures)
    for line in lines:
        print("oracle: DRIFT " + line, file=sys.stderr)
    print(f"oracle: {len(verdicts)} fixtures, {len(verdicts) - len({l.split(':')[0] for l in lines})} as predicted", file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
