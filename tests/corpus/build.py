#!/usr/bin/env python3
"""Generate tokentop's fidelity corpus: home directories with Google credentials.

Usage: python3 build.py [HOMES_DIR]     (default: homes/ beside this file)

Every fixture is a home directory laid out the way an engineer's machine has
it (~/.config/gcloud with configurations, credentials.db, access_tokens.db,
legacy_credentials, the ADC file, key files elsewhere in the home), plus a
fixture.json in the home's root that tells the runners:

  env          extra environment variables; "$HOME" at the start of a value
               is replaced by the home's absolute path
  description  what the home is and what it covers
  gcloud       what real gcloud would report in this home (we built it, so we
               know): active_config, active_account, project, accounts,
               configurations
  metadata     optional, true: a metadata server answers; env then has
               GCE_METADATA_HOST / GCE_METADATA_IP = "$METADATA", which the
               runners replace with `tokentop emulator`'s host:port
  secrets_never_shown  optional: strings in the home's files that tokentop
               must never print (compare.py checks its whole output)
  locked_db    optional: the gcloud db the runner keeps EXCLUSIVE-locked
  broken_file  optional: the file google-auth fails on ($HOME-relative)
  broken_db    optional: a gcloud db that is not readable at all
  cached_tokens  what access_tokens.db holds (account, expiry, id_token?)
  expect       the ADC verdict (type, principal, project, quota_project,
               error) predicted from the wire reference (wire.md §1.1-1.4);
               oracle.py checks google-auth against it

Only the Python standard library is needed: the RSA test keys were made once
with `cryptography` and are pasted below. Output is deterministic: files are
rewritten only when their content changes (SQLite files are compared by their
SQL dump, so another SQLite version does not dirty the tree), and files that
no fixture produces any more are deleted.
"""

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile

# --- fixed material ---------------------------------------------------------

# TEST-ONLY RSA-2048 PKCS#8 keys, generated once for this corpus; they sign
# nothing real and are not registered with any Google project.
KEY_CI_DEPLOYER = """-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCeCDWMH54KZMoY
CBrGac6Nd5JnjBZcFxbCnkZCJf8wucfYEz1X0qUEKTaUK7ovv4Z5IkH4KFl7CrT5
OqToEzWESZW2mNx9wEEy1PNuUXrG6kdGkJ6gjEYqVhD2dj7CXV+eQDG+Akhr8U2W
syVBi7IwpfPB+gOrpGmXkHaTw3djYZ6XK0d79cmEWn08W7/qrDG0qpTvDuYeNqSl
r57PlbiSzyzqXPSfyCSMSxDBjbH3CU8+BCPYAUpOBWw5ZGL5oH5oH4uI/bfZWP+m
HMgSJq4GvnCglOE7CnwUsxfPdsLmJriZj7U1er45o/Ex+x/AoToJRH6F0iSnMsBj
Jug1r2wzAgMBAAECggEAMH/SdzOI3CW8hA2Qsg3szyvAKbkrb43CdW3/n/NrUvfh
JiYZcGd8Lz+6uVSGKns7+NcTqeYwN/u8OLTPwU2L4hJ3OPfGy20CVWhXYSbuaDek
MjrWA+2o5vtM72awshPX8Yg/+9FVipMevb4zE9+ciyOTIJfrInUt1s8GJSka7cuf
WtppnjTNyXWKyqc/94Vopac1Qk2oWTQ+GiafYyo9BylyXXKkhPNk1m7uRQGrKQMh
3SkTCtPF0CiNyKqh+FwbT5e8ppKJdqwQP6aE5lJqCYKk73BJIo9y31ElMZbGpO8T
9MQnacfOOvpsYGsgfW8gck5Pv5ZwdI/DPqYxQhYqYQKBgQDK2s1QxBN/s8t0M3ql
ICRWyP6YiCoqY4Os6CRh2zaxgPTvOpEMm8UkXDkzf0SiazBwCry0E5ShqSYwKLRD
96BnyBx16ZGE1ITctwChXvB5r82SSD0n8bQKpJyq4zczJBZYOPPWR92aBme3iN8Q
0I5l5Ymqc1D17OTbn9ditU3cowKBgQDHbzZcVNqji1oYkryXtR4E292Jmc6Qv5EB
W5rSuoofWY52xgUHxwUT/rAQwe+oEiz3yYjuyDhDBhwjpmCwlDt7WKHggSci4II7
c7OOt0sf9oEVthHJ0nzz6puhkdDMfMndQS6MB+7HepFfIlNTKnmSQOSWrFv9kmYh
XmwY46EbMQKBgQC64hMPGmUAXErO1fJimBcCYQ+0xJVcEewoaoHCKWvc4fpFP0aM
QCHCWrhUCibYHzozrqCkoflnaecFrSpOB58enYwi0TjAD+4LTQlmoYmYAe+4mZbF
6vY8a+TtxoB/O/rd8jIqMnEkykvZGV6wJgNaOrq2bqCiwEkjUMHkbTW7UwKBgQCH
tllCqYeC5RAxSqFFhz1fRxLRUTXs8D9HskOABOp6/OFiV8wSh88f1R+Qt7hTIdMx
5xXkj6EhkuXRKKYBY0262QyHDrxIEojs1gYpJvfbT052LMicEz1uaobvgp+Yl45y
nqmDJt7JJdII7/3NyUijSr+C/NU4j8gqCuv6X+RA8QKBgAhkzQSw11ydXtjJEqqD
xa91kzQ3ju6JQ2X44+JKIl2G0myiUuMmAOhSHgF+bD4Yz6f8FTmrxVMrs4E326SA
RATBibW/IcMrxRbW0Z3QVVk8SXPWoCaIuVIji4zCJAvi/m2UHiwO9iwHTCn2nBIo
oVGl57+vJELYPhWHw39Ctb8d
-----END PRIVATE KEY-----
"""

