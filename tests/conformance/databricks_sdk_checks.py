"""Conformance checks for the Databricks workspace and account: databricks-sdk's
own strategies (oauth-m2m, pat, external-browser from its token cache, PAT
exchange) and its Token API against the emulator, with the sample profiles
in CREDENTIALS_DIR/databrickscfg and the U2M caches under CREDENTIALS_DIR/home
(imported by oracle.py, which owns check/expect)."""

import base64
import configparser
import contextlib
import datetime
import json
import os

import requests

from databricks.sdk import WorkspaceClient
from databricks.sdk import oauth
from databricks.sdk.core import Config
from databricks.sdk.errors import NotFound, PermissionDenied

SAMPLE_USER = "sample-user@example.test"
INVALID = "Invalid access token."


def claims_of(token):
    seg = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def bearer(cfg):
    auth = cfg.authenticate()["Authorization"]
    if not auth.startswith("Bearer "):
        raise AssertionError(auth[:20])
    return auth[len("Bearer "):]


@contextlib.contextmanager
def home(path):
    """HOME points at the sample home (its token caches) for the duration."""
    saved = os.environ.get("HOME")
    os.environ["HOME"] = path
    try:
        yield
    finally:
        os.environ["HOME"] = saved


@contextlib.contextmanager
def no_browser():
    """The external-browser strategy must find its cache: a browser login fails."""
    original = oauth.Consent.launch_external_browser

    def refuse(self):
        raise AssertionError("the SDK started a browser login: cache not used")

    oauth.Consent.launch_external_browser = refuse
    try:
        yield
    finally:
        oauth.Consent.launch_external_browser = original


