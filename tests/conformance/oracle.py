"""Conformance oracle: drive the emulator with the real reference clients.

Usage: python oracle.py CREDENTIALS_DIR GOOGLE_URL DATABRICKS_URL METADATA_HOST STS_URL IAM_URL [TOKENTOP]

CREDENTIALS_DIR holds the files written by the emulator's write_samples
(google_user.json, google_sa.json, urls.json, the IAM/STS samples
federation.py reads, and databrickscfg with the home/ token caches
databricks_sdk_checks.py reads). METADATA_HOST is
the metadata server's host:port; GCE_METADATA_HOST and GCE_METADATA_IP must
already name it (google-auth reads them at import). TOKENTOP, a tokentop
binary, adds tokentop_vs_google_auth.py's checks: tokentop's tokens against
google-auth's for the same files. Every check prints one PASS line; the
first failure prints FAIL and the script exits 1.
"""

import base64
import datetime
import json
import os
import sys
import time
import traceback

import requests

import google.auth
import google.auth.transport.requests
import google.oauth2.credentials
import google.oauth2.id_token
from google.auth import compute_engine
from google.auth.compute_engine import _metadata
from google.oauth2 import service_account

from databricks_sdk_checks import databricks_checks
from federation import federation_checks
from tokentop_vs_google_auth import tokentop_vs_google_auth_checks

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
TARGET_AUDIENCE = "https://my-run-service-abc.a.run.app"

passed = []


def check(name, fn):
    """Run one check; print PASS/FAIL; stop the run on failure."""
    try:
        detail = fn()
    except Exception:  # noqa: BLE001 - report anything the client raised
        print(f"FAIL {name}")
        traceback.print_exc()
        print(f"{len(passed)} check(s) passed before the failure")
        sys.exit(1)
    passed.append(name)
    print(f"PASS {name}" + (f": {detail}" if detail else ""))


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def jwt_part(token, index):
    seg = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def metadata_checks(req, google_url, metadata_host):
    """google-auth's Compute Engine credentials against the metadata server."""
    root = f"http://{metadata_host}/computeMetadata/v1"
    certs_url = f"{google_url}/oauth2/v3/certs"
    flavor = {"Metadata-Flavor": "Google"}

    def mds(path):
        r = requests.get(f"{root}/{path}", headers=flavor, timeout=10)
        expect(r.status_code == 200, f"{path}: {r.status_code} {r.text}")
        return r

    def env_points_at_emulator():
        for name in ("GCE_METADATA_HOST", "GCE_METADATA_IP"):
            expect(os.environ.get(name) == metadata_host, f"{name}={os.environ.get(name)}")
        r = requests.get(f"{root}/project/project-id", timeout=10)
        expect(r.status_code == 403, f"no flavor header: {r.status_code}")
        expect(r.headers.get("Metadata-Flavor") == "Google", "flavor echoed on 403")
        return "flavor-less request refused with 403"

    check("metadata server: env and the Metadata-Flavor rule", env_points_at_emulator)

    def ping():
        expect(_metadata.ping(req) is True, "ping")
        expect(_metadata.is_on_gce(req) is True, "is_on_gce")
        return f"GET http://{metadata_host}/ -> on GCE"

    check("compute_engine._metadata.ping", ping)

    def gce_credentials():
        email = mds("instance/service-accounts/default/email").text
        creds = compute_engine.Credentials()
        creds.refresh(req)
        expect(creds.token.startswith("ya29."), f"token {creds.token[:12]}")
        expect(creds.valid, "valid")
        expect(creds.service_account_email == email,
               f"service_account_email {creds.service_account_email} != {email}")
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        left = (creds.expiry - now).total_seconds()
        expect(3500 < left <= 3600, f"expiry in {left:.0f} s")
        expect(creds.universe_domain == "googleapis.com", f"universe {creds.universe_domain}")
        again = mds("instance/service-accounts/default/token").json()
        expect(again["access_token"] == creds.token, "the server hands out its cached token")
        expect(again["expires_in"] <= left + 1, "expires_in does not grow")
        info = requests.get(f"{google_url}/tokeninfo",
                            params={"access_token": creds.token}, timeout=10).json()
        expect(info.get("email") == email, f"tokeninfo email {info.get('email')}")
        return f"{email}, expires in {left:.0f} s"

    check("compute_engine.Credentials refresh", gce_credentials)

    def gce_id_token():
        token = google.oauth2.id_token.fetch_id_token(req, TARGET_AUDIENCE)
        claims = google.oauth2.id_token.verify_token(
            token, req, audience=TARGET_AUDIENCE, certs_url=certs_url)
        expect(claims["iss"] == google_url, f"iss {claims['iss']}")
        expect(claims["exp"] - claims["iat"] <= 3600, "lifetime at most an hour")
        gce = claims["google"]["compute_engine"]
        expect(gce["project_id"] == mds("project/project-id").text, "project_id")
        expect(gce["instance_id"] == mds("instance/id").text, "instance_id")
        expect(isinstance(gce["project_number"], int), "project_number is a number")
        return f"aud {claims['aud']}, instance {gce['instance_name']}"

    check("id_token.fetch_id_token via the metadata identity endpoint", gce_id_token)

    def adc_on_gce():
        expect("GOOGLE_APPLICATION_CREDENTIALS" not in os.environ, "no explicit ADC file")
        creds, project = google.auth.default()
        expect(isinstance(creds, compute_engine.Credentials), f"{type(creds)}")
        expect(project == mds("project/project-id").text, f"project {project}")
        return f"{type(creds).__module__}.{type(creds).__name__}, project {project}"

    check("google.auth.default() finds the metadata server", adc_on_gce)


