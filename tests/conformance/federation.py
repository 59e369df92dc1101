"""Conformance checks for IAM Credentials and STS: google-auth's impersonated,
identity-pool, downscoped and workforce authorized-user credentials (refresh
and revoke) against the emulator (imported by oracle.py, which owns
check/expect)."""

import datetime
import json
import os

import requests

from google.auth import (
    downscoped,
    external_account_authorized_user,
    iam,
    identity_pool,
    impersonated_credentials,
)
import google.auth
import google.auth.exceptions
import google.oauth2.id_token
from google.oauth2 import service_account, sts

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
USERINFO_EMAIL = "https://www.googleapis.com/auth/userinfo.email"
SCOPES = [CLOUD_PLATFORM, USERINFO_EMAIL]
TARGET_AUDIENCE = "https://my-run-service-abc.a.run.app"


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def federation_checks(check, expect, req, cred_dir, google_url, sts_url, iam_url):
    def load(name):
        with open(os.path.join(cred_dir, name)) as f:
            return json.load(f)

    def tokeninfo(token):
        r = requests.get(f"{google_url}/tokeninfo", params={"access_token": token}, timeout=10)
        expect(r.status_code == 200, f"tokeninfo {r.status_code} {r.text}")
        return r.json()

    def refreshed_as_target(creds, lifetime):
        """Refreshes creds; their token is the target's, with SCOPES, for about `lifetime` s."""
        creds.refresh(req)
        left = (creds.expiry - utcnow()).total_seconds()
        expect(lifetime - 10 < left <= lifetime, f"expiry in {left:.0f} s")
        info = tokeninfo(creds.token)
        expect(info.get("email") == target, f"email {info.get('email')}")
        expect(info["scope"] == " ".join(SCOPES), f"scope {info['scope']}")
        expect(int(info["expires_in"]) <= lifetime, f"expires_in {info['expires_in']}")
        return left

    imp_info = load("google_impersonated.json")
    imp_url = imp_info["service_account_impersonation_url"]
    target = imp_url.rsplit("/", 1)[1].split(":")[0]
    sa_info = load("google_sa.json")

    def urls_point_here():
        expect(sts_url == google_url and iam_url == google_url, "STS and IAM on the Google listener")
        expect(imp_url.startswith(f"{iam_url}/v1/projects/-/serviceAccounts/"), imp_url)
        ext = load("google_external_account.json")
        expect(ext["token_url"] == f"{sts_url}/v1/token", ext["token_url"])
        return f"sts={sts_url} iam={iam_url}"

    check("sample IAM/STS files point at the emulator", urls_point_here)

    def impersonated():
        source = service_account.Credentials.from_service_account_info(sa_info)
        creds = impersonated_credentials.Credentials(
            source_credentials=source, target_principal=target, target_scopes=SCOPES,
            lifetime=1800, iam_endpoint_override=imp_url)
        left = refreshed_as_target(creds, 1800)
        return f"{target}, expires in {left:.0f} s"

    check("impersonated_credentials.Credentials (service-account source)", impersonated)

    def impersonated_from_file():
        path = os.path.join(cred_dir, "google_impersonated.json")
        creds, _ = google.auth.load_credentials_from_file(path, scopes=SCOPES)
        expect(isinstance(creds, impersonated_credentials.Credentials), f"{type(creds)}")
        expect(creds.signer_email == target, f"target {creds.signer_email}")
        # google-auth 2.62.2 keeps only the target from the file's URL and
        # always calls iamcredentials.googleapis.com: point it here.
        creds._iam_endpoint_override = imp_url
        creds.refresh(req)
        expect(tokeninfo(creds.token).get("email") == target, "email")
        return "load_credentials_from_file -> impersonated token (URL host ignored by Python)"

    check("impersonated_service_account file via load_credentials_from_file", impersonated_from_file)

    def impersonated_id_token():
        # google-auth builds this URL from a module constant, not from the file.
        iam._IAM_IDTOKEN_ENDPOINT = f"{iam_url}/v1/projects/-/serviceAccounts/{{}}:generateIdToken"
        source = service_account.Credentials.from_service_account_info(sa_info)
        target_creds = impersonated_credentials.Credentials(
            source_credentials=source, target_principal=target, target_scopes=SCOPES,
            iam_endpoint_override=imp_url)
        creds = impersonated_credentials.IDTokenCredentials(
            target_creds, target_audience=TARGET_AUDIENCE, include_email=True)
        creds.refresh(req)
        claims = google.oauth2.id_token.verify_token(
            creds.token, req, audience=TARGET_AUDIENCE, certs_url=f"{google_url}/oauth2/v3/certs")
        expect(claims["email"] == target, f"email {claims.get('email')}")
        return f"aud {claims['aud']}"

    check("impersonated IDTokenCredentials (generateIdToken)", impersonated_id_token)

    ext_path = os.path.join(cred_dir, "google_external_account.json")

    def identity_pool_impersonated():
        # Not load_credentials_from_file: it then asks cloudresourcemanager
        # (a fixed Google URL) for the pool's project id.
        creds = identity_pool.Credentials.from_file(ext_path, scopes=SCOPES)
        refreshed_as_target(creds, 3600)
        return f"file source -> STS -> generateAccessToken for {target}"

    check("identity_pool.Credentials (file source, impersonation)", identity_pool_impersonated)

    def identity_pool_federated():
        info = load("google_external_account.json")
        info.pop("service_account_impersonation_url")
        info.pop("service_account_impersonation", None)
        creds = identity_pool.Credentials.from_info(info, scopes=[CLOUD_PLATFORM])
        creds.refresh(req)
        ti = tokeninfo(creds.token)
        expect(ti["scope"] == CLOUD_PLATFORM, f"scope {ti['scope']}")
        expect(ti["sub"].startswith("principal://iam.googleapis.com/projects/"), ti["sub"])
        return f"federated token for {ti['sub']}"

    check("identity_pool.Credentials (plain federated token)", identity_pool_federated)

    def downscoped_token():
        source = service_account.Credentials.from_service_account_info(sa_info, scopes=SCOPES)
        rule = downscoped.AccessBoundaryRule(
            available_resource="//storage.googleapis.com/projects/_/buckets/example-bucket",
            available_permissions=["inRole:roles/storage.objectViewer"],
            availability_condition=downscoped.AvailabilityCondition(
                expression="resource.name.startsWith('projects/_/buckets/example-bucket/objects/a')",
                title="customer-a"))
        cab = downscoped.CredentialAccessBoundary(rules=[rule])
        creds = downscoped.Credentials(source_credentials=source, credential_access_boundary=cab)
        # The STS URL is built from the universe domain; point it here.
        creds._sts_client = sts.Client(f"{sts_url}/v1/token")
        creds.refresh(req)
        expect(creds.token != source.token, "a new token")
        expect(creds.expiry <= source.expiry + datetime.timedelta(seconds=1),
               f"expiry {creds.expiry} after source {source.expiry}")
        info = tokeninfo(creds.token)
        expect(info.get("email") == sa_info["client_email"], f"email {info.get('email')}")
        expect(int(info["exp"]) <= int(tokeninfo(source.token)["exp"]), "exp <= source exp")
        return f"expires {creds.expiry.isoformat()}Z, source {source.expiry.isoformat()}Z"

    check("downscoped.Credentials (CAB via STS)", downscoped_token)

    def workforce_user():
        path = os.path.join(cred_dir, "google_workforce_user.json")
        creds = external_account_authorized_user.Credentials.from_file(path)
        expect(creds.info["token_url"] == f"{sts_url}/v1/oauth/token", "token_url")
        creds.refresh(req)
        left = (creds.expiry - utcnow()).total_seconds()
        expect(3590 < left <= 3600, f"expiry in {left:.0f} s")
        info = tokeninfo(creds.token)
        expect("workforcePools" in info["sub"], info["sub"])
        return f"{info['sub']}"

    check("external_account_authorized_user refresh (Basic auth at STS)", workforce_user)

    def workforce_user_revoke():
        # Last use of the sample sign-in: it is dead afterwards.
        path = os.path.join(cred_dir, "google_workforce_user.json")
        creds = external_account_authorized_user.Credentials.from_file(path)
        revoke_url = creds.revoke_url
        expect(revoke_url == f"{sts_url}/v1/oauth/revoke", f"revoke_url {revoke_url}")
        creds.refresh(req)
        token = creds.token
        creds.revoke(req)
        expect(creds.token is None and creds.refresh_token is None, "google-auth drops both")
        r = requests.post(creds.token_info_url, data={"token": token}, timeout=10)
        expect(r.status_code == 200 and r.json() == {"active": False},
               f"introspection after revoke {r.status_code} {r.text}")
        again = external_account_authorized_user.Credentials.from_file(path)
        try:
            again.refresh(req)
        except google.auth.exceptions.GoogleAuthError as e:
            expect("invalid_grant" in str(e), f"error text {e}")
            return f"revoked at {revoke_url}; refresh now fails: {e}"
        raise AssertionError("refresh after revoke should fail")

    check("external_account_authorized_user revoke (RFC 7009 at STS)", workforce_user_revoke)