def databricks_checks(check, expect, cred_dir, databricks_url):
    cfg_path = os.path.join(cred_dir, "databrickscfg")
    sample_home = os.path.join(cred_dir, "home")
    ini = configparser.ConfigParser(default_section="__no_default__")
    ini.read(cfg_path)
    m2m, account = ini["m2m"], ini["account"]
    account_issuer = f"{databricks_url}/oidc/accounts/{account['account_id']}"

    def profiles():
        expect(os.environ.get("DATABRICKS_CONFIG_FILE") == cfg_path, "DATABRICKS_CONFIG_FILE")
        expect(ini.sections() == ["m2m", "pat", "u2m", "account"], f"{ini.sections()}")
        for name in ini.sections():
            expect(ini[name]["host"] == databricks_url, f"{name} host")
        expect(ini["u2m"]["auth_type"] == "databricks-cli", "u2m auth_type")
        return ", ".join(ini.sections())

    check("databrickscfg has the m2m, pat, u2m and account profiles", profiles)

    def m2m_profile():
        c = Config(profile="m2m")
        expect(c.auth_type == "oauth-m2m", f"auth_type {c.auth_type}")
        token = bearer(c)
        header, claims = claims_of_header(token), claims_of(token)
        expect(header.get("typ") == "at+jwt" and header.get("alg") == "RS256", f"{header}")
        expect(claims["sub"] == m2m["client_id"], "sub = application id")
        expect(claims["iss"] == f"{databricks_url}/oidc", "iss")
        expect(claims["scope"] == "all-apis", "scope")
        me = WorkspaceClient(config=c).current_user.me()
        expect(me.user_name == m2m["client_id"], f"userName {me.user_name}")
        expect(me.active, "active")
        return f"current_user.me().user_name = {me.user_name}"

    check("databricks-sdk oauth-m2m (profile m2m) + current_user.me()", m2m_profile)

    def m2m_narrow_scope():
        c = Config(profile="m2m", scopes=["sql"])
        claims = claims_of(bearer(c))
        expect(claims["scope"] == "sql", f"scope {claims['scope']}")
        return "scope sql granted"

    check("databricks-sdk oauth-m2m with scopes=[sql]", m2m_narrow_scope)

    def m2m_bad_secret():
        c = None
        try:
            c = Config(host=databricks_url, client_id=m2m["client_id"], client_secret="wrong")
            c.authenticate()
        except Exception as e:  # noqa: BLE001 - the SDK wraps it in ValueError
            expect("invalid_client" in str(e), f"error text {e}")
            return "invalid_client"
        raise AssertionError(f"a wrong secret should fail ({c})")

    check("databricks-sdk with a wrong secret is refused", m2m_bad_secret)

    def jwks():
        import jwt as pyjwt

        keys = requests.get(f"{databricks_url}/oidc/v1/keys", timeout=10).json()["keys"]
        token = bearer(Config(profile="m2m"))
        kid = claims_of_header(token)["kid"]
        jwk = next(k for k in keys if k["kid"] == kid)
        key = pyjwt.PyJWK.from_dict(jwk).key
        claims = pyjwt.decode(token, key, algorithms=["RS256"], audience=claims_of(token)["aud"])
        return f"aud (workspace id) {claims['aud']}"

    check("Databricks token verifies against /oidc/v1/keys", jwks)

    def pat_profile():
        w = WorkspaceClient(profile="pat")
        expect(w.config.auth_type == "pat", f"auth_type {w.config.auth_type}")
        me = w.current_user.me()
        expect(me.user_name == SAMPLE_USER, f"userName {me.user_name}")
        infos = list(w.tokens.list())
        expect(any(i.expiry_time == -1 for i in infos), f"sample PAT never expires: {infos}")
        return f"user {me.user_name}, {len(infos)} token(s) listed"

    check("databricks-sdk pat (profile pat) + current_user.me()", pat_profile)

    def token_api(profile):
        def run():
            w = WorkspaceClient(profile=profile)
            me = w.current_user.me().user_name
            created = w.tokens.create(comment="conformance", lifetime_seconds=600)
            info = created.token_info
            expect(created.token_value.startswith("dapi"), "dapi... token value")
            expect(info.expiry_time - info.creation_time == 600_000, "epoch milliseconds")
            listed = {i.token_id: i for i in w.tokens.list()}
            expect(info.token_id in listed, "created token listed")
            expect(listed[info.token_id].comment == "conformance", "comment")
            fresh = WorkspaceClient(host=databricks_url, token=created.token_value)
            expect(fresh.current_user.me().user_name == me, "the new PAT is the caller's")
            w.tokens.delete(token_id=info.token_id)
            expect(info.token_id not in {i.token_id for i in w.tokens.list()}, "deleted")
            try:
                fresh.current_user.me()
                raise AssertionError("a deleted PAT must be refused")
            except PermissionDenied as e:
                # The SDK appends its config to the server's message.
                expect(str(e).startswith(INVALID), f"message {e}")
                expect(e.error_code == "PERMISSION_DENIED", f"error_code {e.error_code}")
            try:
                w.tokens.delete(token_id=info.token_id)
                raise AssertionError("deleting twice must fail")
            except NotFound as e:
                expect(e.error_code == "RESOURCE_DOES_NOT_EXIST", f"error_code {e.error_code}")
            return f"as {me}: create, list, delete; then 403 {INVALID!r}"

        return run

    check("Token API as the PAT user (create, list, delete)", token_api("pat"))
    check("Token API as the M2M service principal (create, list, delete)", token_api("m2m"))

    def raw_rejection():
        r = requests.get(f"{databricks_url}/api/2.0/preview/scim/v2/Me",
                         headers={"Authorization": "Bearer dapi-not-a-token"}, timeout=10)
        expect(r.status_code == 403, f"status {r.status_code}")
        expect(r.json() == {"error_code": "PERMISSION_DENIED", "message": INVALID}, r.text)
        return r.text

    check("unknown bearer → 403 Invalid access token.", raw_rejection)

    def pat_exchange():
        pat = ini["pat"]["token"]
        source = oauth.PATOAuthTokenExchange(
            get_original_token=lambda: pat, host=databricks_url, scopes="all-apis")
        token = source.token()
        claims = claims_of(token.access_token)
        expect(claims["sub"] == SAMPLE_USER, f"sub {claims['sub']}")
        expect(claims["scope"] == "all-apis", f"scope {claims['scope']}")
        me = WorkspaceClient(host=databricks_url, token=token.access_token).current_user.me()
        expect(me.user_name == SAMPLE_USER, f"userName {me.user_name}")
        return f"exchanged token for {me.user_name}, expires {token.expiry.isoformat()}"

    check("PATOAuthTokenExchange (PAT → OAuth) + current_user.me()", pat_exchange)

    u2m_checks(check, expect, sample_home, databricks_url, account, account_issuer)

    def account_m2m():
        c = Config(host=databricks_url, account_id=account["account_id"],
                   client_id=m2m["client_id"], client_secret=m2m["client_secret"],
                   discovery_url=account["discovery_url"])
        claims = claims_of(bearer(c))
        expect(claims["iss"] == account_issuer, f"iss {claims['iss']}")
        expect(claims["aud"] == account["account_id"], f"aud {claims['aud']}")
        return f"iss {claims['iss']}"

    check("databricks-sdk oauth-m2m at the account token endpoint", account_m2m)