KEY_ETL_RUNNER = """-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCoj6RbmIgQLGwA
SRJ2KTmIuosmvU4EMlCX19pqrcjA6CSX5L8Bs0mFsSl9yj1HB8cQtRJoRrlXEIVw
2vGnGquHswhDOoyTguZVuaEOPiBcnG7x7k00hxY1W6I1h3q01bX72T1oCSVUs0bp
+EEhtdILOO6Z3nWdqwX/DUg6x4KEflNaMo/iDNqwWdmhte3PVKb6KBydlsMyXNLw
keutE2e4CW/mNSHgIF1a/Q8Uip9qYbztgObe3IujwPnBNEk0gpQfv6zkdEMWtrZf
/2hcHsnt6WassrVL2msubBrT8f9IFGdl65RQQH6fsReveqAXq7WibZ7ervlhMP9p
RF8p9GdfAgMBAAECggEAJgCojgwQFRFm0hOnaWN2+LgR+kxww+pyGCHOuQFwQumz
olkspR3+Q/mCwLzxXsvGmiIwwbi8PYBYjW6XT9Tn+kKnaLzRB8rZ0lb1FCh2lFqi
esH+vwp7u9Dqe8YNKKsMCfla6lMxiuyWXtadHJQJBIWz6ZXpj4AI7I1ajQIBD4yr
3tYxs5Ne6EWPXGZuH5Nj9E5sHeKzowzYCZXyYZfcoua9YmoMTunAu8zp8uXABj9D
HBQnCNAd3vG1DbrptxSAm1Uw/A5zUEGZOvjNYz1nQkpOwapXz6GR5rt7fMnpML5B
NPcVemnoybIa5QcvC/A7WIB/Sb8FbGGnWBYklcxkxQKBgQDUKCmJH/RCyKm8Lhhv
wGPaxj+DZgLkoiW+IcZJ+Yba99H4BTHGbbx+ij9LvrvLBeG2ywTjAzOB2bjKFl3U
Pn7lxHRC9qU28cDwabIdivH9UCft4IkfthlWN6aLsaXX4UOcZR6kUyRU6RkmEewM
8qU1gmoh+OWwrkX6gRdGeleIuwKBgQDLZRxyuqCYDMHoEis6KGIyF+us2cuUp677
9HQnQgrVu2KG7ITLthB4H5bYNSUfgDDSG4g8kQsZn8OO23sh8ZV1aLMhWJtz8wuh
V6opdIcnfw2O3wvItuIw91Y6K9z5NTiPI1fvpGlfZ5bDmqCixUKHs3yFq0Mtjzdu
dhfuBZNzrQKBgQCMQi0LkcuLZ1wHo7XWE6wwU4Zj2UoqWyR2qZ+NAmFsXBA9VznM
BHpscftcmTFQDIhnr5qAdnpT61umhtjrW5HLV3DBYIxjYbp7dnUh4N0Q6jArrJkb
FOl1PX9mtUB+E1f+ij+SxcCsPhq5N3oGKVidoqWF5iX8A4sSDMwVdQZvxwKBgQCa
HUETBapNy8zZhXrPlG3jOxDOZjDFsND8BFxGqtn+3P9o8KommQudmYH4zTwVxFI5
wbbW/agFgHLzOgbwz1bKIc0pRTR1BQIY/I3o32zRVon1abhKG5kENUVWyomjItp6
SvOEl3VoXttz1yREcWdZ33xI5F4AlXYQ8tZq+jqh+QKBgE5yooBZ5qsTDD9c+GcY
WdiT30GoKVSdkKTSoMOcOw5Ng0dLerqzJrWA4RsHWdMBr3Jknt8tl5Jtlm7eONd2
XbV+EG4kqtMZbyLqgQhHGQL0kQc3m5XtmvqBqc6v3kpPlpA/YHj3HNwdaY9NAmPk
L9LCA7+1xDUFpBQNvZIKdm/I
-----END PRIVATE KEY-----
"""

# Principals and projects of the fictional company the homes belong to.
DANA = "dana.okafor@example.com"
OPS = "ops-oncall@example.com"
CI_SA = "ci-deployer@acme-platform-dev.iam.gserviceaccount.com"
ETL_SA = "etl-runner@acme-data-prod.iam.gserviceaccount.com"
TF_SA = "terraform@acme-platform-prod.iam.gserviceaccount.com"
HOP1_SA = "hop-1@acme-platform-dev.iam.gserviceaccount.com"
HOP2_SA = "hop-2@acme-platform-prod.iam.gserviceaccount.com"
WIF_SA = "wif-reader@acme-data-prod.iam.gserviceaccount.com"

P_DEV = "acme-platform-dev"
P_PROD = "acme-platform-prod"
P_DATA = "acme-data-prod"
P_BILLING = "acme-billing"

ADC_CLIENT_ID = "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com"
GCLOUD_CLIENT_ID = "32555940559.apps.googleusercontent.com"
TOKEN_URI = "https://oauth2.googleapis.com/token"
REVOKE_URI = "https://oauth2.googleapis.com/revoke"
GCLOUD_SCOPES = [
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/appengine.admin",
    "https://www.googleapis.com/auth/sqlservice.login",
    "https://www.googleapis.com/auth/compute",
    "https://www.googleapis.com/auth/accounts.reauth",
]

WELL_KNOWN = ".config/gcloud/application_default_credentials.json"
GCLOUD_DIR = ".config/gcloud"

# Expiries as gcloud's sqlite3 adapter writes them: naive UTC text.
EXPIRED = "2024-03-05 14:22:31.123456"
EXPIRED_2 = "2023-11-20 09:01:02"
LIVE = "2099-01-01 00:00:00"
LIVE_2 = "2099-06-30 12:00:00.500000"

# Every fixture's env starts from this: a closed port for the metadata
# server, so google-auth's GCE ping fails fast and never leaves the machine.
BASE_ENV = {"GCE_METADATA_HOST": "127.0.0.1:9", "GCE_METADATA_IP": "127.0.0.1:9"}
# A fixture with a metadata server that answers (Home.metadata_server) has
# this instead; the runners put the host:port of `tokentop emulator` there.
METADATA = "$METADATA"
# What that emulator's metadata server serves (wire.md §1.4).
MDS_PROJECT = "tokentop-demo"


