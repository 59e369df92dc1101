#!/usr/bin/env python3
"""Databricks oracle: how databricks-sdk (Python) resolves every profile of each home.

Usage: python oracle.py HOMES_DIR [--write] [--only NAME[,NAME...]] [--out FILE] [--jobs N]

Run with the Python that has databricks-sdk (pinned in tests/reference_venv.sh).
For each HOMES_DIR/<name>/fixture.json, the home is copied to a scratch dir and
one fresh Python process (`python -I`) runs in it with an environment of only
HOME (the copy), PATH (a scratch bin dir, then /usr/bin:/bin) and the
fixture's env ("$HOME..." values get the copy's path). That process imports
databricks-sdk once, then forks once per resolution, so every resolution
starts from the same clean state with exactly that environment:

  * "default": Config() with no arguments: what the SDK picks when no profile
    is given (DATABRICKS_CONFIG_PROFILE, [__settings__] default_profile,
    [DEFAULT], or the environment alone);
  * one per profile of the file: Config(profile=NAME). The profiles are the
    file's sections as the SDK sees them: configparser.ConfigParser().read()
    of DATABRICKS_CONFIG_FILE or ~/.databrickscfg, its raw `_sections` minus
    `__settings__`, plus DEFAULT when ini.defaults() is not empty -- the same
    steps as Config._known_file_config_loader (this listing is the only part
    restated here; the SDK has no function that lists profiles).

Output: with --write, HOMES_DIR/<name>/expected.json per fixture; otherwise
the verdicts are compared with the committed expected.json files and every
difference is printed as DRIFT (exit 1). --out FILE also writes all verdicts
to one file. A verdict:

  {"config_file": "$HOME/.databrickscfg", "file_error": null | "ParsingError: ...",
   "default": {...}, "profiles": {"NAME": {...}, ...}}

and each resolution:

  requested_profile  null for "default", else NAME
  loaded_profile     the section the SDK loaded (its own log line "loading
                     NAME profile from ..."), null when it read none
  host               Config.host after the SDK's _fix_host_if_needed (https://
                     added, trailing slashes and :443 dropped); null when
                     unset or empty (`host =`: the SDK tests truthiness)
  account_id         Config.account_id, null when unset or empty
  is_account_client  Config.is_account_client (accounts.* / accounts-dod.* hosts)
  cloud              "AZURE" / "GCP" / "AWS": the first of Config.is_azure,
                     is_gcp, is_aws that is true (the DNS-zone lookup of
                     environments.get_environment_for_hostname, unless a
                     `cloud` attribute or azure_workspace_resource_id says
                     otherwise); null when there is neither a host nor an
                     Azure resource id (the SDK would say AWS by default)
  scopes             Config.scopes: _parse_scopes' sorted, de-duplicated list,
                     or null when none is configured
  requested_scopes   Config.get_scopes(): what an OAuth flow would ask for
                     (["all-apis"] when none) -- informational
  auth_type          see "auth_type" below
  auth_basis         "explicit" (auth_type came from the file or
                     DATABRICKS_AUTH_TYPE), "chain" (picked by the strategy
                     order), or null (no strategy, or the SDK failed first)
  outcome            "ready" when the strategy built its header factory with
                     no outside call; "assumes: <call>" when it stopped at the
                     first outside call (see below); null otherwise
  tried              strategies DefaultCredentials called, in order
  error              the message of the exception Config() raised (ValueError:
                     resolve/validate/auth; configparser errors as
                     "ClassName: message"), with the home's path as $HOME;
                     null when it raised nothing

auth_type. Config() runs the SDK's real resolution: _set_inner_config,
_load_from_env, _known_file_config_loader, _fix_host_if_needed,
_resolve_host_metadata, _validate, init_auth. Nothing leaves the process:

  * Before init_auth, every HTTP request (requests.Session.request) and every
    socket connect / name lookup raises an ordinary exception, so
    _resolve_host_metadata (GET {host}/.well-known/databricks-config) fails
    the way it does for an unreachable host and the SDK falls back to the
    explicit configuration, as it logs. (A reachable host could fill in
    account_id, workspace_id, discovery_url, cloud and token_audience; an
    offline tool like tokentop --no-refresh cannot know them either.)
  * From init_auth on, the first outside call -- an HTTP request, a socket,
    or a subprocess (the `databricks` or `az` CLI) -- raises a BaseException
    that none of the SDK's `except Exception` handlers catches. It ends
    DefaultCredentials' loop inside the strategy that made the call, and that
    strategy is recorded as the one picked, outcome "assumes: <call>".

  So auth_type is: the explicit auth_type when the file or the environment
  sets one (the strategy is still run, to record outcome or error); else the
  first strategy of DefaultCredentials' own list (pat, basic,
  metadata-service, oauth-m2m, env-oidc, file-oidc, github-oidc,
  azure-client-secret, github-oidc-azure, azure-cli, azure-devops-oidc,
  external-browser, databricks-cli, runtime-oauth, runtime,
  google-credentials, google-id, model-serving) that, run by the SDK with the
  fixture's attributes and environment, either returns credentials without
  any outside call, reaches one, or raises (DefaultCredentials then fails
  with "<name>: <error>" and does not try the next); null when every
  strategy declines (the SDK
  then raises "cannot configure default credentials") or when Config() failed
  before init_auth (resolve/validate errors). The `require` lists of the
  strategy decorators, the ConfigAttribute `auth` groups (_validate) and each
  strategy's own environment checks (GitHub Actions, Azure DevOps, runtime,
  model serving, OIDC token variable or file) are the SDK's code, run as is.

  The world this assumes, and where a full init_auth may differ:
  - every outside call succeeds. In reality: oauth-m2m, github-oidc,
    external-browser and env-/file-oidc fetch OIDC endpoints and raise when
    the host does not answer; metadata-service raises when its URL does not
    answer; google-id asks google-auth's ADC (here it reaches the GCE
    metadata check).
  - the `databricks` CLI is installed and signed in: a >1 MiB stub named
    `databricks` is first on PATH (the SDK skips smaller files as the legacy
    CLI) and is never run. Without the CLI, databricks-cli declines and a
    host-only profile has no strategy ("cannot configure default
    credentials"); with the CLI but no login for that host, the CLI says
    "databricks OAuth is not configured" and the strategy declines too.
  - `az` is installed and signed in, for Azure hosts: azure-cli (which comes
    before databricks-cli) first asks {host}/aad/auth for the tenant, and
    that request is the outside call recorded. Without `az`, a host-only
    Azure profile goes on to databricks-cli.
  - no GitHub Actions / Azure DevOps / Databricks runtime / model serving
    environment, unless a fixture's env sets one (none does).

Below the public API (each marked "[private]" in the code): Config
subclassed to observe init_auth and keep the instance when __init__ raises;
DefaultCredentials._auth_providers wrapped to trace which strategy runs;
Config.attributes() primed before subclassing (it caches per class);
ConfigParser._sections read to list profiles, as the SDK does.
"""

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