def claims_of_header(token):
    seg = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def u2m_checks(check, expect, sample_home, databricks_url, account, account_issuer):
    """external-browser from the Python SDK's own cache, then a forced refresh."""
    with open(os.path.join(sample_home, ".databricks", "token-cache.json")) as f:
        cli_cache = json.load(f)["tokens"]

    def sdk_cache_file(profile):
        c = Config(profile=profile, credentials_strategy=_Inert())
        cache = oauth.TokenCache(host=c.host, oidc_endpoints=c.databricks_oidc_endpoints,
                                 client_id="databricks-cli", redirect_url="http://localhost:8020",
                                 scopes=["all-apis", "offline_access"], profile=profile)
        return cache.filename

    def external_browser(profile, issuer, audience):
        cached = cli_cache[profile]

        def from_cache():
            with home(sample_home), no_browser():
                path = sdk_cache_file(profile)
                expect(os.path.exists(path), f"the SDK looks for {path}")
                c = Config(profile=profile, auth_type="external-browser")
                token = bearer(c)
                expect(token == cached["access_token"], "the cached access token is used")
                claims = claims_of(token)
                expect(claims["iss"] == issuer and claims["aud"] == audience, f"{claims}")
                expect(claims["client_id"] == "databricks-cli", "client_id")
                expect(claims["scope"] == "offline_access all-apis", f"scope {claims['scope']}")
                if issuer.endswith("/oidc"):
                    me = WorkspaceClient(config=c).current_user.me()
                    expect(me.user_name == SAMPLE_USER, f"userName {me.user_name}")
            return f"{os.path.basename(path)} (no browser)"

        def refreshed():
            with home(sample_home), no_browser():
                path = sdk_cache_file(profile)
                with open(path) as f:
                    doc = json.load(f)
                past = datetime.datetime.now() - datetime.timedelta(minutes=5)
                doc["token"]["expiry"] = past.isoformat()
                with open(path, "w") as f:
                    json.dump(doc, f)
                c = Config(profile=profile, auth_type="external-browser")
                token = bearer(c)
                expect(token != cached["access_token"], "a new access token after refresh")
                claims = claims_of(token)
                expect(claims["iss"] == issuer and claims["sub"] == SAMPLE_USER, f"{claims}")
                if issuer.endswith("/oidc"):
                    me = WorkspaceClient(config=c).current_user.me()
                    expect(me.user_name == SAMPLE_USER, f"userName {me.user_name}")
            return f"refreshed at {issuer}/v1/token"

        return from_cache, refreshed

    workspace_id = claims_of(cli_cache["u2m"]["access_token"])["aud"]
    from_cache, refreshed = external_browser("u2m", f"{databricks_url}/oidc", workspace_id)
    check("databricks-sdk external-browser (profile u2m) from the SDK token cache", from_cache)
    check("databricks-sdk external-browser refreshes an expired cached token", refreshed)
    from_cache, refreshed = external_browser("account", account_issuer, account["account_id"])
    check("external-browser (profile account) from the cache, account issuer", from_cache)
    check("external-browser (profile account) refreshes at the account", refreshed)


class _Inert:
    """A credentials strategy that authenticates nothing: lets Config resolve
    a profile's host and endpoints without running a real strategy."""

    def auth_type(self):
        return "inert"

    def __call__(self, cfg):
        return lambda: {}