def filler(label, n, alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"):
    """n deterministic characters derived from label."""
    out = []
    counter = 0
    while len(out) < n:
        digest = hashlib.sha256(f"{label}/{counter}".encode()).digest()
        out.extend(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return "".join(out[:n])


def refresh_token(label):
    return "1//0g" + filler("rt/" + label, 98)


def access_token(label):
    return "ya29.a0" + filler("at/" + label, 160)


def client_secret(label):
    return "GOCSPX-" + filler("cs/" + label, 28)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def id_token(email, aud, exp, iat, label):
    """A JWT shaped like Google's id_token; the signature is filler, not RSA."""
    header = {"alg": "RS256", "kid": filler("kid/" + label, 40, "0123456789abcdef"), "typ": "JWT"}
    payload = {
        "iss": "https://accounts.google.com",
        "azp": aud,
        "aud": aud,
        "sub": filler("sub/" + email, 21, "0123456789"),
        "email": email,
        "email_verified": True,
        "at_hash": filler("ah/" + label, 22),
        "iat": iat,
        "exp": exp,
    }
    signature = hashlib.sha512(("sig/" + label).encode()).digest() * 4
    return ".".join(
        [
            b64url(json.dumps(header, separators=(",", ":")).encode()),
            b64url(json.dumps(payload, separators=(",", ":")).encode()),
            b64url(signature[:256]),
        ]
    )


def epoch(ts):
    """Seconds since the epoch of a naive-UTC 'YYYY-MM-DD HH:MM:SS[.f]' text."""
    import calendar
    import time

    return calendar.timegm(time.strptime(ts.split(".")[0], "%Y-%m-%d %H:%M:%S"))


# --- credential JSON of each type (wire.md §1.2) ------------------------------


def adc_user(label, account=None, quota_project=None, client_id=ADC_CLIENT_ID, drop=()):
    info = {
        "account": account if account is not None else "",
        "client_id": client_id,
        "client_secret": client_secret(client_id),
        "quota_project_id": quota_project,
        "refresh_token": refresh_token(label),
        "type": "authorized_user",
        "universe_domain": "googleapis.com",
    }
    if account is None:
        del info["account"]
    if quota_project is None:
        del info["quota_project_id"]
    for key in drop:
        del info[key]
    return info


def sa_key(email, key_pem, project, key_id_label):
    name = email.split("@")[0]
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": filler("kid/" + key_id_label, 40, "0123456789abcdef"),
        "private_key": key_pem,
        "client_email": email,
        "client_id": filler("cid/" + email, 21, "0123456789"),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        + name
        + "%40"
        + email.split("@")[1],
        "universe_domain": "googleapis.com",
    }


def impersonation_url(email):
    return (
        "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
        + email
        + ":generateAccessToken"
    )


WORKLOAD_AUDIENCE = (
    "//iam.googleapis.com/projects/482913305571/locations/global/"
    "workloadIdentityPools/gke-pool/providers/gke-oidc"
)
AZURE_AUDIENCE = (
    "//iam.googleapis.com/projects/482913305571/locations/global/"
    "workloadIdentityPools/azure-pool/providers/azure-ad"
)
GITHUB_AUDIENCE = (
    "//iam.googleapis.com/projects/482913305571/locations/global/"
    "workloadIdentityPools/ci-pool/providers/github-actions"
)
WORKFORCE_AUDIENCE = "//iam.googleapis.com/locations/global/workforcePools/acme-staff/providers/okta-oidc"


def external_account(audience, credential_source, subject_token_type="urn:ietf:params:oauth:token-type:jwt", **extra):
    info = {
        "type": "external_account",
        "audience": audience,
        "subject_token_type": subject_token_type,
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": credential_source,
        "universe_domain": "googleapis.com",
    }
    info.update(extra)
    return info


# --- gcloud config directory (wire.md §1.3) -----------------------------------

CRED_SCHEMA = 'CREATE TABLE IF NOT EXISTS "credentials" (account_id TEXT PRIMARY KEY, value BLOB)'
TOKENS_SCHEMA_NEW = (
    'CREATE TABLE IF NOT EXISTS "access_tokens" (account_id TEXT PRIMARY KEY, '
    "access_token TEXT, token_expiry TIMESTAMP, rapt_token TEXT, id_token TEXT, "
    "regional_access_boundary TEXT, regional_access_boundary_expiry TIMESTAMP)"
)
TOKENS_SCHEMA_OLD = (
    'CREATE TABLE IF NOT EXISTS "access_tokens" (account_id TEXT PRIMARY KEY, '
    "access_token TEXT, token_expiry TIMESTAMP, rapt_token TEXT)"
)


def gcloud_user_value(label):
    """credentials.db value of a `gcloud auth login` user (ToJsonGoogleAuth)."""
    return {
        "client_id": GCLOUD_CLIENT_ID,
        "client_secret": client_secret(GCLOUD_CLIENT_ID),
        "refresh_token": refresh_token(label),
        "revoke_uri": REVOKE_URI,
        "scopes": GCLOUD_SCOPES,
        "token_uri": TOKEN_URI,
        "type": "authorized_user",
        "universe_domain": "googleapis.com",
    }


def gcloud_sa_value(email, key_pem, project, key_id_label):
    key = sa_key(email, key_pem, project, key_id_label)
    return {k: key[k] for k in ("client_email", "client_id", "private_key", "private_key_id", "project_id", "token_uri", "type", "universe_domain")}


def ini(sections):
    lines = []
    for section, props in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{k} = {v}" for k, v in props.items())
        lines.append("")
    return "\n".join(lines)


class Home:
    def __init__(self, root, name):
        self.root = os.path.join(root, name)
        self.name = name
        os.makedirs(self.root)
        self.meta = {
            "description": "",
            "covers": [],
            "env": dict(BASE_ENV),
            "gcloud": {
                "active_config": "default",
                "active_account": None,
                "project": None,
                "accounts": [],
                "configurations": {},
            },
            "cached_tokens": [],
            "expect": None,
        }

    def path(self, rel):
        full = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return full

    def text(self, rel, content, mode=0o644):
        full = self.path(rel)
        with open(full, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
        os.chmod(full, mode)

    def bytes(self, rel, content, mode=0o600):
        full = self.path(rel)
        with open(full, "wb") as f:
            f.write(content)
        os.chmod(full, mode)

    def json(self, rel, obj, mode=0o600):
        self.text(rel, json.dumps(obj, indent=2) + "\n", mode)

    def symlink(self, rel, target):
        os.symlink(target, self.path(rel))

    def sqlite(self, rel, statements, rows=()):
        full = self.path(rel)
        conn = sqlite3.connect(full, isolation_level=None)
        for stmt in statements:
            conn.execute(stmt)
        for sql, params in rows:
            conn.execute(sql, params)
        conn.close()
        os.chmod(full, 0o600)

    # gcloud --------------------------------------------------------------

    def gcloud(
        self,
        configs,
        active="default",
        users=(),
        service_accounts=(),
        tokens=(),
        schema="new",
        legacy=True,
        root=GCLOUD_DIR,
        env_config=None,
        env_account=None,
        env_project=None,
    ):
        """Lay out a gcloud config dir and record what gcloud would report.

        configs: {name: {section: {prop: value}}}; users: [(email, label)];
        service_accounts: [(email, key_pem, project, key_label)];
        tokens: [(account_id, access_label, expiry, with_id_token, rapt)].
        env_*: CLOUDSDK_ACTIVE_CONFIG_NAME / CLOUDSDK_CORE_ACCOUNT /
        CLOUDSDK_CORE_PROJECT to set in the fixture env.
        """
        if active is not None:
            self.text(f"{root}/active_config", active)
        for name, sections in configs.items():
            self.text(f"{root}/configurations/config_{name}", ini(sections))
        self.text(f"{root}/config_sentinel", "")
        self.text(f"{root}/gce", "False")
        self.json(
            f"{root}/.last_update_check.json",
            {"last_update_check_time": 1709648551.0, "last_update_check_revision": 20240301120000, "notifications": [], "last_nag_times": {}},
            0o644,
        )

        accounts = []
        cred_rows = []
        for email, label in users:
            value = gcloud_user_value(label)
            cred_rows.append((email, value))
            accounts.append(email)
            if legacy:
                adc = {k: value[k] for k in ("client_id", "client_secret", "refresh_token", "type")}
                self.json(f"{root}/legacy_credentials/{email}/adc.json", adc)
                self.text(
                    f"{root}/legacy_credentials/{email}/.boto",
                    "[OAuth2]\nclient_id = {}\nclient_secret = {}\n\n[Credentials]\ngs_oauth2_refresh_token = {}\n".format(
                        value["client_id"], value["client_secret"], value["refresh_token"]
                    ),
                    0o600,
                )
        for email, key_pem, project, key_label in service_accounts:
            cred_rows.append((email, gcloud_sa_value(email, key_pem, project, key_label)))
            accounts.append(email)
            if legacy:
                self.json(f"{root}/legacy_credentials/{email}/adc.json", sa_key(email, key_pem, project, key_label))
        if cred_rows:
            self.sqlite(
                f"{root}/credentials.db",
                [CRED_SCHEMA],
                [
                    ('INSERT INTO "credentials" (account_id, value) VALUES (?, ?)', (acct, json.dumps(value, indent=2, sort_keys=True)))
                    for acct, value in cred_rows
                ],
            )
        if tokens:
            rows = []
            for account_id, label, expiry, with_id, rapt in tokens:
                tok = access_token(label)
                idt = id_token(account_id, GCLOUD_CLIENT_ID, epoch(expiry), epoch(expiry) - 3600, label) if with_id else None
                if schema == "old":
                    rows.append(
                        ('INSERT INTO "access_tokens" (account_id, access_token, token_expiry, rapt_token) VALUES (?, ?, ?, ?)', (account_id, tok, expiry, rapt))
                    )
                else:
                    rows.append(
                        (
                            'INSERT INTO "access_tokens" (account_id, access_token, token_expiry, rapt_token, id_token) VALUES (?, ?, ?, ?, ?)',
                            (account_id, tok, expiry, rapt, idt),
                        )
                    )
                self.meta["cached_tokens"].append(
                    {"account_id": account_id, "token_expiry": expiry, "expired": expiry < "2090", "has_id_token": bool(idt), "has_rapt_token": rapt is not None}
                )
            if schema == "old":
                stmts = [TOKENS_SCHEMA_OLD]
            elif schema == "upgraded":
                # A file made by an older gcloud and upgraded in place: the
                # id_token column was appended by ALTER TABLE, no regional_*.
                stmts = [TOKENS_SCHEMA_OLD, 'ALTER TABLE "access_tokens" ADD COLUMN id_token TEXT']
            else:
                stmts = [TOKENS_SCHEMA_NEW]
            self.sqlite(f"{root}/access_tokens.db", stmts, rows)

        # What gcloud would say.
        active_name = env_config or active or "default"
        props = configs.get(active_name, {}).get("core", {})
        g = self.meta["gcloud"]
        g["active_config"] = active_name
        g["active_account"] = env_account or props.get("account")
        g["project"] = env_project or props.get("project")
        g["accounts"] = sorted(accounts)
        g["configurations"] = {
            name: {"account": s.get("core", {}).get("account"), "project": s.get("core", {}).get("project")}
            | ({"impersonate_service_account": s["auth"]["impersonate_service_account"]} if "impersonate_service_account" in s.get("auth", {}) else {})
            for name, s in sorted(configs.items())
        }
        if env_config:
            self.meta["env"]["CLOUDSDK_ACTIVE_CONFIG_NAME"] = env_config
        if env_account:
            self.meta["env"]["CLOUDSDK_CORE_ACCOUNT"] = env_account
        if env_project:
            self.meta["env"]["CLOUDSDK_CORE_PROJECT"] = env_project
        if root != GCLOUD_DIR:
            self.meta["env"]["CLOUDSDK_CONFIG"] = "$HOME/" + root

    def standard_gcloud(self, project=P_DEV, **kw):
        """One user (dana) signed in, one configuration, a live cached token."""
        self.gcloud(
            {"default": {"core": {"account": DANA, "project": project}, "compute": {"region": "europe-west1", "zone": "europe-west1-b"}}},
            users=[(DANA, "dana-gcloud")],
            tokens=[(DANA, "dana-gcloud", LIVE, True, None)],
            **kw,
        )

    def metadata_server(self):
        """A metadata server answers in this home (the runners start one)."""
        self.meta["metadata"] = True
        self.meta["env"]["GCE_METADATA_HOST"] = METADATA
        self.meta["env"]["GCE_METADATA_IP"] = METADATA

    def finish(self, description, covers, expect, quota=None, **extra):
        """expect: (type, principal, project, error); quota: the quota project."""
        self.meta["description"] = description
        self.meta["covers"] = covers
        t, principal, project, error = expect
        self.meta["expect"] = {"type": t, "principal": principal, "project": project, "quota_project": quota, "error": error}
        self.meta.update(extra)
        self.json("fixture.json", self.meta, 0o644)


# --- the fixtures ---------------------------------------------------------------

FIXTURES = []


def fixture(fn):
    FIXTURES.append(fn)
    return fn


AU, SA, IMP, EXT, EAU = (
    "authorized_user",
    "service_account",
    "impersonated_service_account",
    "external_account",
    "external_account_authorized_user",
)
CE = "compute_engine"
DCE = "DefaultCredentialsError"


@fixture
def adc_user_minimal(h):
    h.json(WELL_KNOWN, adc_user("dana-adc"))
    h.standard_gcloud()
    # gcloud caches tokens minted for the email-less ADC user under the
    # SHA-256 of its refresh token.
    adc_key = hashlib.sha256(refresh_token("dana-adc").encode()).hexdigest()
    conn = sqlite3.connect(h.path(f"{GCLOUD_DIR}/access_tokens.db"), isolation_level=None)
    conn.execute(
        'INSERT INTO "access_tokens" (account_id, access_token, token_expiry, rapt_token, id_token) VALUES (?, ?, ?, NULL, NULL)',
        (adc_key, access_token("dana-adc"), EXPIRED),
    )
    conn.close()
    h.meta["cached_tokens"].append({"account_id": adc_key, "token_expiry": EXPIRED, "expired": True, "has_id_token": False, "has_rapt_token": False})
    h.finish(
        "`gcloud auth application-default login` with the gcloud ADC client: no account, no quota project. "
        "gcloud signed in as dana with a live token; an expired token for the ADC user is cached under sha256(refresh_token).",
        ["adc:authorized_user", "adc:no-account", "adc:no-quota-project", "gcloud:new-schema", "token:live", "token:expired", "token:sha256-key"],
        (AU, None, P_DEV, None),
    )


@fixture
def adc_user_account_quota(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA, quota_project=P_BILLING))
    h.standard_gcloud(project=P_DATA)
    h.finish(
        "ADC user file with `account` and `quota_project_id`; the project google-auth returns is gcloud's core/project, not the quota project.",
        ["adc:authorized_user", "adc:account", "adc:quota-project", "project:gcloud"],
        (AU, None, P_DATA, None),
        quota=P_BILLING,
    )


@fixture
def adc_user_no_gcloud_config(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.finish(
        "Only the ADC file in ~/.config/gcloud: no configurations, no credentials.db. gcloud has no project, so neither does ADC.",
        ["adc:authorized_user", "project:none"],
        (AU, None, None, None),
    )


@fixture
def adc_service_account_well_known(h):
    h.json(WELL_KNOWN, sa_key(ETL_SA, KEY_ETL_RUNNER, P_DATA, "etl-1"))
    h.standard_gcloud(project=P_DEV)
    h.finish(
        "A service-account key copied to the well-known ADC path. Its project_id wins over gcloud's project (gcloud is not asked).",
        ["adc:service_account", "project:file-over-gcloud"],
        (SA, ETL_SA, P_DATA, None),
    )


@fixture
def gac_service_account(h):
    h.json("keys/etl-runner.json", sa_key(ETL_SA, KEY_ETL_RUNNER, P_DATA, "etl-1"))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/keys/etl-runner.json"
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS names a service-account key in ~/keys; no well-known ADC file.",
        ["adc:service_account", "env:GOOGLE_APPLICATION_CREDENTIALS"],
        (SA, ETL_SA, P_DATA, None),
    )


@fixture
def gac_shadows_well_known(h):
    h.json("keys/etl-runner.json", sa_key(ETL_SA, KEY_ETL_RUNNER, P_DATA, "etl-1"))
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA, quota_project=P_BILLING))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/keys/etl-runner.json"
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS (service account) shadows a valid well-known user ADC file.",
        ["adc:service_account", "env:GOOGLE_APPLICATION_CREDENTIALS", "shadowing"],
        (SA, ETL_SA, P_DATA, None),
    )


