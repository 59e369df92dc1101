"""tokentop against google-auth on the emulator: for the same credential file
and the same ask, every token tokentop obtains has the scopes, audience and
lifetime of the one google-auth obtains (imported by oracle.py, which owns
check/expect).

Four routes, each with both tokens of the chain:
  impersonated_service_account  `tokentop refresh` vs load_credentials_from_file
                                (the target's token, and the source's)
  external_account              `tokentop refresh` vs identity_pool.Credentials
                                (file subject token -> STS -> impersonation:
                                the target's token, and STS's federated one)
  downscoped (CAB)              `tokentop downscope --boundary` vs
                                downscoped.Credentials (the narrowed token,
                                and the key's token it came from)
  Cloud Run ID token            `tokentop refresh` of a profile with
                                `audience` vs impersonated IDTokenCredentials
                                (the target's ID token, and the source's)

google-auth's facts come from the emulator's tokeninfo (scopes, email) and
the client's own expiry, or from an ID token's claims; tokentop's from its
--json row (tokentop never prints a token): the row's headline fields
against the token it shows, and each held token against its counterpart.
Scopes must be equal as sets, audiences equal, lifetimes (expiry minus each
client's own issue time) within EXPIRY_SLACK seconds.
"""

import datetime
import json
import os
import shutil
import subprocess
import tempfile

import requests