def main():
    if len(sys.argv) not in (7, 8):
        print(__doc__)
        sys.exit(2)
    cred_dir, google_url, databricks_url, metadata_host, sts_url, iam_url = sys.argv[1:7]
    tokentop = sys.argv[7] if len(sys.argv) == 8 else None
    req = google.auth.transport.requests.Request()
    token_uri = f"{google_url}/token"
    certs_url = f"{google_url}/oauth2/v3/certs"

    def urls_file():
        with open(os.path.join(cred_dir, "urls.json")) as f:
            urls = json.load(f)
        expect(urls == {"google": google_url, "databricks": databricks_url},
               f"urls.json {urls} disagrees with READY line")

    check("urls.json matches the READY line", urls_file)

    # --- Google: authorized_user via refresh-token grant --------------------
    user_path = os.path.join(cred_dir, "google_user.json")
    state = {}

    def authorized_user():
        with open(user_path) as f:
            info = json.load(f)
        expect(info["type"] == "authorized_user", "type")
        expect(info["token_uri"] == token_uri, "token_uri points at the emulator")
        creds = google.oauth2.credentials.Credentials.from_authorized_user_file(user_path)
        # google-auth ignores token_uri in the file (test-infra §2.2 finding 1).
        creds = creds.with_token_uri(token_uri)
        creds.refresh(req)
        expect(creds.token.startswith("ya29."), f"token {creds.token[:12]}")
        expect(creds.expiry is not None, "expiry set")
        expect(creds.valid, "credentials valid after refresh")
        expect(creds.id_token, "id_token returned for an openid grant")
        claims = jwt_part(creds.id_token, 1)
        expect(claims["aud"] == info["client_id"], "id_token aud = client_id")
        expect(claims["email"] == info["account"], "id_token email = account")
        state["user_token"] = creds.token
        state["user_id_token"] = creds.id_token
        state["user_info"] = info
        return f"token {creds.token[:12]}..., expires {creds.expiry.isoformat()}Z"

    check("google-auth authorized_user refresh (with_token_uri)", authorized_user)

    def user_id_token_verifies():
        claims = google.oauth2.id_token.verify_token(
            state["user_id_token"], req, audience=state["user_info"]["client_id"],
            certs_url=certs_url)
        expect(claims["iss"] == google_url, f"iss {claims['iss']}")
        return f"sub {claims['sub']}"

    check("user id_token verifies against the JWKS", user_id_token_verifies)

    def tokeninfo_user():
        r = requests.get(f"{google_url}/tokeninfo",
                         params={"access_token": state["user_token"]}, timeout=10)
        expect(r.status_code == 200, f"status {r.status_code} {r.text}")
        body = r.json()
        expect(body["aud"] == state["user_info"]["client_id"], "aud")
        expect(isinstance(body["exp"], str) and isinstance(body["expires_in"], str),
               "string numerics")
        expect(body.get("email") == state["user_info"]["account"], "email")
        expect(body["access_type"] == "offline", "access_type")
        return f"expires_in {body['expires_in']}"

    check("tokeninfo on the user access token", tokeninfo_user)

    # --- Google: service account ------------------------------------------
    sa_path = os.path.join(cred_dir, "google_sa.json")

    def sa_scoped():
        creds = service_account.Credentials.from_service_account_file(
            sa_path, scopes=[CLOUD_PLATFORM])
        expect(creds._token_uri == token_uri, "SA token_uri honoured")
        creds.refresh(req)
        expect(creds.token.startswith("ya29."), f"token {creds.token[:12]}")
        expect(creds.valid, "valid")
        r = requests.post(f"{google_url}/tokeninfo",
                          headers={"Authorization": f"Bearer {creds.token}"}, timeout=10)
        expect(r.status_code == 200, f"tokeninfo {r.status_code} {r.text}")
        expect(r.json()["scope"] == CLOUD_PLATFORM, "scope")
        state["sa_token"] = creds.token
        return f"token {creds.token[:12]}..., expires {creds.expiry.isoformat()}Z"

    check("google-auth service_account scoped access token", sa_scoped)

    def sa_no_scope():
        creds = service_account.Credentials.from_service_account_file(sa_path)
        try:
            creds.refresh(req)
        except google.auth.exceptions.RefreshError as e:
            expect("invalid_scope" in str(e), f"error text {e}")
            return "RefreshError invalid_scope"
        raise AssertionError("refresh without scopes should fail")

    check("service_account without scopes is refused", sa_no_scope)

    def sa_id_token():
        creds = service_account.IDTokenCredentials.from_service_account_file(
            sa_path, target_audience=TARGET_AUDIENCE)
        creds.refresh(req)
        claims = google.oauth2.id_token.verify_token(
            creds.token, req, audience=TARGET_AUDIENCE, certs_url=certs_url)
        with open(sa_path) as f:
            info = json.load(f)
        expect(claims["email"] == info["client_email"], "email")
        expect(claims["sub"] == info["client_id"], "sub = SA unique id")
        expect(claims["iss"] == google_url, "iss")
        header = jwt_part(creds.token, 0)
        expect(header["alg"] == "RS256" and header.get("kid"), f"header {header}")
        return f"aud {claims['aud']}, exp in {claims['exp'] - int(time.time())} s"

    check("IDTokenCredentials(target_audience) + verify_token(certs_url)", sa_id_token)

    def revoke_then_tokeninfo():
        r = requests.post(f"{google_url}/revoke", data={"token": state["user_token"]},
                          timeout=10)
        expect(r.status_code == 200, f"revoke {r.status_code} {r.text}")
        r = requests.get(f"{google_url}/tokeninfo",
                         params={"access_token": state["user_token"]}, timeout=10)
        expect(r.status_code == 400 and r.json()["error"] == "invalid_token",
               f"tokeninfo after revoke {r.status_code} {r.text}")
        creds = google.oauth2.credentials.Credentials.from_authorized_user_file(
            user_path).with_token_uri(token_uri)
        try:
            creds.refresh(req)
        except google.auth.exceptions.RefreshError as e:
            expect("invalid_grant" in str(e) and "expired or revoked" in str(e),
                   f"error text {e}")
            return "refresh now fails with invalid_grant"
        raise AssertionError("refresh after revoke should fail")

    check("revoke access token kills the refresh token", revoke_then_tokeninfo)

    databricks_checks(check, expect, cred_dir, databricks_url)

    metadata_checks(req, google_url, metadata_host)

    federation_checks(check, expect, req, cred_dir, google_url, sts_url, iam_url)

    if tokentop:
        tokentop_vs_google_auth_checks(check, expect, req, cred_dir, google_url, sts_url,
                                       iam_url, tokentop)
    else:
        print("SKIP tokentop vs google-auth: no tokentop binary given")

    print(f"ALL {len(passed)} CHECKS PASSED")


if __name__ == "__main__":
    main()
