#!/usr/bin/env python3
"""Compare tokentop's view of every corpus home with google-auth's.

Usage: python compare.py HOMES_DIR TOKENTOP_BIN [--only NAME[,NAME...]] [--oracle-out FILE] [--emulator BIN]
       python compare.py HOMES_DIR --oracle-only [--only ...] [--oracle-out FILE] [--emulator TOKENTOP_BIN]

Run with the Python that has google-auth (run.sh does). First runs the oracle
(oracle.py: google.auth.default() per home, fake gcloud on its PATH). Then for
each home runs `TOKENTOP_BIN list --json --no-refresh` on a scratch copy of
the home, with an environment of only HOME, XDG_CONFIG_HOME=$HOME/.config,
PATH (system dirs; no gcloud: tokentop must read gcloud's files itself) and
the fixture's env. For a fixture with "locked_db", a sqlite3 connection holds
that gcloud db with BEGIN EXCLUSIVE while tokentop runs.

Metadata server. When a selected fixture has "metadata": true, `BIN emulator`
(BIN = --emulator, else TOKENTOP_BIN) is started once for the run (see
emulator.py) and its metadata host:port replaces "$METADATA" in the env of
both google-auth and tokentop. In --oracle-only mode without --emulator such
fixtures are skipped with a SKIP line.

tokentop's output contract (the parts checked here):
  {"credentials": [{"id", "principal", "source", "credential_type",
     "active_adc", "shadowed_by", "project", "quota_project", "gcloud_account",
     "gcloud_configurations", "gcloud_active", "tokens": [...]}, ...],
   "source_errors": [str], "skipped": [str]}

Rules:
  * google-auth returned credentials: exactly one credential has
    active_adc true, and of that credential
      - credential_type is the oracle's type;
      - principal is the oracle's principal when the oracle has one; for
        authorized_user it is the file's `account` (detail.account), or ""
        when the file has none (unknown until a token exists);
      - project equals the oracle's project exactly, null included;
      - quota_project equals the oracle's quota_project
        (credentials.quota_project_id) exactly, null included.
  * google-auth raised: no credential has active_adc true; for a broken file
    (fixture "broken_file") some source_errors entry names that path.
  * gcloud: every account in fixture gcloud.accounts is a credential's
    gcloud_account; credentials with gcloud_active true are exactly those
    whose gcloud_account is gcloud.active_account.
  * "secrets_never_shown": none of these strings appears anywhere in
    tokentop's stdout or stderr.
  * "broken_db" (not SQLite): some source_errors entry names it.
  * "locked_db": some source_errors entry names it, or tokentop shows a
    cached token from it (it read it anyway, e.g. from a copy).
A path is "named" when an entry contains it absolute, or as ~/... or $HOME/...

Every disagreement prints "DISAGREE <fixture> <field>: tokentop=... <by>=..." where
<by> is google-auth (the oracle), gcloud (fixture.json's stand-in for gcloud)
or fixture (what the fixture was built to contain),
and the run ends with "corpus: N fixtures, M agree"; exit 1 unless all agree.
A fixture whose google-auth verdict differs from the one build.py predicted
(fixture.json "expect") is reported as DRIFT and also fails the run.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emulator  # noqa: E402
import oracle  # noqa: E402

TOKENTOP_TIMEOUT = 60
TOKENTOP_PATH = "/usr/local/bin:/usr/bin:/bin"


def show(value):
    return json.dumps(value)


def gcloud_dir(env, home):
    return env.get("CLOUDSDK_CONFIG") or os.path.join(home, ".config", "gcloud")


def names_path(entry, path, home):
    if not isinstance(entry, str):
        return False
    forms = {path}
    rel = os.path.relpath(path, home)
    if not rel.startswith(".."):
        forms |= {"~/" + rel, "$HOME/" + rel}
    return any(form in entry for form in forms)


def run_tokentop(binary, homes_dir, name, meta, metadata=None):
    """(parsed output or None, problem text, home path, env, raw stdout+stderr) for one fixture."""
    scratch = tempfile.mkdtemp(prefix="corpus-tokentop-")
    try:
        scratch = os.path.realpath(scratch)
        home = oracle.stage(homes_dir, name, scratch)
        env = oracle.fixture_env(meta, home, TOKENTOP_PATH, metadata)
        env["XDG_CONFIG_HOME"] = os.path.join(home, ".config")
        lock = None
        if meta.get("locked_db"):
            lock = sqlite3.connect(os.path.join(gcloud_dir(env, home), meta["locked_db"]), isolation_level=None, timeout=0)
            lock.execute("BEGIN EXCLUSIVE")
        try:
            proc = subprocess.run(
                [binary, "list", "--json", "--no-refresh"],
                env=env,
                cwd=home,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=TOKENTOP_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return None, f"no answer within {TOKENTOP_TIMEOUT}s", home, env, ""
        finally:
            if lock is not None:
                lock.execute("ROLLBACK")
                lock.close()
        raw = proc.stdout + proc.stderr
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            return None, f"exit {proc.returncode}, stdout is not JSON; stderr: {proc.stderr.strip()[-400:]}", home, env, raw
        if not isinstance(out, dict) or not isinstance(out.get("credentials"), list) or not isinstance(out.get("source_errors"), list):
            return None, "JSON lacks a credentials list or a source_errors list", home, env, raw
        bad = [c for c in out["credentials"] if not isinstance(c, dict)]
        if bad:
            return None, "a credentials entry is not an object", home, env, raw
        return out, None, home, env, raw
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check(name, meta, verdict, out, home, env, raw=""):
    """Disagreement lines (fixture, field, tokentop value, google-auth value)."""
    bad = []
    creds = out["credentials"]
    errors = out["source_errors"]

    def disagree(field, ours, theirs, by="google-auth"):
        bad.append((field, ours, theirs, by))

    for secret in meta.get("secrets_never_shown", []):
        if secret in raw:
            where = [c.get("id") for c in creds if secret in json.dumps(c, ensure_ascii=False)]
            disagree("secrets_never_shown", f"{secret!r} appears in the output" + (f" (in {where})" if where else ""), "never shown", "fixture")

    active = [c for c in creds if c.get("active_adc") is True]
    if verdict["error"] is None:
        if len(active) != 1:
            disagree("active_adc", f"{len(active)} credentials active", "1 credential active")
        else:
            a = active[0]
            if a.get("credential_type") != verdict["type"]:
                disagree("credential_type", a.get("credential_type"), verdict["type"])
            if verdict["principal"] is not None and a.get("principal") != verdict["principal"]:
                disagree("principal", a.get("principal"), verdict["principal"])
            if verdict["type"] == "authorized_user":
                # The file's `account`, else "" (unknown until a token exists).
                account = verdict["detail"].get("account") or ""
                if a.get("principal") != account:
                    disagree("principal", a.get("principal"), account)
            if a.get("project") != verdict["project"]:
                disagree("project", a.get("project"), verdict["project"])
            quota = verdict["quota_project"]
            if a.get("quota_project") != quota:
                disagree("quota_project", a.get("quota_project"), quota)
    else:
        if active:
            disagree("active_adc", [c.get("id") for c in active], f"no credential ({verdict['error']})")
        if meta.get("broken_file"):
            path = oracle.substitute(meta["broken_file"], home)
            if not any(names_path(e, path, home) for e in errors):
                disagree("source_errors", errors, f"an entry naming {meta['broken_file']}")

    g = meta.get("gcloud", {})
    have = {c.get("gcloud_account") for c in creds}
    for account in g.get("accounts", []):
        if account not in have:
            disagree("gcloud_account", sorted(a for a in have if a), f"a credential with gcloud_account {account}", "gcloud")
    want_active = g.get("active_account")
    for c in creds:
        is_active = c.get("gcloud_active") is True
        should = want_active is not None and c.get("gcloud_account") == want_active
        if is_active != should:
            disagree(
                "gcloud_active",
                f"{c.get('id')} (gcloud_account {c.get('gcloud_account')}) gcloud_active={show(c.get('gcloud_active'))}",
                f"gcloud_active={show(should)} (active account {want_active})",
                "gcloud",
            )

    if meta.get("broken_db"):
        path = oracle.substitute(meta["broken_db"], home)
        if not any(names_path(e, path, home) for e in errors):
            disagree("source_errors", errors, f"an entry naming {meta['broken_db']} (not SQLite)", "fixture")
    if meta.get("locked_db"):
        path = os.path.join(gcloud_dir(env, home), meta["locked_db"])
        if not any(names_path(e, path, home) for e in errors) and not read_anyway(meta, creds):
            disagree("source_errors", errors, f"an entry naming $HOME/{os.path.relpath(path, home)} (locked), or its tokens shown", "fixture")
    return bad


def read_anyway(meta, creds):
    """True if tokentop shows a token that only the locked db could hold."""
    if meta["locked_db"] == "credentials.db":
        return True  # the gcloud_account rule already demands its accounts
    for cached in meta.get("cached_tokens", []):
        day = cached["token_expiry"][:10]
        for c in creds:
            if cached["account_id"] not in (c.get("gcloud_account"), c.get("principal")):
                continue
            for tok in c.get("tokens") or []:
                if isinstance(tok, dict) and isinstance(tok.get("expires_at"), str) and tok["expires_at"].startswith(day):
                    return True
    return False


def print_table(verdicts):
    rows = [("fixture", *oracle.VERDICT_KEYS)]
    for name, v in verdicts.items():
        rows.append((name, *(str(v[k]) if v[k] is not None else "-" for k in oracle.VERDICT_KEYS)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


def parse_args(argv):
    args = {"homes": None, "bin": None, "oracle_only": False, "only": None, "oracle_out": None, "emulator": None}
    it = iter(argv)
    positional = []
    for arg in it:
        if arg == "--oracle-only":
            args["oracle_only"] = True
        elif arg == "--only":
            args["only"] = set(next(it).split(","))
        elif arg == "--oracle-out":
            args["oracle_out"] = next(it)
        elif arg == "--emulator":
            args["emulator"] = next(it)
        elif arg.startswith("-"):
            raise SystemExit(__doc__)
        else:
            positional.append(arg)
    if args["oracle_only"] and len(positional) == 1:
        args["homes"] = positional[0]
    elif not args["oracle_only"] and len(positional) == 2:
        args["homes"], args["bin"] = positional
    else:
        raise SystemExit(__doc__)
    return args


def resolve(binary):
    if os.sep in binary:
        binary = os.path.abspath(binary)
    return binary if shutil.which(binary) is not None else None


def main(argv):
    args = parse_args(argv)
    homes_dir = os.path.abspath(args["homes"])
    wanted = oracle.load_fixtures(homes_dir, args["only"])
    if not wanted:
        print(f"compare: no fixtures in {homes_dir}", file=sys.stderr)
        return 2
    binary = None
    if not args["oracle_only"]:
        binary = resolve(args["bin"])
        if binary is None:
            print(f"compare: tokentop binary not found or not executable: {args['bin']}", file=sys.stderr)
            return 2
    # The metadata server: `emulator` of --emulator BIN, else of TOKENTOP_BIN.
    emu_bin = args["emulator"] or binary
    if emu_bin is not None and resolve(emu_bin) is None:
        print(f"compare: emulator binary not found or not executable: {emu_bin}", file=sys.stderr)
        return 2
    if emu_bin is not None and any(emulator.needs_metadata(m) for m in wanted.values()):
        with emulator.Emulator(resolve(emu_bin)) as emu:
            print(f"== metadata server: {emu.metadata} ({os.path.basename(emu_bin)} emulator)")
            return run(args, homes_dir, binary, emu.metadata)
    return run(args, homes_dir, binary, None)


def run(args, homes_dir, binary, metadata):
    verdicts, fixtures, skipped = oracle.run_oracle(homes_dir, args["only"], metadata=metadata)
    for name in skipped:
        print(f"SKIP     {name}: needs a metadata server (\"metadata\": true); pass --emulator TOKENTOP_BIN")
    if args["oracle_out"]:
        with open(args["oracle_out"], "w") as f:
            json.dump(verdicts, f, indent=2, sort_keys=True)
            f.write("\n")
    drift = oracle.drift(verdicts, fixtures)
    for line in drift:
        print("DRIFT " + line)

    if args["oracle_only"]:
        print_table(verdicts)
        note = f", {len(skipped)} skipped (no metadata server)" if skipped else ""
        print(f"oracle: {len(verdicts)} fixtures{note}, {len(drift)} drift line(s) from fixture.json predictions")
        return 1 if drift else 0

    agree = 0
    for name, meta in fixtures.items():
        verdict = verdicts[name]
        out, problem, home, env, raw = run_tokentop(binary, homes_dir, name, meta, metadata)
        if out is None:
            print(f"DISAGREE {name} output: tokentop={problem} google-auth={show({k: verdict[k] for k in oracle.VERDICT_KEYS})}")
            continue
        bad = check(name, meta, verdict, out, home, env, raw)
        for field, ours, theirs, by in bad:
            print(f"DISAGREE {name} {field}: tokentop={show(ours)} {by}={show(theirs)}")
        if not bad:
            agree += 1
            print(f"agree    {name}")
    print(f"corpus: {len(fixtures)} fixtures, {agree} agree")
    return 0 if agree == len(fixtures) and not drift else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