from google.auth import downscoped, iam, identity_pool, impersonated_credentials, jwt
import google.auth
from google.oauth2 import service_account, sts

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
USERINFO_EMAIL = "https://www.googleapis.com/auth/userinfo.email"
SCOPES = [CLOUD_PLATFORM, USERINFO_EMAIL]
TARGET_AUDIENCE = "https://my-run-service-abc.a.run.app"
# Seconds two lifetimes may differ by: both clients start their clock just
# before asking, and the emulator's expiry times are whole seconds.
EXPIRY_SLACK = 5
TOKENTOP_TIMEOUT = 30
# What is compared for every held token; the row's headline also says whose it is.
TOKEN_FACTS = ("scopes", "audience", "lifetime")
ROW_FACTS = TOKEN_FACTS + ("principal",)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def when(text):
    """An RFC 3339 time as tokentop prints it, as a naive UTC datetime."""
    t = datetime.datetime.fromisoformat(text)
    return t.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def tokentop_vs_google_auth_checks(check, expect, req, cred_dir, google_url, sts_url,
                                   iam_url, tokentop):
    def tokeninfo(token):
        r = requests.get(f"{google_url}/tokeninfo", params={"access_token": token}, timeout=10)
        expect(r.status_code == 200, f"tokeninfo {r.status_code} {r.text}")
        return r.json()

    def google_auth_access(creds, issued):
        """Facts about google-auth's refreshed access token `creds.token`."""
        expect(creds.token and creds.expiry, f"{type(creds).__name__} holds no token")
        info = tokeninfo(creds.token)
        return {
            "scopes": set(info["scope"].split()),
            "lifetime": (creds.expiry - issued).total_seconds(),
            "principal": info.get("email"),
        }

    def google_auth_id(creds, issued):
        """Facts about google-auth's ID token, from its claims."""
        claims = jwt.decode(creds.token, verify=False)
        return {
            "scopes": set(claims.get("scope", "").split()),
            "audience": claims["aud"],
            "lifetime": (creds.expiry - issued).total_seconds(),
            "principal": claims.get("email"),
        }

    def tokentop_facts(entry, what):
        """Facts from a tokentop row or one of its `tokens`."""
        expect(entry.get("issued_at") and entry.get("expires_at"),
               f"tokentop's {what} has no issued_at/expires_at: {entry}")
        return {
            "scopes": set(entry["scopes"]),
            "audience": entry["audience"],
            "lifetime": (when(entry["expires_at"]) - when(entry["issued_at"])).total_seconds(),
            "principal": entry.get("principal"),
        }

    def differences(what, theirs, ours, facts):
        """Each fact google-auth has that tokentop says otherwise, in words."""
        said = []
        for fact in facts:
            if fact not in theirs:
                continue
            a, b = theirs[fact], ours[fact]
            if fact == "lifetime":
                same = abs(a - b) <= EXPIRY_SLACK
                a, b = f"{a:.1f} s", f"{b:.1f} s"
            else:
                same = a == b
                if isinstance(a, set):
                    a, b = sorted(a), sorted(b)
            if not same:
                said.append(f"{what} {fact}: google-auth {a}, tokentop {b}")
        return said

    imp_path = os.path.join(cred_dir, "google_impersonated.json")
    ext_path = os.path.join(cred_dir, "google_external_account.json")
    sa_path = os.path.join(cred_dir, "google_sa.json")
    with open(imp_path) as f:
        imp_url = json.load(f)["service_account_impersonation_url"]
    # google-auth builds these URLs from constants, not from the files: point them here.
    iam._IAM_IDTOKEN_ENDPOINT = f"{iam_url}/v1/projects/-/serviceAccounts/{{}}:generateIdToken"

    rule = downscoped.AccessBoundaryRule(
        available_resource="//storage.googleapis.com/projects/_/buckets/example-bucket",
        available_permissions=["inRole:roles/storage.objectViewer"],
        availability_condition=downscoped.AvailabilityCondition(
            expression="resource.name.startsWith('projects/_/buckets/example-bucket/objects/a')",
            title="customer-a"))
    cab = downscoped.CredentialAccessBoundary(rules=[rule])
    home = tempfile.mkdtemp(prefix="tokentop-home.")
    boundary = os.path.join(home, "boundary.json")

    def write_home():
        """tokentop's private home: copies of the files, the boundary
        google-auth sends (its own JSON), and a profile per route."""
        files = {path: shutil.copy(path, home) for path in (imp_path, ext_path, sa_path)}
        with open(boundary, "w") as f:
            json.dump(cab.to_json(), f)
        q = json.dumps
        scopes = f"scopes = {q(SCOPES)}\n"
        profiles = (
            f'[[profile]]\nname = "impersonated"\nplatform = "gcp"\n'
            f"google_credentials = {q(files[imp_path])}\n{scopes}\n"
            f'[[profile]]\nname = "identity-pool"\nplatform = "gcp"\n'
            f"google_credentials = {q(files[ext_path])}\n{scopes}\n"
            f'[[profile]]\nname = "cloud-run"\nplatform = "cloud-run"\n'
            f"google_credentials = {q(files[imp_path])}\naudience = {q(TARGET_AUDIENCE)}\n\n"
            # The key's file names the emulator's token endpoint; its STS is
            # on the same loopback origin, so no config.toml trust is needed.
            f'[[profile]]\nname = "key"\nplatform = "gcp"\n'
            f"google_credentials = {q(files[sa_path])}\n{scopes}"
            f"[profile.endpoints]\nsts = {q(f'{sts_url}/v1/token')}\n"
        )
        os.makedirs(os.path.join(home, ".config", "tokentop"))
        with open(os.path.join(home, ".config", "tokentop", "profiles.toml"), "w") as f:
            f.write(profiles)

    def run_tokentop(*args):
        """tokentop ARGS --json in the private home (its default profiles.toml): the row."""
        env = {
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }
        proc = subprocess.run([tokentop, *args, "--json"], env=env, capture_output=True,
                              text=True, timeout=TOKENTOP_TIMEOUT, stdin=subprocess.DEVNULL)
        expect(proc.returncode == 0,
               f"tokentop {' '.join(args)}: exit {proc.returncode}: {proc.stderr.strip()}")
        row = json.loads(proc.stdout)
        expect(row["error"] is None, f"tokentop {' '.join(args)}: {row['error']}")
        return row

    def held(row, role):
        found = [t for t in row["tokens"] if t["role"] == role]
        expect(len(found) == 1, f"tokentop holds {len(found)} {role} token(s): {row['tokens']}")
        return found[0]

    # Per route: google-auth's facts by the role tokentop gives that token,
    # tokentop's row, and how they differ.
    routes = {}

    def impersonated():
        issued = utcnow()
        creds, _ = google.auth.load_credentials_from_file(imp_path, scopes=SCOPES)
        expect(isinstance(creds, impersonated_credentials.Credentials), f"{type(creds)}")
        # google-auth keeps only the target from the file's URL: point it here.
        creds._iam_endpoint_override = imp_url
        creds.refresh(req)
        theirs = {
            "access": google_auth_access(creds, issued),
            "source": google_auth_access(creds._source_credentials, issued),
        }
        return theirs, run_tokentop("refresh", "impersonated")

    def external_account():
        issued = utcnow()
        creds = identity_pool.Credentials.from_file(ext_path, scopes=SCOPES)
        creds.refresh(req)
        theirs = {
            "access": google_auth_access(creds, issued),
            # The federated token STS gave, which the target's was asked with.
            "exchanged": google_auth_access(creds._impersonated_credentials._source_credentials,
                                            issued),
        }
        return theirs, run_tokentop("refresh", "identity-pool")

    def downscoped_token():
        issued = utcnow()
        source = service_account.Credentials.from_service_account_file(sa_path, scopes=SCOPES)
        creds = downscoped.Credentials(source_credentials=source, credential_access_boundary=cab)
        # The STS URL is built from the universe domain; point it here.
        creds._sts_client = sts.Client(f"{sts_url}/v1/token")
        creds.refresh(req)
        # tokentop prints the downscoped row (key/downscoped): its own token
        # and the key's token it was made from, as its `source`.
        theirs = {
            "downscoped": google_auth_access(creds, issued),
            "source": google_auth_access(source, issued),
        }
        return theirs, run_tokentop("downscope", "key", "--boundary", boundary)

    def cloud_run_id_token():
        issued = utcnow()
        target, _ = google.auth.load_credentials_from_file(imp_path)
        creds = impersonated_credentials.IDTokenCredentials(
            target, target_audience=TARGET_AUDIENCE, include_email=True)
        creds.refresh(req)
        theirs = {
            "id": google_auth_id(creds, issued),
            "source": google_auth_access(target._source_credentials, issued),
        }
        return theirs, run_tokentop("refresh", "cloud-run")

    kinds = [
        ("impersonated_service_account", "refresh impersonated", impersonated),
        ("external_account (identity pool, file source)", "refresh identity-pool",
         external_account),
        ("downscoped (Credential Access Boundary)", "downscope key --boundary boundary.json",
         downscoped_token),
        ("Cloud Run ID token (impersonated, audience)", "refresh cloud-run",
         cloud_run_id_token),
    ]
    def compared(theirs, row):
        """Every difference between google-auth's tokens and tokentop's row, in words."""
        shown = row["token_role"]
        expect(shown in theirs, f"the row shows a {shown} token, none of {sorted(theirs)}")
        said = differences(f"row ({shown})", theirs[shown], tokentop_facts(row, "row"),
                           ROW_FACTS)
        for role, facts in theirs.items():
            said += differences(f"{role} token", facts,
                                tokentop_facts(held(row, role), f"{role} token"), TOKEN_FACTS)
        return said

    # Every route is obtained and compared before any verdict, so that a
    # failing run names every difference (one MISMATCH line each).
    try:
        write_home()
        for kind, command, obtain in kinds:
            def obtained(kind=kind, command=command, obtain=obtain):
                theirs, row = obtain()
                said = compared(theirs, row)
                for line in said:
                    print(f"MISMATCH {kind}: {line}")
                routes[kind] = (theirs, row, said)
                return f"google-auth, and `tokentop {command} --json`"

            check(f"tokentop vs google-auth, {kind}: both obtain tokens", obtained)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    for kind, _, _ in kinds:
        def agree(kind=kind):
            theirs, row, said = routes[kind]
            expect(not said, "; ".join(said))
            role = next(iter(theirs))  # the route's own token; its parent follows
            facts = theirs[role]
            what = (f"aud {facts['audience']}" if "audience" in facts
                    else f"{len(facts['scopes'])} scope(s)")
            return (f"{role} token {what}, lifetime {facts['lifetime']:.0f} s; "
                    f"its parent too; row shows {row['token_role']} of {row['principal']}")

        check(f"tokentop vs google-auth, {kind}: same scopes, audience and expiry", agree)