@fixture
def gac_equals_well_known_path(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_PROD)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/" + WELL_KNOWN
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS spelled exactly as the well-known path: google-auth takes the gcloud flow, so the project comes from gcloud.",
        ["adc:authorized_user", "env:GOOGLE_APPLICATION_CREDENTIALS=well-known", "project:gcloud"],
        (AU, None, P_PROD, None),
    )


@fixture
def gac_symlink_to_well_known(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.symlink("creds/adc.json", "../" + WELL_KNOWN)
    h.standard_gcloud(project=P_PROD)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/creds/adc.json"
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS names a symlink to the well-known file. Same file, other spelling: google-auth compares "
        "path strings, takes the explicit flow and does not ask gcloud, so there is no project.",
        ["adc:authorized_user", "env:GOOGLE_APPLICATION_CREDENTIALS", "symlink", "project:none"],
        (AU, None, None, None),
    )


@fixture
def gac_empty_string(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = ""
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS set but empty: treated as unset, the well-known file is used.",
        ["adc:authorized_user", "env:GOOGLE_APPLICATION_CREDENTIALS-empty"],
        (AU, None, P_DEV, None),
    )


@fixture
def cloudsdk_config_elsewhere(h):
    # The default dir has a service-account ADC that must NOT be chosen.
    h.json(WELL_KNOWN, sa_key(ETL_SA, KEY_ETL_RUNNER, P_DATA, "etl-1"))
    h.text(f"{GCLOUD_DIR}/active_config", "default")
    h.text(f"{GCLOUD_DIR}/configurations/config_default", ini({"core": {"account": DANA, "project": P_DEV}}))
    alt = "work/gcloud-oncall"
    h.json(f"{alt}/application_default_credentials.json", adc_user("ops-adc", account=OPS))
    h.gcloud(
        {"default": {"core": {"account": OPS, "project": P_PROD}}},
        users=[(OPS, "ops-gcloud")],
        tokens=[(OPS, "ops-gcloud", LIVE_2, True, None)],
        root=alt,
    )
    h.finish(
        "CLOUDSDK_CONFIG points at ~/work/gcloud-oncall (an on-call profile): its ADC and configuration are the ones in force; "
        "~/.config/gcloud (service-account ADC, dana) is not consulted.",
        ["env:CLOUDSDK_CONFIG", "adc:authorized_user", "project:gcloud"],
        (AU, None, P_PROD, None),
    )


