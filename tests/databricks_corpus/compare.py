#!/usr/bin/env python3
"""Compare tokentop's Databricks profiles in every corpus home with databricks-sdk's.

Usage: python compare.py HOMES_DIR TOKENTOP_BIN [--only NAME[,NAME...]] [--no-oracle]
       python compare.py HOMES_DIR --oracle-only [--only NAME[,NAME...]]

The expectation per home is its committed expected.json (oracle.py --write:
databricks-sdk's resolution of the default and of every profile), or, for a
config file the SDK cannot read at all, fixture.json's hand-written "broken".
Unless --no-oracle, oracle.py first re-runs databricks-sdk (needs the venv) and
every difference from expected.json is a DRIFT line, which fails the run.
--oracle-only does only that and prints databricks-sdk's table.

For each home, `TOKENTOP_BIN list --json --no-refresh` runs on a scratch copy
with an environment of only HOME, XDG_CONFIG_HOME=$HOME/.config, PATH (system
dirs) and the fixture's env ("$HOME..." filled in); files in "unreadable" are
chmod 000, and as root tokentop then runs without CAP_DAC_OVERRIDE.

tokentop's output contract (what this script reads; every key is required):

  {"credentials": [
     {"platform": "databricks",
      "profile": "<section name>",   "DEFAULT" for [DEFAULT]; "env" (with a
                                     "source" of "environment (...)") for the
                                     environment's own configuration
      "active": true | false,        true on the profile databricks-sdk loads
                                     when no profile is given
      "host": str | null,            as the SDK normalises it (https:// added,
                                     trailing slashes and :443 dropped)
      "auth_type": str | null,       explicit auth_type, else the strategy the
                                     SDK's order picks (oracle.py); null when
                                     none applies or validation fails first
      "account_id": str | null,
      "cloud": "AWS" | "AZURE" | "GCP" | null,   null when there is no host
      "configured_scopes": [str] | null,  sorted, de-duplicated; null when the
                                     profile sets none (not [], not all-apis)
      "error": str | null,           null exactly when the SDK resolves the
                                     profile without raising
      ...}, ...non-Databricks credentials...],
   "source_errors": [str], ...}

Rules:
  * every profile in expected.json is exactly one credential with
    platform "databricks" and that profile, whose host, auth_type,
    account_id, cloud, scopes and active equal the SDK's; its error is null
    when the SDK's is, else contains the key phrase of the SDK error's kind
    (ERROR_KINDS below). A profile the SDK raises for may instead be absent,
    with a source_errors entry that names the config file, the profile and
    that key phrase.
  * no other Databricks credential, except one with "profile": null for a
    configuration made by environment variables alone (the SDK read no
    section but has a host); if listed, it is compared with the SDK's
    default resolution and must be active.
  * no source_errors entry that names the config file calls a profile the
    SDK resolves fine ("[NAME]") broken.
  * the SDK's default resolution raises while loading no profile, with a
    kind marked "report": its key phrase appears in a source_errors entry
    or a Databricks credential's error.
  * [__settings__] is neither a credential's profile nor named as
    "[__settings__]" in a source_errors entry.
  * "broken" (hand-written): the listed profiles exactly as written; each
    "named" section appears, with the file, in a source_errors entry (or the
    error of that profile's credential names the file); some error names the
    file; "not_usable" sections are never listed without an error; with
    "other_credentials", a non-Databricks credential is still listed; no
    profile is active.
  * "secrets_never_shown": none of these strings appears anywhere in
    tokentop's stdout or stderr.
A path is "named" when an entry contains it absolute, or as ~/... or $HOME/...

Every disagreement prints "DISAGREE <fixture> [<profile>] <field>: tokentop=...
<by>=..." where <by> is databricks-sdk (expected.json), by-hand (fixture.json
"broken") or fixture; then one summary line "databricks corpus: N fixtures,
M agree, D disagreements; ..."; exit 1 unless every fixture agrees and there
is no DRIFT.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

TOKENTOP_TIMEOUT = 60
TOKENTOP_PATH = "/usr/local/bin:/usr/bin:/bin"

# The fields of a Databricks credential compared with databricks-sdk's verdict.
FIELDS = ("host", "auth_type", "account_id", "cloud", "scopes")

# Error kinds: (kind, regex on databricks-sdk's message, key phrase tokentop's
# error must contain -- "{name}" filled from the regex's groups --, whether a
# default resolution that loads no profile and raises it must be reported).
# First match wins.
ERROR_KINDS = (
    ("more-than-one-method", r"more than one authorization method configured", "more than one authorization method configured", True),
    ("no-such-profile", r"has no (?P<profile>\S+) profile configured", "has no {profile} profile configured", True),
    ("reserved-section", r"__settings__ is a reserved section name", "reserved section name", True),
    ("strategy-failed", r"^default auth: (?P<strategy>[a-z0-9-]+): ", "{strategy}", True),
    ("no-credentials", r"cannot configure default credentials", "cannot configure default credentials", False),
    ("unparsable-file", r"^(ParsingError|DuplicateSectionError|DuplicateOptionError|MissingSectionHeaderError)\b", None, False),
)

MISSING = "<no such key>"


def error_kind(message):
    """(kind, key phrase or None, report) of a databricks-sdk error message."""
    for kind, pattern, phrase, report in ERROR_KINDS:
        m = re.search(pattern, message)
        if m:
            return kind, phrase.format(**m.groupdict()) if phrase else None, report
    return "other", None, True


def show(value):
    return json.dumps(value)


def names_path(entry, path, home):
    if not isinstance(entry, str):
        return False
    forms = {path}
    rel = os.path.relpath(path, home)
    if not rel.startswith(".."):
        forms |= {"~/" + rel, "$HOME/" + rel}
    return any(form in entry for form in forms)


def run_tokentop(binary, homes_dir, name, meta):
    """(parsed output or None, problem text, home path, raw stdout+stderr) for one fixture."""
    scratch = tempfile.mkdtemp(prefix="dbcorpus-tokentop-")
    try:
        home = oracle.stage(homes_dir, name, meta, scratch)
        env = oracle.fixture_env(meta, home, TOKENTOP_PATH)
        env["XDG_CONFIG_HOME"] = os.path.join(home, ".config")
        argv = oracle.unprivileged(meta, [binary, "list", "--json", "--no-refresh"])
        try:
            proc = subprocess.run(
                argv, env=env, cwd=home, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TOKENTOP_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            return None, f"no answer within {TOKENTOP_TIMEOUT}s", home, ""
        raw = proc.stdout + proc.stderr
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            return None, f"exit {proc.returncode}, stdout is not JSON; stderr: {proc.stderr.strip()[-400:]}", home, raw
        if not isinstance(out, dict) or not isinstance(out.get("credentials"), list) or not isinstance(out.get("source_errors"), list):
            return None, "JSON lacks a credentials list or a source_errors list", home, raw
        if any(not isinstance(c, dict) for c in out["credentials"]):
            return None, "a credentials entry is not an object", home, raw
        return out, None, home, raw
    finally:
        for dirpath, dirnames, filenames in os.walk(scratch):
            for n in dirnames + filenames:
                p = os.path.join(dirpath, n)
                if not os.path.islink(p):
                    os.chmod(p, 0o700)
        shutil.rmtree(scratch, ignore_errors=True)


class Check:
    def __init__(self, home):
        self.home = home
        self.lines = []
        self.missing_fields = set()

    def disagree(self, profile, field, ours, theirs, by="databricks-sdk"):
        where = f"[{profile}] " if profile is not None else ""
        # The scratch copy's path, as $HOME: the same on every run.
        ours = oracle.dehome(ours, self.home)
        self.lines.append(f"{where}{field}: tokentop={show(ours)} {by}={show(theirs)}")

    def field(self, entry, key):
        # tokentop's `scopes` are its token's; what the profile configures
        # is `configured_scopes`.
        key = {"scopes": "configured_scopes"}.get(key, key)
        if key not in entry:
            self.missing_fields.add(key)
            return MISSING
        return entry[key]


def compare_entry(chk, entry, profile, want, by, want_active):
    """One Databricks credential against one resolution (databricks-sdk's or by hand)."""
    for key in FIELDS:
        ours = chk.field(entry, key)
        if ours != want[key]:
            chk.disagree(profile, key, ours, want[key], by)
    active = chk.field(entry, "active")
    if want_active is not None and active != want_active:
        chk.disagree(profile, "active", active, want_active, by)
    error = chk.field(entry, "error")
    if want["error"] is None:
        if error is not None:
            chk.disagree(profile, "error", error, None, by)
    else:
        kind, phrase, _ = error_kind(want["error"])
        if not isinstance(error, str) or (phrase and phrase not in error):
            chk.disagree(profile, "error", error, f"an error containing {phrase!r} ({kind})" if phrase else f"an error ({kind})", by)


def check(name, meta, expected, out, home, raw):
    chk = Check(home)
    creds = out["credentials"]
    errors = out["source_errors"]
    dbx = [c for c in creds if c.get("platform") == "databricks"]

    # [__settings__] holds the CLI's settings: never a profile, never a broken one.
    for e in errors:
        if isinstance(e, str) and "[__settings__]" in e:
            chk.disagree("__settings__", "source_errors", e, "no entry: __settings__ is not a profile", "fixture")
    for c in dbx:
        if c.get("profile") == "__settings__":
            chk.disagree("__settings__", "profile", "__settings__", "not listed: __settings__ is not a profile", "fixture")

    for secret in meta.get("secrets_never_shown", []):
        if secret in raw:
            where = [c.get("profile") for c in creds if secret in json.dumps(c, ensure_ascii=False)]
            chk.disagree(None, "secrets_never_shown", f"{secret[:12]}... appears in the output" + (f" (in {where})" if where else ""), "never shown", "fixture")

    if "broken" in meta:
        check_broken(chk, meta["broken"], dbx, creds, errors, home)
        return chk

    config_file = oracle.substitute(expected["config_file"], home)
    profiles = expected["profiles"]
    default = expected["default"]
    loaded = default["loaded_profile"]

    for profile, want in profiles.items():
        entries = [c for c in dbx if c.get("profile") == profile]
        if len(entries) > 1:
            chk.disagree(profile, "credentials", f"{len(entries)} Databricks credentials", "1")
        if not entries:
            if want["error"] is not None:
                kind, phrase, _ = error_kind(want["error"])
                if any(names_path(e, config_file, home) and profile in e and (phrase is None or phrase in e) for e in errors):
                    continue
                chk.disagree(
                    profile,
                    "credentials",
                    "not listed",
                    f"listed with an error containing {phrase!r}, or a source_errors entry naming the file, the profile and that",
                )
            else:
                chk.disagree(profile, "credentials", "not listed", "a Databricks credential for this profile")
            continue
        compare_entry(chk, entries[0], profile, want, "databricks-sdk", profile == loaded)

    for c in dbx:
        profile = c.get("profile", MISSING)
        if profile in profiles or profile == "__settings__":
            continue
        # The environment's own configuration is tokentop's `env` row.
        from_env = profile == "env" and str(c.get("source", "")).startswith("environment")
        if (profile is None or from_env) and loaded is None and default["host"] is not None:
            compare_entry(chk, c, "(environment)", default, "databricks-sdk", True)
            continue
        chk.disagree(profile if isinstance(profile, str) else None, "profile", profile, f"one of {sorted(profiles)}")

    fine = [p for p, w in profiles.items() if w["error"] is None]
    for e in errors:
        if names_path(e, config_file, home):
            for p in fine:
                if f"[{p}]" in e:
                    chk.disagree(p, "source_errors", e, "no error: the profile resolves")

    if loaded is None and default["error"] is not None:
        kind, phrase, report = error_kind(default["error"])
        if report and phrase:
            texts = list(errors) + [c.get("error") for c in dbx if isinstance(c.get("error"), str)]
            if not any(phrase in t for t in texts):
                chk.disagree(None, "default", errors, f"{phrase!r} in source_errors or a credential's error ({kind}, no profile given)")
    return chk


def check_broken(chk, b, dbx, creds, errors, home):
    path = oracle.substitute(b["file"], home)
    by = "by-hand"
    for profile, want in b["profiles"].items():
        entries = [c for c in dbx if c.get("profile") == profile]
        if len(entries) != 1:
            chk.disagree(profile, "credentials", f"{len(entries)} Databricks credentials", "1 (a broken section elsewhere must not hide it)", by)
            continue
        compare_entry(chk, entries[0], profile, want, by, False)
    for profile in b["named"]:
        in_sources = any(names_path(e, path, home) and profile in e for e in errors)
        in_entry = any(c.get("profile") == profile and names_path(c.get("error"), path, home) for c in dbx)
        if not (in_sources or in_entry):
            chk.disagree(profile, "source_errors", errors, f"an error naming {b['file']} and {profile}", by)
    texts = list(errors) + [c.get("error") for c in dbx]
    if not any(names_path(t, path, home) for t in texts):
        chk.disagree(None, "source_errors", errors, f"an error naming {b['file']}", by)
    for profile in b["not_usable"]:
        for c in dbx:
            if c.get("profile") == profile and not c.get("error"):
                chk.disagree(profile, "error", c.get("error", MISSING), "an error: this section cannot be used", by)
    allowed = set(b["profiles"]) | set(b["named"]) | set(b["not_usable"])
    for c in dbx:
        if c.get("profile") not in allowed:
            chk.disagree(c.get("profile"), "profile", c.get("profile"), f"one of {sorted(allowed)}", by)
        if c.get("active") is True:
            chk.disagree(c.get("profile"), "active", True, False, by)
    if b.get("other_credentials") and not any(c.get("platform") != "databricks" for c in creds):
        chk.disagree(None, "credentials", [c.get("platform") for c in creds], "the home's Google ADC credential still listed", by)


def print_table(verdicts):
    rows = [("fixture", "profile", "host", "auth_type", "cloud", "error")]
    for name, v in verdicts.items():
        d = v["default"]
        rows.append((name, f"(default: {d['loaded_profile'] or '-'})", str(d["host"] or "-"), str(d["auth_type"] or "-"), str(d["cloud"] or "-"), error_kind(d["error"])[0] if d["error"] else "-"))
        for p, r in v["profiles"].items():
            rows.append(("", p, str(r["host"] or "-"), str(r["auth_type"] or "-"), str(r["cloud"] or "-"), error_kind(r["error"])[0] if r["error"] else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


def parse_args(argv):
    args = {"homes": None, "bin": None, "oracle_only": False, "only": None, "no_oracle": False}
    it = iter(argv)
    positional = []
    for arg in it:
        if arg == "--oracle-only":
            args["oracle_only"] = True
        elif arg == "--no-oracle":
            args["no_oracle"] = True
        elif arg == "--only":
            args["only"] = set(next(it).split(","))
        elif arg.startswith("-"):
            raise SystemExit(__doc__)
        else:
            positional.append(arg)
    if args["oracle_only"] and len(positional) == 1 and not args["no_oracle"]:
        args["homes"] = positional[0]
    elif not args["oracle_only"] and len(positional) == 2:
        args["homes"], args["bin"] = positional
    else:
        raise SystemExit(__doc__)
    return args


def main(argv):
    args = parse_args(argv)
    homes_dir = os.path.abspath(args["homes"])
    fixtures = oracle.load_fixtures(homes_dir, args["only"])
    if not fixtures:
        print(f"compare: no fixtures in {homes_dir}", file=sys.stderr)
        return 2
    binary = None
    if not args["oracle_only"]:
        binary = os.path.abspath(args["bin"]) if os.sep in args["bin"] else shutil.which(args["bin"])
        if not binary or not os.access(binary, os.X_OK):
            print(f"compare: tokentop binary not found or not executable: {args['bin']}", file=sys.stderr)
            return 2

    drift = []
    if not args["no_oracle"]:
        verdicts, _ = oracle.run_oracle(homes_dir, args["only"])
        drift = oracle.drift(verdicts, homes_dir)
        for line in drift:
            print("DRIFT " + line)
        if args["oracle_only"]:
            print_table(verdicts)
            print(f"oracle: {len(verdicts)} fixtures, {len(drift)} drift line(s) from the committed expected.json")
            return 1 if drift else 0

    agree = total = 0
    missing = set()
    for name, meta in fixtures.items():
        expected = oracle.load_expected(homes_dir, name)
        if expected is None and "broken" not in meta:
            print(f"DISAGREE {name} expected.json: missing (run oracle.py --write)")
            total += 1
            continue
        out, problem, home, raw = run_tokentop(binary, homes_dir, name, meta)
        if out is None:
            print(f"DISAGREE {name} output: tokentop={problem}")
            total += 1
            continue
        chk = check(name, meta, expected, out, home, raw)
        missing |= chk.missing_fields
        for line in chk.lines:
            print(f"DISAGREE {name} {line}")
        total += len(chk.lines)
        if not chk.lines:
            agree += 1
            print(f"agree    {name}")
    never = f"; keys tokentop's Databricks credentials lack: {', '.join(sorted(missing))}" if missing else ""
    print(f"databricks corpus: {len(fixtures)} fixtures, {agree} agree, {total} disagreement(s), {len(drift)} drift{never}")
    return 0 if agree == len(fixtures) and not drift else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