CHILD_TIMEOUT = 120
PATH_TAIL = "/usr/bin:/bin"
STUB_SIZE = 1024 * 1024 + 4096  # databricks-sdk skips a `databricks` under 1 MiB (legacy CLI)


# --- staging (shared with compare.py) -------------------------------------------


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


def load_expected(homes_dir, name):
    path = os.path.join(homes_dir, name, "expected.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def substitute(value, home):
    if isinstance(value, str) and value.startswith("$HOME"):
        return home + value[len("$HOME") :]
    return value


def stage(homes_dir, name, meta, scratch):
    """Copy a fixture's home into scratch (modes from fixture.json applied); its absolute path."""
    home = os.path.join(os.path.realpath(scratch), "home", name)
    shutil.copytree(os.path.join(homes_dir, name), home, symlinks=True)
    for rel in meta.get("unreadable", []):
        os.chmod(os.path.join(home, rel), 0o000)
    return home


def fixture_env(meta, home, path):
    env = {"HOME": home, "PATH": path}
    for key, value in meta.get("env", {}).items():
        env[key] = substitute(value, home)
    return env


def unprivileged(meta, argv):
    """argv, run without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH when root and the fixture has unreadable files."""
    if meta.get("unreadable") and os.geteuid() == 0 and shutil.which("setpriv"):
        drop = "-dac_override,-dac_read_search"
        return ["setpriv", "--bounding-set", drop, "--inh-caps", drop, "--"] + argv
    return argv


def dehome(value, home):
    """Replace the scratch home's path with $HOME everywhere in a JSON value."""
    if isinstance(value, str):
        return value.replace(home, "$HOME")
    if isinstance(value, list):
        return [dehome(v, home) for v in value]
    if isinstance(value, dict):
        return {k: dehome(v, home) for k, v in value.items()}
    return value


def write_stub_cli(bin_dir):
    """A `databricks` on PATH that the SDK accepts as the new CLI; the oracle never runs it."""
    os.makedirs(bin_dir, exist_ok=True)
    path = os.path.join(bin_dir, "databricks")
    head = b"#!/bin/sh\necho 'stand-in for the Databricks CLI (tokentop corpus oracle): never run' >&2\nexit 97\n"
    with open(path, "wb") as f:
        f.write(head + b"#" * (STUB_SIZE - len(head)) + b"\n")
    os.chmod(path, 0o755)


def netns(argv):
    """argv in a fresh network namespace when that is possible (root): a second guard, beside the child's own."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode == 0:
            return ["unshare", "-n", "--"] + argv
    return argv


def run_one(homes_dir, name, meta, python):
    with tempfile.TemporaryDirectory(prefix="dbcorpus-oracle-") as scratch:
        home = stage(homes_dir, name, meta, scratch)
        bin_dir = os.path.join(os.path.realpath(scratch), "bin")
        write_stub_cli(bin_dir)
        env = fixture_env(meta, home, bin_dir + ":" + PATH_TAIL)
        argv = unprivileged(meta, netns([python, "-I", os.path.abspath(__file__), "--child"]))
        proc = subprocess.run(
            argv, env=env, cwd=home, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=CHILD_TIMEOUT
        )
        if proc.returncode != 0 or not proc.stdout.strip():
            raise RuntimeError(f"oracle child for {name} failed (exit {proc.returncode}):\n{proc.stderr}")
        verdict = json.loads(proc.stdout)
        return dehome(dehome(verdict, home), os.path.realpath(home))


def run_oracle(homes_dir, only=None, python=None, jobs=2):
    python = python or sys.executable
    fixtures = load_fixtures(homes_dir, only)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {name: pool.submit(run_one, homes_dir, name, meta, python) for name, meta in fixtures.items()}
        return {name: futures[name].result() for name in fixtures}, fixtures


def drift(verdicts, homes_dir):
    """Lines for every resolution where databricks-sdk now differs from the committed expected.json."""
    lines = []
    for name, verdict in verdicts.items():
        expected = load_expected(homes_dir, name)
        if expected is None:
            lines.append(f"{name}: no expected.json (run oracle.py --write)")
            continue
        lines.extend(f"{name}: {line}" for line in diff(expected, verdict))
    return lines


def diff(old, new, where=""):
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            if key not in new:
                out.append(f"{where}{key}: gone (was {json.dumps(old[key])})")
            elif key not in old:
                out.append(f"{where}{key}: new {json.dumps(new[key])}")
            else:
                out.extend(diff(old[key], new[key], f"{where}{key}."))
        return out
    if old != new:
        return [f"{where.rstrip('.')}: expected.json has {json.dumps(old)}, databricks-sdk says {json.dumps(new)}"]
    return []


def write_expected(homes_dir, verdicts):
    changed = 0
    for name, verdict in verdicts.items():
        path = os.path.join(homes_dir, name, "expected.json")
        text = json.dumps(verdict, indent=2, sort_keys=True) + "\n"
        old = None
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(path, 0o644)
            changed += 1
    return changed


# --- the child: runs inside the fixture's environment -----------------------------


class Outside(BaseException):
    """An outside call from init_auth on: a BaseException, so no `except Exception` in the SDK stops it."""

    def __init__(self, what):
        super().__init__(what)
        self.what = what


class Unreachable(Exception):
    """An outside call before init_auth: an ordinary failure, as for a host that does not answer."""


GUARD = {"auth": False}


def outside(what):
    if GUARD["auth"]:
        raise Outside(what)
    raise Unreachable(f"oracle: no network ({what})")


def install_guards():
    import socket

    import requests

    def request(self, method, url, *args, **kwargs):
        # url None: discovery_url, which only the host's metadata would have given.
        outside(f"{str(method).upper()} {url if url is not None else '<discovery_url: unknown offline>'}")

    requests.Session.request = request
    socket.socket.connect = lambda self, address: outside(f"connect {address}")
    socket.socket.connect_ex = lambda self, address: outside(f"connect {address}")
    socket.create_connection = lambda address, *a, **k: outside(f"connect {address}")
    socket.getaddrinfo = lambda host, port, *a, **k: outside(f"resolve {host}")

    class NoPopen(subprocess.Popen):
        def __init__(self, args, *a, **k):
            argv = [args] if isinstance(args, (str, bytes)) else list(args)
            argv[0] = os.path.basename(str(argv[0]))
            # A command is always an outside call; before init_auth it is an oracle failure.
            raise Outside("runs " + " ".join(str(x) for x in argv))

    subprocess.Popen = NoPopen


def list_profiles(config_path):
    """The file's profiles as Config._known_file_config_loader sees them, or (None, error)."""
    import configparser

    if not config_path.exists():
        return [], None
    ini = configparser.ConfigParser()
    try:
        ini.read(config_path)
    except configparser.Error as e:
        return None, f"{type(e).__name__}: {e}"
    names = [s for s in ini._sections if s != "__settings__"]  # [private] the SDK reads _sections too
    if ini.defaults():
        names.insert(0, "DEFAULT")
    return names, None


def resolve(profile):
    """One Config() in this (forked) process; the resolution's verdict."""
    import logging
    import re

    from databricks.sdk.config import Config
    from databricks.sdk.credentials_provider import DefaultCredentials

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    log = logging.getLogger("databricks.sdk")
    log.handlers[:] = [Keep()]
    log.setLevel(logging.DEBUG)
    log.propagate = False

    state = {"cfg": None, "explicit": None, "reached_auth": False, "outcome": None, "tried": []}

    class Traced:
        """[private] stands in for one entry of DefaultCredentials._auth_providers, to see which runs."""

        def __init__(self, inner):
            self.inner = inner

        def auth_type(self):
            return self.inner.auth_type()

        def oauth_token(self, cfg):
            return self.inner.oauth_token(cfg)

        def __call__(self, cfg):
            state["tried"].append(self.inner.auth_type())
            return self.inner(cfg)

    # [private] Config.attributes() caches its list on the class it is called
    # on; prime Config's so the subclass inherits it instead of finding none.
    attrs = Config.attributes()

    class OracleConfig(Config):
        """[private] the SDK's Config, observed: keeps itself, and watches init_auth."""

        def __init__(self, **kwargs):
            state["cfg"] = self
            super().__init__(**kwargs)

        def init_auth(self):
            state["reached_auth"] = True
            state["explicit"] = self.auth_type
            strategy = self._credentials_strategy
            if isinstance(strategy, DefaultCredentials):
                strategy._auth_providers = [Traced(p) for p in strategy._auth_providers]
            GUARD["auth"] = True
            try:
                super().init_auth()
                state["outcome"] = "ready"
            except Outside as call:
                state["outcome"] = "assumes: " + call.what
            finally:
                GUARD["auth"] = False

    assert OracleConfig.attributes() is attrs

    error = None
    try:
        OracleConfig(**({"profile": profile} if profile is not None else {}))
    except Outside as call:
        raise SystemExit(f"oracle: outside call before init_auth ({call.what}); the oracle cannot decide this case")
    except ValueError as e:
        error = str(e)
    except Exception as e:  # noqa: BLE001 - configparser and other errors are verdicts too
        error = f"{type(e).__name__}: {e}"

    cfg = state["cfg"]
    explicit = state["explicit"] if state["reached_auth"] else cfg.auth_type
    if explicit:
        auth_type, basis = explicit, "explicit"
    elif state["outcome"] == "ready":
        auth_type, basis = cfg.auth_type, "chain"
    elif state["outcome"]:
        auth_type, basis = state["tried"][-1], "chain"
    elif error and state["tried"] and error.startswith(f"default auth: {state['tried'][-1]}: "):
        # The strategy was picked and then raised (DefaultCredentials: "<name>: <error>").
        auth_type, basis = state["tried"][-1], "chain"
    else:
        auth_type, basis = None, None

    loaded = None
    for message in records:
        m = re.match(r"loading (.+) profile from ", message)
        if m:
            loaded = m.group(1)

    cloud = None
    if cfg.host or cfg.azure_workspace_resource_id:
        cloud = next((name for name, yes in (("AZURE", cfg.is_azure), ("GCP", cfg.is_gcp), ("AWS", cfg.is_aws)) if yes), None)

    return {
        "requested_profile": profile,
        "loaded_profile": loaded,
        # An empty value (`host =`) is no value: every check in the SDK is on truthiness.
        "host": cfg.host or None,
        "account_id": cfg.account_id or None,
        "is_account_client": cfg.is_account_client,
        "cloud": cloud,
        "scopes": cfg.scopes,
        "requested_scopes": cfg.get_scopes(),
        "auth_type": auth_type,
        "auth_basis": basis,
        "outcome": state["outcome"],
        "tried": state["tried"],
        "error": error,
    }


def forked(profile):
    """resolve(profile) in a forked child: every resolution starts from the same state."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        code = 0
        try:
            text = json.dumps(resolve(profile))
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            text = json.dumps({"oracle_failure": f"{type(e).__name__}: {e}"})
            code = 1
        with os.fdopen(write_fd, "w") as f:
            f.write(text)
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        text = f.read()
    _, status = os.waitpid(pid, 0)
    result = json.loads(text) if text else {"oracle_failure": f"child exited with status {status}"}
    if "oracle_failure" in result:
        raise SystemExit(f"oracle: resolving profile {profile!r} failed: {result['oracle_failure']}")
    return result


def child():
    import logging
    import pathlib
    import warnings

    warnings.simplefilter("ignore")
    logging.getLogger().handlers[:] = []
    import databricks.sdk.config  # noqa: F401 - imported once, before forking

    install_guards()
    # Which file: DATABRICKS_CONFIG_FILE, else ~/.databrickscfg (Config.config_file
    # comes from that variable alone here: no constructor arguments).
    config_file = os.environ.get("DATABRICKS_CONFIG_FILE") or "~/.databrickscfg"
    config_path = pathlib.Path(config_file).expanduser()
    names, file_error = list_profiles(config_path)
    verdict = {
        "config_file": str(config_path),
        "file_error": file_error,
        "default": forked(None),
        "profiles": {name: forked(name) for name in names or []},
    }
    json.dump(verdict, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


# --- command line ---------------------------------------------------------------------


def parse_args(argv):
    args = {"homes": None, "out": None, "only": None, "write": False, "jobs": 2}
    it = iter(argv)
    for arg in it:
        if arg == "--out":
            args["out"] = next(it)
        elif arg == "--only":
            args["only"] = set(next(it).split(","))
        elif arg == "--write":
            args["write"] = True
        elif arg == "--jobs":
            args["jobs"] = int(next(it))
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
    homes_dir = os.path.abspath(args["homes"])
    verdicts, _ = run_oracle(homes_dir, args["only"], jobs=args["jobs"])
    if args["out"]:
        with open(args["out"], "w") as f:
            json.dump(verdicts, f, indent=2, sort_keys=True)
            f.write("\n")
    if args["write"]:
        changed = write_expected(homes_dir, verdicts)
        print(f"oracle: {len(verdicts)} fixtures, {changed} expected.json written", file=sys.stderr)
        return 0
    lines = drift(verdicts, homes_dir)
    for line in lines:
        print("oracle: DRIFT " + line, file=sys.stderr)
    print(f"oracle: {len(verdicts)} fixtures, {len(lines)} drift line(s) from the committed expected.json", file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