@fixture
def env_google_cloud_project(h):
    h.json(WELL_KNOWN, sa_key(ETL_SA, KEY_ETL_RUNNER, P_DATA, "etl-1"))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_CLOUD_PROJECT"] = "acme-sandbox"
    h.finish(
        "GOOGLE_CLOUD_PROJECT overrides the key file's project_id.",
        ["env:GOOGLE_CLOUD_PROJECT", "adc:service_account"],
        (SA, ETL_SA, "acme-sandbox", None),
    )


@fixture
def env_gcloud_project_legacy(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GCLOUD_PROJECT"] = "acme-legacy"
    h.finish(
        "Legacy GCLOUD_PROJECT alone overrides gcloud's project.",
        ["env:GCLOUD_PROJECT", "adc:authorized_user"],
        (AU, None, "acme-legacy", None),
    )


@fixture
def env_both_projects(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_CLOUD_PROJECT"] = "acme-sandbox"
    h.meta["env"]["GCLOUD_PROJECT"] = "acme-legacy"
    h.finish(
        "GOOGLE_CLOUD_PROJECT and GCLOUD_PROJECT both set: GOOGLE_CLOUD_PROJECT wins.",
        ["env:GOOGLE_CLOUD_PROJECT", "env:GCLOUD_PROJECT"],
        (AU, None, "acme-sandbox", None),
    )


@fixture
def env_empty_google_cloud_project(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_CLOUD_PROJECT"] = ""
    h.meta["env"]["GCLOUD_PROJECT"] = "acme-legacy"
    h.finish(
        "GOOGLE_CLOUD_PROJECT set to the empty string hides GCLOUD_PROJECT (os.environ.get with a default) and is itself "
        "ignored as falsy, so the project comes from gcloud.",
        ["env:GOOGLE_CLOUD_PROJECT-empty", "env:GCLOUD_PROJECT", "project:gcloud"],
        (AU, None, P_DEV, None),
    )


@fixture
def env_quota_project(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_CLOUD_QUOTA_PROJECT"] = P_BILLING
    h.finish(
        "GOOGLE_CLOUD_QUOTA_PROJECT sets the billing project only; the ADC project is still gcloud's.",
        ["env:GOOGLE_CLOUD_QUOTA_PROJECT", "adc:authorized_user"],
        (AU, None, P_DEV, None),
        quota=P_BILLING,
    )


@fixture
def impersonated_user_source(h):
    h.json(
        WELL_KNOWN,
        {
            "delegates": [],
            "quota_project_id": P_BILLING,
            "service_account_impersonation_url": impersonation_url(TF_SA),
            "source_credentials": adc_user("dana-adc"),
            "type": "impersonated_service_account",
        },
    )
    h.standard_gcloud(project=P_PROD)
    h.finish(
        "`gcloud auth application-default login --impersonate-service-account terraform@...`: impersonated_service_account with "
        "an authorized_user source and no delegates, in the well-known file (project from gcloud).",
        ["adc:impersonated_service_account", "source:authorized_user", "project:gcloud"],
        (IMP, TF_SA, P_PROD, None),
        quota=P_BILLING,
    )


@fixture
def impersonated_sa_source_delegates(h):
    h.json(
        "keys/terraform-via-ci.json",
        {
            "type": "impersonated_service_account",
            "service_account_impersonation_url": impersonation_url(TF_SA),
            "delegates": [f"projects/-/serviceAccounts/{HOP1_SA}", f"projects/-/serviceAccounts/{HOP2_SA}"],
            "source_credentials": sa_key(CI_SA, KEY_CI_DEPLOYER, P_DEV, "ci-1"),
        },
    )
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/keys/terraform-via-ci.json"
    h.finish(
        "impersonated_service_account with a service_account source and a two-hop delegate chain, via GOOGLE_APPLICATION_CREDENTIALS "
        "(explicit flow: no project).",
        ["adc:impersonated_service_account", "source:service_account", "delegates", "env:GOOGLE_APPLICATION_CREDENTIALS"],
        (IMP, TF_SA, None, None),
    )


@fixture
def external_file_source(h):
    h.json(
        "wif/gke-workload.json",
        external_account(
            WORKLOAD_AUDIENCE,
            {"file": "/var/run/secrets/tokens/gcp-ksa/token", "format": {"type": "text"}},
            token_info_url="https://sts.googleapis.com/v1/introspect",
        ),
    )
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/wif/gke-workload.json"
    h.finish(
        "Workload identity federation, identity pool with a file source (a projected Kubernetes token), no impersonation. "
        "No scopes were asked for, so no project lookup happens.",
        ["adc:external_account", "source:file", "pool:workload"],
        (EXT, None, None, None),
    )


@fixture
def external_url_impersonation(h):
    h.json(
        "wif/azure-vm.json",
        external_account(
            AZURE_AUDIENCE,
            {
                "url": "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=api://acme-gcp-wif",
                "headers": {"Metadata": "True"},
                "format": {"type": "json", "subject_token_field_name": "access_token"},
            },
            service_account_impersonation_url=impersonation_url(WIF_SA),
            service_account_impersonation={"token_lifetime_seconds": 3600},
        ),
    )
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/wif/azure-vm.json"
    h.finish(
        "Identity pool with a URL source (Azure IMDS, JSON format, headers) and service_account_impersonation_url: the principal is the impersonated SA.",
        ["adc:external_account", "source:url", "impersonation_url"],
        (EXT, WIF_SA, None, None),
    )


@fixture
def external_executable_well_known(h):
    h.json(
        WELL_KNOWN,
        external_account(
            GITHUB_AUDIENCE,
            {
                "executable": {
                    "command": "/usr/local/bin/gh-oidc-token --audience //iam.googleapis.com/projects/482913305571",
                    "timeout_millis": 30000,
                    "output_file": "/tmp/gh-oidc-token.json",
                }
            },
            subject_token_type="urn:ietf:params:oauth:token-type:id_token",
            token_info_url="https://sts.googleapis.com/v1/introspect",
        ),
    )
    h.standard_gcloud(project=P_DEV)
    h.finish(
        "Pluggable (executable) source written by `gcloud auth application-default login --cred-file`. google-auth builds it "
        "without running the command (and GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES is unset); from the well-known path, "
        "the project comes from gcloud.",
        ["adc:external_account", "source:executable", "project:gcloud"],
        (EXT, None, P_DEV, None),
    )


@fixture
def workforce_pool_user_project(h):
    h.json(
        "wif/okta-workforce.json",
        external_account(
            WORKFORCE_AUDIENCE,
            {"file": "/home/shared/okta/id_token.jwt"},
            subject_token_type="urn:ietf:params:oauth:token-type:id_token",
            workforce_pool_user_project="acme-workforce-users",
            token_info_url="https://sts.googleapis.com/v1/introspect",
        ),
    )
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/wif/okta-workforce.json"
    h.finish(
        "Workforce pool (Okta OIDC) with workforce_pool_user_project. That field is a billing project; google-auth does not "
        "return it as the project without scopes.",
        ["adc:external_account", "pool:workforce", "workforce_pool_user_project"],
        (EXT, None, None, None),
    )


@fixture
def external_authorized_user(h):
    h.json(
        WELL_KNOWN,
        {
            "type": "external_account_authorized_user",
            "audience": WORKFORCE_AUDIENCE,
            "refresh_token": filler("eau-rt", 120),
            "token_url": "https://sts.googleapis.com/v1/oauth/token",
            "token_info_url": "https://sts.googleapis.com/v1/introspect",
            "revoke_url": "https://sts.googleapis.com/v1/revoke",
            "client_id": "acme-workforce-client",
            "client_secret": filler("eau-cs", 32),
            "quota_project_id": "acme-workforce-users",
            "universe_domain": "googleapis.com",
        },
    )
    h.standard_gcloud(project=P_DEV)
    h.finish(
        "Workforce identity browser sign-in (external_account_authorized_user) in the well-known file; project from gcloud.",
        ["adc:external_account_authorized_user", "project:gcloud"],
        (EAU, None, P_DEV, None),
        quota="acme-workforce-users",
    )


TWO_CONFIGS = {
    "default": {"core": {"account": DANA, "project": P_DEV}, "compute": {"region": "europe-west1"}},
    "ci": {"core": {"account": CI_SA, "project": P_PROD}, "run": {"region": "us-central1"}},
}


def two_accounts(h, **kw):
    h.gcloud(
        TWO_CONFIGS,
        users=[(DANA, "dana-gcloud")],
        service_accounts=[(CI_SA, KEY_CI_DEPLOYER, P_DEV, "ci-1")],
        tokens=[(DANA, "dana-gcloud", LIVE, True, "rapt-" + filler("rapt", 40)), (CI_SA, "ci-gcloud", EXPIRED, False, None)],
        **kw,
    )


@fixture
def gcloud_two_accounts_active_file(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    two_accounts(h, active="ci")
    h.finish(
        "gcloud with a user and a service account, two configurations (default: dana/dev, ci: ci-deployer/prod); the active_config "
        "file selects `ci`. New schema; dana's token is live with id_token and rapt_token, ci-deployer's expired; "
        "legacy_credentials for both.",
        ["gcloud:two-accounts", "gcloud:two-configs", "gcloud:active_config-file", "gcloud:legacy_credentials", "token:live", "token:expired"],
        (AU, None, P_PROD, None),
    )


@fixture
def gcloud_active_config_env(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    two_accounts(h, active="default", env_config="ci")
    h.finish(
        "Same two accounts and configurations; active_config says `default` but CLOUDSDK_ACTIVE_CONFIG_NAME=ci wins.",
        ["gcloud:two-accounts", "env:CLOUDSDK_ACTIVE_CONFIG_NAME"],
        (AU, None, P_PROD, None),
    )


@fixture
def gcloud_core_overrides(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    two_accounts(h, active="default", env_account=CI_SA, env_project="acme-override")
    h.finish(
        "active_config is `default` (dana, dev) but CLOUDSDK_CORE_ACCOUNT and CLOUDSDK_CORE_PROJECT override account and project.",
        ["gcloud:two-accounts", "env:CLOUDSDK_CORE_ACCOUNT", "env:CLOUDSDK_CORE_PROJECT"],
        (AU, None, "acme-override", None),
    )


@fixture
def gcloud_impersonate_config(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.gcloud(
        {
            "default": {"core": {"account": DANA, "project": P_DEV}},
            "prod-admin": {"core": {"account": DANA, "project": P_PROD}, "auth": {"impersonate_service_account": TF_SA}},
        },
        active="prod-admin",
        users=[(DANA, "dana-gcloud")],
        tokens=[(DANA, "dana-gcloud", LIVE, True, None)],
    )
    h.finish(
        "Active configuration `prod-admin` sets [auth] impersonate_service_account; gcloud's account is still dana and ADC "
        "(a plain user file) is unaffected by it.",
        ["gcloud:impersonate_service_account", "gcloud:two-configs"],
        (AU, None, P_PROD, None),
    )


@fixture
def gcloud_old_schema_no_adc(h):
    h.gcloud(
        {"default": {"core": {"account": DANA, "project": P_DEV}}},
        users=[(DANA, "dana-gcloud"), (OPS, "ops-gcloud")],
        tokens=[(DANA, "dana-gcloud", EXPIRED, False, None), (OPS, "ops-gcloud", EXPIRED_2, False, None)],
        schema="old",
    )
    h.finish(
        "A long-lived gcloud install: access_tokens.db in the old schema (no id_token, no regional_* columns), both tokens expired. "
        "No ADC file at all, so google-auth finds nothing (not a broken file).",
        ["gcloud:old-schema", "token:expired", "adc:none"],
        (None, None, None, DCE),
    )


@fixture
def gcloud_upgraded_schema(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.gcloud(
        {"default": {"core": {"account": DANA, "project": P_DEV}}},
        users=[(DANA, "dana-gcloud")],
        tokens=[(DANA, "dana-gcloud", LIVE_2, True, None)],
        schema="upgraded",
    )
    h.finish(
        "access_tokens.db upgraded in place: id_token added by ALTER TABLE, no regional_* columns. Live token with id_token.",
        ["gcloud:upgraded-schema", "token:live"],
        (AU, None, P_DEV, None),
    )


@fixture
def broken_adc_invalid_json(h):
    full = json.dumps(adc_user("dana-adc", account=DANA), indent=2)
    h.text(WELL_KNOWN, full[: len(full) // 2], 0o600)  # written half-way
    h.standard_gcloud()
    h.finish(
        "The well-known ADC file is cut off half-way (invalid JSON): google-auth raises, it does not fall through to anything else.",
        ["broken:invalid-json"],
        (None, None, None, DCE),
        broken_file="$HOME/" + WELL_KNOWN,
    )


@fixture
def broken_adc_missing_field(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA, drop=("refresh_token",)))
    h.standard_gcloud()
    h.finish(
        "authorized_user ADC file without refresh_token (a required field).",
        ["broken:missing-field"],
        (None, None, None, DCE),
        broken_file="$HOME/" + WELL_KNOWN,
    )


@fixture
def broken_impersonated_no_source(h):
    h.json(
        "keys/terraform.json",
        {"type": "impersonated_service_account", "service_account_impersonation_url": impersonation_url(TF_SA), "delegates": []},
    )
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud()
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/keys/terraform.json"
    h.finish(
        "impersonated_service_account without source_credentials, via GOOGLE_APPLICATION_CREDENTIALS. google-auth fails with a "
        "bare AttributeError (not DefaultCredentialsError), and the valid well-known file is not used.",
        ["broken:missing-field", "adc:impersonated_service_account"],
        (None, None, None, "AttributeError"),
        broken_file="$HOME/keys/terraform.json",
    )


@fixture
def gac_missing_file(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud()
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/keys/deleted-key.json"
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS names a file that does not exist; a valid well-known file is present but google-auth "
        "raises instead of falling back to it.",
        ["broken:missing-file", "env:GOOGLE_APPLICATION_CREDENTIALS"],
        (None, None, None, DCE),
        broken_file="$HOME/keys/deleted-key.json",
    )


@fixture
def corrupt_credentials_db(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud()
    # Not SQLite: the start of a magic string, then what a torn copy leaves.
    h.bytes(f"{GCLOUD_DIR}/credentials.db", b"SQLite fo" + b"\x00" * 23 + hashlib.sha256(b"torn").digest() * 8)
    h.finish(
        "credentials.db is truncated garbage (not SQLite); access_tokens.db, legacy_credentials/dana and the ADC file are fine. "
        "ADC must still resolve, and dana is still known to gcloud through legacy_credentials and the token cache.",
        ["broken:corrupt-db", "adc:authorized_user"],
        (AU, None, P_DEV, None),
        broken_db="$HOME/" + GCLOUD_DIR + "/credentials.db",
    )


@fixture
def locked_access_tokens_db(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    two_accounts(h, active="default")
    h.finish(
        "access_tokens.db is held EXCLUSIVE-locked by another process (gcloud writing) while tokentop runs.",
        ["broken:locked-db", "gcloud:two-accounts"],
        (AU, None, P_DEV, None),
        locked_db="access_tokens.db",
    )


@fixture
def empty_home(h):
    h.finish(
        "A home with nothing in it (only this fixture.json).",
        ["adc:none"],
        (None, None, None, DCE),
    )


# --- quota project, project_id, path spelling, required fields -----------------

# The signature of a signed subject-token URL (external-url-userinfo-sig).
URL_SIG = filler("url-sig", 43)


@fixture
def env_quota_project_overrides_file(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA, quota_project="filebill"))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_CLOUD_QUOTA_PROJECT"] = "envbill"
    h.finish(
        "ADC user file with quota_project_id `filebill`, and GOOGLE_CLOUD_QUOTA_PROJECT=envbill: the variable wins, "
        "google-auth's quota project is envbill. The project is gcloud's.",
        ["env:GOOGLE_CLOUD_QUOTA_PROJECT", "adc:quota-project", "adc:authorized_user"],
        (AU, None, P_DEV, None),
        quota="envbill",
    )


@fixture
def gac_user_with_project_id(h):
    user = adc_user("dana-adc", account=DANA)
    user["project_id"] = "acme-user-file-project"
    h.json("keys/dana-user.json", user)
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/keys/dana-user.json"
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS names an authorized_user file that also carries a project_id. google-auth takes a "
        "project only from service-account keys, and the explicit flow does not ask gcloud: no project.",
        ["adc:authorized_user", "env:GOOGLE_APPLICATION_CREDENTIALS", "project:none", "project_id-ignored"],
        (AU, None, None, None),
    )


@fixture
def gac_dot_path_to_well_known(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_PROD)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/.config/gcloud/./application_default_credentials.json"
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS is $HOME/.config/gcloud/./application_default_credentials.json: the well-known file, "
        "spelled differently. google-auth compares the text, takes the explicit flow and does not ask gcloud: no project.",
        ["adc:authorized_user", "env:GOOGLE_APPLICATION_CREDENTIALS", "path-spelling", "project:none"],
        (AU, None, None, None),
    )


@fixture
def gac_broken_private_key(h):
    key = sa_key(ETL_SA, KEY_ETL_RUNNER, P_DATA, "etl-1")
    # A key pasted through a chat tool: the PEM frame survives, the body does not.
    key["private_key"] = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC...\n-----END PRIVATE KEY-----\n"
    h.json("keys/etl-runner.json", key)
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/keys/etl-runner.json"
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS names a service_account key whose private_key is not a valid PEM key. google-auth "
        "raises (it parses the key while loading), and does not fall back to the valid well-known file.",
        ["broken:private-key", "adc:service_account", "env:GOOGLE_APPLICATION_CREDENTIALS"],
        (None, None, None, DCE),
        broken_file="$HOME/keys/etl-runner.json",
    )


@fixture
def adc_empty_client_secret(h):
    user = adc_user("dana-adc", account=DANA)
    user["client_secret"] = ""
    h.json(WELL_KNOWN, user)
    h.standard_gcloud(project=P_DEV)
    h.finish(
        "Well-known user file with \"client_secret\": \"\". google-auth only checks that the required keys are present, "
        "so it accepts the file (a refresh would fail later); project from gcloud.",
        ["adc:authorized_user", "adc:empty-field"],
        (AU, None, P_DEV, None),
    )


@fixture
def external_url_userinfo_sig(h):
    h.json(
        "wif/partner-idp.json",
        external_account(
            WORKLOAD_AUDIENCE,
            {
                "url": "https://wif-bot:hunter2@idp.partner.example/oidc/token?audience=gcp-wif&sig=" + URL_SIG,
                "headers": {"Accept": "application/json"},
                "format": {"type": "json", "subject_token_field_name": "id_token"},
            },
        ),
    )
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/wif/partner-idp.json"
    h.finish(
        "Identity pool with a URL source whose URL carries a user:password (wif-bot:hunter2) and a signed query (?sig=...). "
        "google-auth builds it without fetching; tokentop may show where the token comes from, never the password or the "
        "signature.",
        ["adc:external_account", "source:url", "secret-in-url"],
        (EXT, None, None, None),
        secrets_never_shown=["hunter2", URL_SIG],
    )


# --- a metadata server that answers -----------------------------------------------


@fixture
def metadata_only(h):
    h.metadata_server()
    h.finish(
        "No files at all, and a metadata server answers (as on a GCE VM or a Dataproc worker): google-auth returns "
        "compute_engine credentials with the server's project.",
        ["adc:compute_engine", "metadata"],
        (CE, None, MDS_PROJECT, None),
    )


@fixture
def metadata_shadowed_by_well_known(h):
    h.json(WELL_KNOWN, adc_user("dana-adc", account=DANA))
    h.standard_gcloud(project=P_DEV)
    h.metadata_server()
    h.finish(
        "A well-known user ADC file and a metadata server that answers: the file comes first, the metadata server is "
        "not used for ADC.",
        ["adc:authorized_user", "metadata", "shadowing"],
        (AU, None, P_DEV, None),
    )


@fixture
def well_known_dangling_symlink_metadata(h):
    h.standard_gcloud(project=P_DEV)
    h.symlink(WELL_KNOWN, "adc-from-old-laptop.json")  # its target was never copied over
    h.metadata_server()
    h.finish(
        "The well-known ADC path is a dangling symlink, and a metadata server answers. google-auth checks "
        "os.path.isfile, which is false, so it goes on to the metadata server: compute_engine.",
        ["adc:compute_engine", "metadata", "symlink:dangling"],
        (CE, None, MDS_PROJECT, None),
    )


@fixture
def gac_equals_well_known_missing_metadata(h):
    h.standard_gcloud(project=P_DEV)
    h.meta["env"]["GOOGLE_APPLICATION_CREDENTIALS"] = "$HOME/" + WELL_KNOWN
    h.metadata_server()
    h.finish(
        "GOOGLE_APPLICATION_CREDENTIALS is exactly the well-known path, which does not exist; a metadata server answers. "
        "Spelled as the well-known path, the variable takes gcloud's route, which finds no file and does not raise: "
        "google-auth falls through to compute_engine.",
        ["adc:compute_engine", "metadata", "env:GOOGLE_APPLICATION_CREDENTIALS=well-known", "broken:missing-file"],
        (CE, None, MDS_PROJECT, None),
    )


@fixture
def no_gce_check_with_metadata(h):
    h.metadata_server()
    h.meta["env"]["NO_GCE_CHECK"] = "true"
    h.finish(
        "NO_GCE_CHECK=true, a metadata server answers, no files: google-auth does not look for the metadata server and "
        "finds no credentials.",
        ["adc:none", "metadata", "env:NO_GCE_CHECK"],
        (None, None, None, DCE),
    )


# --- writing and syncing --------------------------------------------------------


def fixture_name(fn):
    return fn.__name__.replace("_", "-")


def same(a, b):
    """True when file b already holds what a holds (SQLite: same SQL dump)."""
    if os.path.islink(a) or os.path.islink(b):
        return os.path.islink(a) and os.path.islink(b) and os.readlink(a) == os.readlink(b)
    if not os.path.isfile(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        da, db = fa.read(), fb.read()
    if da == db:
        return True
    if da.startswith(b"SQLite format 3\x00") and db.startswith(b"SQLite format 3\x00"):
        try:
            ca, cb = sqlite3.connect(a), sqlite3.connect(b)
            return list(ca.iterdump()) == list(cb.iterdump())
        finally:
            ca.close()
            cb.close()
    return False


def sync(src, dst):
    """Make dst hold the same tree as src, touching only what differs."""
    changed = 0
    want = set()
    for dirpath, dirnames, filenames in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src)
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            if os.path.isdir(full) and not os.path.islink(full):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, name))
            want.add(rel)
            target = os.path.join(dst, rel)
            if same(full, target):
                if not os.path.islink(target):
                    os.chmod(target, os.stat(full).st_mode & 0o777)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.lexists(target):
                os.remove(target)
            if os.path.islink(full):
                os.symlink(os.readlink(full), target)
            else:
                shutil.copy2(full, target)
            changed += 1
    for dirpath, dirnames, filenames in os.walk(dst, topdown=False):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            rel = os.path.normpath(os.path.relpath(os.path.join(dirpath, name), dst))
            if rel not in want:
                os.remove(os.path.join(dirpath, name))
                changed += 1
        if dirpath != dst and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return changed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(here, "homes")
    os.umask(0o022)
    with tempfile.TemporaryDirectory(prefix="tokentop-corpus-") as tmp:
        for fn in FIXTURES:
            fn(Home(tmp, fixture_name(fn)))
        os.makedirs(out, exist_ok=True)
        changed = sync(tmp, out)
    print(f"build.py: {len(FIXTURES)} fixtures in {out} ({changed} file(s) written or removed)")


if __name__ == "__main__":
    main()
