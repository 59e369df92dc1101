#!/usr/bin/env python3
"""Generate tokentop's Databricks corpus: home directories with a `.databrickscfg`.

Usage: python3 build.py [HOMES_DIR]     (default: homes/ beside this file)

Every fixture is a home directory holding a `.databrickscfg` (or the file
DATABRICKS_CONFIG_FILE names) written the way people and tools write them
(wire.md §3.1-3.2), plus a fixture.json in the home's root:

  env          the environment besides HOME and PATH; "$HOME" at the start of
               a value is replaced by the home's absolute path
  description  what the home is and what it covers
  covers       short tags (the README's table is made from description)
  secrets_never_shown  strings in the home's files (tokens, client secrets,
               passwords) that tokentop must never print
  unreadable   optional: $HOME-relative paths the runners chmod 000 after
               staging (git keeps no such mode), and run both the SDK and
               tokentop without CAP_DAC_OVERRIDE when they run as root
  broken       optional: the expectation for a config file databricks-sdk
               cannot read at all, written by hand (oracle.py still records
               what the SDK says, for information):
                 file      the file ($HOME/...) every error must name
                 profiles  {name: {host, auth_type, account_id, cloud,
                           scopes, error}}: the sections tokentop must still
                           show, exactly like this
                 named     sections that must be named, with the file, in an
                           error (the entry's or a source_errors entry)
                 not_usable  sections that must not be shown without an error
                 other_credentials  true: a non-Databricks credential of the
                           home (a Google ADC file) must still be listed

expected.json, beside fixture.json, is databricks-sdk's verdict per profile,
written by `oracle.py --write`; build.py keeps it (it never writes it).

Only the Python standard library is needed, and tests/corpus/build.py (for
its test RSA key and ADC file helper). Output is deterministic: a file is
rewritten only when its content changes, and files no fixture makes any
more are deleted (expected.json of a fixture that still exists is kept).
"""

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _google_corpus():
    """tests/corpus/build.py, for its sync(), test key and ADC helper."""
    spec = importlib.util.spec_from_file_location("google_corpus_build", os.path.join(HERE, "..", "corpus", "build.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


G = _google_corpus()

# --- fixed material ---------------------------------------------------------

# Workspaces and accounts of the fictional company. None of these hosts is
# contacted: the oracle blocks the network and tokentop runs with --no-refresh.
AWS_WS = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com"
AWS_WS_2 = "https://dbc-0f9e8d7c-6b5a.cloud.databricks.com"
AZ_WS = "https://adb-1234567890123456.7.azuredatabricks.net"
AZ_WS_2 = "https://adb-6543210987654321.11.azuredatabricks.net"
GCP_WS = "https://1234567890123456.7.gcp.databricks.com"
ACCT_AWS = "https://accounts.cloud.databricks.com"
ACCT_AZ = "https://accounts.azuredatabricks.net"
ACCT_GCP = "https://accounts.gcp.databricks.com"
ACCT_GOV = "https://accounts-dod.cloud.databricks.us"
ACCOUNT_ID = "0d1e2f30-4a5b-4c6d-8e7f-90a1b2c3d4e5"
ACCOUNT_ID_2 = "7c6b5a49-3828-4716-a5f4-e3d2c1b0a998"
TENANT_ID = "f0e1d2c3-b4a5-4697-8877-665544332211"
GCP_SA = "dbx-runner@acme-data-prod.iam.gserviceaccount.com"

# Closed port for the Google metadata server, as in tests/corpus: neither
# google-auth (which databricks-sdk's google-id strategy calls) nor tokentop
# ever reaches a real one.
BASE_ENV = {"GCE_METADATA_HOST": "127.0.0.1:9", "GCE_METADATA_IP": "127.0.0.1:9"}


def hexs(label, n):
    return G.filler(label, n, "0123456789abcdef")


def uuid(label):
    h = hexs("uuid/" + label, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def pat(label):
    """A personal access token shaped like Databricks' (dapi + 32 hex)."""
    return "dapi" + hexs("pat/" + label, 32)


def secret(label):
    """An OAuth client secret (the `dose` prefix is illustrative, wire.md §3.1)."""
    return "dose" + G.filler("secret/" + label, 36, "abcdefghijklmnopqrstuvwxyz0123456789")


def password(label):
    return "pw-" + G.filler("password/" + label, 18)


def gcp_sa_json_line():
    """A service-account key as one line of JSON (google_credentials holds the JSON itself)."""
    key = G.sa_key(GCP_SA, G.KEY_ETL_RUNNER, "acme-data-prod", "dbx-runner-1")
    return json.dumps(key, separators=(",", ":"))


class Home:
    def __init__(self, root, name):
        self.root = os.path.join(root, name)
        self.name = name
        os.makedirs(self.root)
        self.meta = {"description": "", "covers": [], "env": dict(BASE_ENV), "secrets_never_shown": []}

    def path(self, rel):
        full = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return full

    def text(self, rel, content, mode=0o600):
        full = self.path(rel)
        with open(full, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
        os.chmod(full, mode)

    def cfg(self, content, rel=".databrickscfg"):
        """A config file; `content` is written as is (dedented, one trailing newline)."""
        self.text(rel, dedent(content))

    def secrets(self, *values):
        self.meta["secrets_never_shown"].extend(values)

    def google_adc(self):
        """A Google ADC user file: a credential that is not Databricks'."""
        self.text(G.WELL_KNOWN, json.dumps(G.adc_user("dbx-corpus-adc", account=G.DANA), indent=2) + "\n")

    def finish(self, description, covers, **extra):
        self.meta["description"] = description
        self.meta["covers"] = covers
        self.meta.update(extra)
        self.text("fixture.json", json.dumps(self.meta, indent=2) + "\n", 0o644)


def dedent(text):
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    indents = [len(l) - len(l.lstrip(" ")) for l in lines if l.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(l[cut:] for l in lines) + "\n"


FIXTURES = []


def fixture(fn):
    FIXTURES.append(fn)
    return fn


# --- auth styles ----------------------------------------------------------------


@fixture
def auth_styles_aws(h):
    h.cfg(f"""
        ; written by hand and by `databricks configure` over the years
        [DEFAULT]

        [pat]
        host  = {AWS_WS}
        token = {pat("aws-pat")}

        [basic]
        host     = {AWS_WS}
        username = dana.okafor@example.com
        password = {password("aws-basic")}

        [m2m]
        host          = {AWS_WS}
        client_id     = {uuid("aws-m2m")}
        client_secret = {secret("aws-m2m")}

        [u2m]
        host      = {AWS_WS_2}
        auth_type = databricks-cli

        [host-only]
        host = {AWS_WS_2}
        """)
    h.secrets(pat("aws-pat"), password("aws-basic"), secret("aws-m2m"))
    h.finish(
        "One AWS workspace file with every plain auth style: PAT (`token`), basic (`username`/`password`), OAuth M2M "
        "(`client_id`/`client_secret`), U2M (`auth_type = databricks-cli`) and a host-only profile, which the SDK's chain "
        "takes to databricks-cli. `[DEFAULT]` is an empty header: not a profile, and no default, so nothing is active.",
        ["auth:pat", "auth:basic", "auth:oauth-m2m", "auth:databricks-cli", "chain:host-only", "default:empty-header"],
    )


@fixture
def auth_styles_azure(h):
    h.cfg(f"""
        [az-cli]
        host      = {AZ_WS}
        auth_type = azure-cli

        [az-host-only]
        host = {AZ_WS_2}

        [az-sp]
        host                = {AZ_WS}
        azure_tenant_id     = {TENANT_ID}
        azure_client_id     = {uuid("az-sp")}
        azure_client_secret = {secret("az-sp")}

        [az-sp-explicit]
        host                = {AZ_WS_2}
        auth_type           = azure-client-secret
        azure_tenant_id     = {TENANT_ID}
        azure_client_id     = {uuid("az-sp-2")}
        azure_client_secret = {secret("az-sp-2")}

        [az-m2m]
        host          = {AZ_WS}
        client_id     = {uuid("az-m2m")}
        client_secret = {secret("az-m2m")}

        [az-msi]
        host          = {AZ_WS}
        auth_type     = azure-msi
        azure_use_msi = true
        """)
    h.secrets(secret("az-sp"), secret("az-sp-2"), secret("az-m2m"))
    h.finish(
        "Azure workspaces: explicit azure-cli; a host-only Azure profile (the chain reaches azure-cli before databricks-cli); "
        "an Entra service principal without and with auth_type (azure-client-secret); Databricks M2M on Azure; and "
        "auth_type = azure-msi, which the Python SDK has no strategy for.",
        ["auth:azure-cli", "chain:azure-host-only", "auth:azure-client-secret", "auth:oauth-m2m", "auth:azure-msi-unknown", "cloud:azure"],
    )


@fixture
def auth_styles_google(h):
    h.cfg(f"""
        [gcp-credentials]
        host               = {GCP_WS}
        google_credentials = {gcp_sa_json_line()}

        [gcp-credentials-explicit]
        host               = {GCP_WS}
        auth_type          = google-credentials
        google_credentials = {gcp_sa_json_line()}

        [gcp-id]
        host                   = {GCP_WS}
        google_service_account = {GCP_SA}

        [gcp-id-explicit]
        host                   = {GCP_WS}
        auth_type              = google-id
        google_service_account = {GCP_SA}

        [gcp-host-only]
        host = {GCP_WS}
        """)
    h.secrets(G.KEY_ETL_RUNNER.splitlines()[5])
    h.finish(
        "GCP workspaces: google_credentials holding a service-account key as one line of JSON, with and without "
        "auth_type = google-credentials (built offline), google_service_account with and without auth_type = google-id, "
        "and a host-only GCP profile. Without auth_type the chain reaches databricks-cli (a signed-in CLI, see "
        "oracle.py) before the Google strategies. No line of the private key may be printed.",
        ["auth:google-credentials", "auth:google-id", "chain:host-only", "cloud:gcp", "secret:private-key"],
    )


@fixture
def auth_types_explicit(h):
    h.cfg(f"""
        [github-oidc]
        host      = {AWS_WS}
        auth_type = github-oidc
        client_id = {uuid("gh-oidc")}

        [metadata-service]
        host                 = {AWS_WS}
        metadata_service_url = http://localhost:7355/metadata/token

        [metadata-service-no-url]
        host      = {AWS_WS}
        auth_type = metadata-service

        [runtime]
        host      = {AWS_WS}
        auth_type = runtime

        [external-browser]
        host      = {AWS_WS_2}
        auth_type = external-browser

        [env-oidc]
        host      = {AWS_WS}
        auth_type = env-oidc

        [file-oidc-missing]
        host                = {AWS_WS}
        oidc_token_filepath = /var/run/secrets/databricks/oidc-token

        [oauth-m2m-explicit]
        host          = {AWS_WS}
        auth_type     = oauth-m2m
        client_id     = {uuid("m2m-explicit")}
        client_secret = {secret("m2m-explicit")}

        [unknown-auth-type]
        host      = {AWS_WS}
        auth_type = oauth-u2m
        """)
    h.secrets(secret("m2m-explicit"))
    h.finish(
        "auth_type values outside a plain workstation's: github-oidc (no GitHub Actions here), metadata-service (by its "
        "URL, and named without one), runtime (not in a Databricks runtime), external-browser, env-oidc (no token "
        "variable), an OIDC token file that does not exist (the chain passes over file-oidc), oauth-m2m named "
        "explicitly, and a name no strategy has (oauth-u2m).",
        ["auth:github-oidc", "auth:metadata-service", "auth:runtime", "auth:external-browser", "auth:env-oidc", "auth:file-oidc", "auth:unknown"],
    )


# --- file syntax ----------------------------------------------------------------


@fixture
def quoting_and_comments(h):
    h.cfg(f"""
        # Full-line comments with '#' and ';' are comments.
        ; this one too
        [double-quoted]
        host  = "{AWS_WS}"
        token = "{pat("dq")}"

        [single-quoted]
        host  = '{AZ_WS}'
        token = '{pat("sq")}'

        [unquoted]
        host  = {GCP_WS}
        token = {pat("uq")}

        [hash-comment]
        host  = {AWS_WS}  # production workspace
        token = {pat("hc")}

        [semicolon-comment]
        host  = {AZ_WS} ; staging
        token = {pat("sc")}

        [colon-and-case]
        HOST: {AWS_WS_2}
        Auth_Type: databricks-cli

        [spaced-value]
        host = {AWS_WS}
        client_id     =    {uuid("spaced")}
        client_secret =    {secret("spaced")}
        """)
    h.secrets(pat("dq"), pat("sq"), pat("uq"), pat("hc"), pat("sc"), secret("spaced"))
    h.finish(
        "Quoted values (double, single, none), trailing `# comment` and `; comment` after a value, full-line comments, "
        "`key: value` with upper-case keys, and padded values. Python's configparser keeps quotes and trailing comments "
        "in the value (the Go SDK's INI reader may not: wire.md §3.1 UNCONFIRMED); databricks-sdk's verdict is what "
        "counts here.",
        ["syntax:quotes", "syntax:inline-comment", "syntax:full-line-comment", "syntax:colon", "syntax:key-case"],
    )


@fixture
def default_fallback_not_merged(h):
    h.cfg(f"""
        [DEFAULT]
        host  = {AWS_WS}
        token = {pat("default")}

        [etl]
        client_id     = {uuid("etl")}
        client_secret = {secret("etl")}

        [analytics]
        host      = {AWS_WS_2}
        auth_type = databricks-cli
        """)
    h.secrets(pat("default"), secret("etl"))
    h.finish(
        "[DEFAULT] has a host and a PAT and is the fallback when no profile is named, so it is active. The SDK does not "
        "merge [DEFAULT] into other sections: [etl] has no host (and so no strategy), and [analytics] has no token.",
        ["default:fallback", "default:not-merged", "missing-host"],
    )


@fixture
def settings_default_profile(h):
    h.cfg(f"""
        [__settings__]
        default_profile = prod
        auth_storage    = secure

        [DEFAULT]
        host  = {AWS_WS_2}
        token = {pat("default-ignored")}

        [dev]
        host      = {AWS_WS_2}
        auth_type = databricks-cli

        [prod]
        host          = {AWS_WS}
        client_id     = {uuid("prod")}
        client_secret = {secret("prod")}
        """)
    h.secrets(pat("default-ignored"), secret("prod"))
    h.finish(
        "[__settings__] default_profile = prod wins over [DEFAULT] when no profile is named; auth_storage = secure is "
        "the CLI's (the Python SDK ignores it). __settings__ is not a profile.",
        ["settings:default_profile", "settings:auth_storage", "settings:not-a-profile", "default:shadowed"],
        cli_settings={"default_profile": "prod", "auth_storage": "secure"},
    )


@fixture
def settings_default_profile_missing(h):
    h.cfg(f"""
        [__settings__]
        auth_storage    = plaintext
        default_profile = retired

        [DEFAULT]
        host  = {AWS_WS}
        token = {pat("default-missing")}

        [dev]
        host      = {AWS_WS_2}
        auth_type = databricks-cli
        """)
    h.secrets(pat("default-missing"))
    h.finish(
        "default_profile names a section that is gone: with no profile named, the SDK raises `has no retired profile "
        "configured` (it does not fall back to [DEFAULT]); every profile is still usable by name.",
        ["settings:default_profile-missing", "settings:auth_storage", "error:no-such-profile"],
        cli_settings={"default_profile": "retired", "auth_storage": "plaintext"},
    )


@fixture
def settings_reserved_name(h):
    h.cfg(f"""
        [__settings__]
        default_profile = dev

        [dev]
        host  = {AWS_WS}
        token = {pat("reserved")}
        """)
    h.meta["env"]["DATABRICKS_CONFIG_PROFILE"] = "__settings__"
    h.secrets(pat("reserved"))
    h.finish(
        "DATABRICKS_CONFIG_PROFILE=__settings__: the reserved section cannot be used as a profile, the SDK raises and "
        "does not fall back to default_profile.",
        ["settings:reserved", "env:DATABRICKS_CONFIG_PROFILE", "error:reserved"],
    )


@fixture
def scopes_lists(h):
    h.cfg(f"""
        [comma]
        host      = {AWS_WS}
        auth_type = databricks-cli
        scopes    = sql,all-apis

        [space-and-comma]
        host      = {AWS_WS}
        auth_type = databricks-cli
        scopes    = clusters, jobs, pipelines, iam:read, files:read, mlflow, model-serving

        [duplicates]
        host      = {AWS_WS}
        auth_type = databricks-cli
        scopes    = jobs sql jobs,sql ,, offline_access

        [empty]
        host      = {AWS_WS}
        auth_type = databricks-cli
        scopes    =

        [m2m-scoped]
        host          = {AWS_WS_2}
        client_id     = {uuid("scoped")}
        client_secret = {secret("scoped")}
        scopes        = all-apis offline_access
        """)
    h.secrets(secret("scoped"))
    h.finish(
        "`scopes` lists split on commas and spaces, de-duplicated and sorted; an empty `scopes =` is no scopes.",
        ["scopes:comma", "scopes:space", "scopes:dedup", "scopes:sort", "scopes:empty"],
    )


@fixture
def account_profiles(h):
    h.cfg(f"""
        [acct-aws]
        host       = {ACCT_AWS}
        account_id = {ACCOUNT_ID}
        auth_type  = databricks-cli

        [acct-azure-m2m]
        host          = {ACCT_AZ}
        account_id    = {ACCOUNT_ID_2}
        client_id     = {uuid("acct-az")}
        client_secret = {secret("acct-az")}

        [acct-gcp]
        host       = {ACCT_GCP}
        account_id = {ACCOUNT_ID}

        [acct-gov]
        host       = {ACCT_GOV}
        account_id = {ACCOUNT_ID_2}
        auth_type  = databricks-cli

        [acct-no-id]
        host      = {ACCT_AWS}
        auth_type = databricks-cli

        [workspace-with-account]
        host       = {AWS_WS}
        account_id = {ACCOUNT_ID}
        token      = {pat("ws-acct")}
        """)
    h.secrets(secret("acct-az"), pat("ws-acct"))
    h.finish(
        "Account-level profiles on accounts.* hosts (AWS, Azure, GCP, accounts-dod GovCloud) with account_id, one "
        "without account_id, and a workspace profile that also names an account_id.",
        ["account:aws", "account:azure", "account:gcp", "account:dod", "account:no-id", "account:workspace"],
    )


@fixture
def conflicting_methods(h):
    h.cfg(f"""
        [pat-and-m2m]
        host          = {AWS_WS}
        token         = {pat("c1")}
        client_id     = {uuid("c1")}
        client_secret = {secret("c1")}

        [pat-and-basic]
        host     = {AWS_WS}
        token    = {pat("c2")}
        username = dana.okafor@example.com
        password = {password("c2")}

        [three-ways]
        host                   = {GCP_WS}
        token                  = {pat("c3")}
        client_id              = {uuid("c3")}
        google_service_account = {GCP_SA}

        [azure-and-m2m]
        host                = {AZ_WS}
        client_id           = {uuid("c4")}
        client_secret       = {secret("c4")}
        azure_client_id     = {uuid("c4-az")}
        azure_client_secret = {secret("c4-az")}
        azure_tenant_id     = {TENANT_ID}

        [resolved-by-auth-type]
        host          = {AWS_WS}
        auth_type     = oauth-m2m
        token         = {pat("c5")}
        client_id     = {uuid("c5")}
        client_secret = {secret("c5")}
        """)
    h.secrets(pat("c1"), secret("c1"), pat("c2"), password("c2"), pat("c3"), secret("c4"), secret("c4-az"), pat("c5"), secret("c5"))
    h.finish(
        "Attributes of more than one auth group without auth_type: `validate: more than one authorization method "
        "configured` (pat+oauth, basic+pat, google+oauth+pat, azure+oauth). With auth_type set the SDK accepts the mix "
        "and uses the named one.",
        ["error:more-than-one-method", "auth_type:resolves-conflict"],
    )


@fixture
def missing_host(h):
    h.cfg(f"""
        [token-only]
        token = {pat("nohost")}

        [m2m-no-host]
        client_id     = {uuid("nohost")}
        client_secret = {secret("nohost")}

        [cli-no-host]
        auth_type = databricks-cli

        [empty-host]
        host  =
        token = {pat("emptyhost")}

        [azure-sp-no-host]
        azure_tenant_id     = {TENANT_ID}
        azure_client_id     = {uuid("az-nohost")}
        azure_client_secret = {secret("az-nohost")}

        [ok]
        host  = {AWS_WS}
        token = {pat("hosted")}
        """)
    h.secrets(pat("nohost"), secret("nohost"), pat("emptyhost"), secret("az-nohost"), pat("hosted"))
    h.finish(
        "Profiles without a host (or `host =` empty): no strategy that needs one applies, so the SDK cannot configure "
        "credentials; an Azure service principal needs no host to be chosen. [ok] beside them is fine.",
        ["missing-host", "error:no-credentials", "auth:azure-client-secret-no-host"],
    )


@fixture
def host_normalisation(h):
    h.cfg(f"""
        [no-scheme]
        host  = dbc-a1b2c3d4-e5f6.cloud.databricks.com
        token = {pat("n1")}

        [trailing-slash]
        host  = {AWS_WS}/
        token = {pat("n2")}

        [slashes]
        host  = {AZ_WS}///
        token = {pat("n3")}

        [port-443]
        host  = {GCP_WS}:443
        token = {pat("n4")}

        [port-8443]
        host  = {AWS_WS}:8443
        token = {pat("n5")}

        [with-path]
        host  = {AWS_WS}/?o=1234567890123456
        token = {pat("n6")}

        [no-scheme-slash]
        host  = adb-1234567890123456.7.azuredatabricks.net/
        token = {pat("n7")}
        """)
    h.secrets(*(pat(f"n{i}") for i in range(1, 8)))
    h.finish(
        "Hosts as people paste them: no scheme, trailing slashes, an explicit :443 (dropped) and another port (kept), a "
        "`?o=` workspace query. The SDK adds https://, strips trailing slashes and port 443; its cloud comes from the "
        "host's DNS zone, which a port defeats.",
        ["host:no-scheme", "host:trailing-slash", "host:port", "host:query", "cloud:dns-zone"],
    )


@fixture
def cloud_dns_zones(h):
    h.cfg(f"""
        [aws]
        host = {AWS_WS}
        auth_type = databricks-cli

        [aws-gov]
        host = https://dbc-11aa22bb-33cc.cloud.databricks.us
        auth_type = databricks-cli

        [azure]
        host = {AZ_WS}
        auth_type = databricks-cli

        [azure-gov]
        host = https://adb-1111111111111111.1.databricks.azure.us
        auth_type = databricks-cli

        [azure-china]
        host = https://adb-2222222222222222.2.databricks.azure.cn
        auth_type = databricks-cli

        [gcp]
        host = {GCP_WS}
        auth_type = databricks-cli

        [staging-azure]
        host = https://adb-3333333333333333.3.staging.azuredatabricks.net
        auth_type = databricks-cli

        [custom-domain]
        host = https://databricks.internal.acme.example
        auth_type = databricks-cli
        """)
    h.finish(
        "The cloud from the host's DNS zone (databricks-sdk environments.py): cloud.databricks.com / .us are AWS, "
        "azuredatabricks.net, databricks.azure.us / .cn are Azure, gcp.databricks.com is GCP, and any other name "
        "falls back to AWS.",
        ["cloud:aws", "cloud:azure", "cloud:gcp", "cloud:gov", "cloud:china", "cloud:unknown-domain"],
    )


# --- environment overrides --------------------------------------------------------


@fixture
def env_host_token_no_profile(h):
    h.cfg(f"""
        [DEFAULT]
        host          = {AWS_WS_2}
        client_id     = {uuid("env-default")}
        client_secret = {secret("env-default")}

        [cli]
        host      = {AZ_WS}
        auth_type = databricks-cli
        """)
    h.meta["env"]["DATABRICKS_HOST"] = "dbc-a1b2c3d4-e5f6.cloud.databricks.com/"
    h.meta["env"]["DATABRICKS_TOKEN"] = pat("env-token")
    h.secrets(secret("env-default"), pat("env-token"))
    h.finish(
        "DATABRICKS_HOST (no scheme, trailing slash) and DATABRICKS_TOKEN set, no profile named: the SDK does not read "
        "the file at all, so no profile is active. Named explicitly, each profile gets the variables on top (they win), "
        "and [DEFAULT]'s M2M pair then conflicts with the PAT.",
        ["env:DATABRICKS_HOST", "env:DATABRICKS_TOKEN", "env:file-not-read", "error:more-than-one-method"],
    )


@fixture
def env_profile_over_settings(h):
    h.cfg(f"""
        [__settings__]
        default_profile = prod

        [prod]
        host  = {AWS_WS}
        token = {pat("prod-env")}

        [staging]
        host          = {AWS_WS_2}
        client_id     = {uuid("staging")}
        client_secret = {secret("staging")}
        """)
    h.meta["env"]["DATABRICKS_CONFIG_PROFILE"] = "staging"
    h.secrets(pat("prod-env"), secret("staging"))
    h.finish(
        "DATABRICKS_CONFIG_PROFILE=staging wins over [__settings__] default_profile = prod.",
        ["env:DATABRICKS_CONFIG_PROFILE", "settings:default_profile"],
    )


@fixture
def env_host_overrides_profile(h):
    h.cfg(f"""
        [prod]
        host      = {AWS_WS}
        auth_type = databricks-cli

        [other]
        host  = {GCP_WS}
        token = {pat("override-other")}
        """)
    h.meta["env"]["DATABRICKS_CONFIG_PROFILE"] = "prod"
    h.meta["env"]["DATABRICKS_HOST"] = "adb-1234567890123456.7.azuredatabricks.net"
    h.secrets(pat("override-other"))
    h.finish(
        "DATABRICKS_CONFIG_PROFILE=prod and DATABRICKS_HOST (an Azure workspace, no scheme): the profile is read but the "
        "variable's host wins, normalised, and so does its cloud.",
        ["env:DATABRICKS_HOST", "env:DATABRICKS_CONFIG_PROFILE", "host:no-scheme"],
    )


@fixture
def env_client_credentials(h):
    h.cfg(f"""
        [ws]
        host = {AWS_WS}

        [ws-pat]
        host  = {AWS_WS_2}
        token = {pat("ws-pat-env")}
        """)
    h.meta["env"]["DATABRICKS_CONFIG_PROFILE"] = "ws"
    h.meta["env"]["DATABRICKS_CLIENT_ID"] = uuid("env-client")
    h.meta["env"]["DATABRICKS_CLIENT_SECRET"] = secret("env-client")
    h.secrets(pat("ws-pat-env"), secret("env-client"))
    h.finish(
        "DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET with DATABRICKS_CONFIG_PROFILE=ws (a host-only profile): "
        "oauth-m2m with the variables' client. [ws-pat] named explicitly gets them too, beside its PAT: a conflict.",
        ["env:DATABRICKS_CLIENT_ID", "env:DATABRICKS_CLIENT_SECRET", "auth:oauth-m2m", "error:more-than-one-method"],
    )


@fixture
def env_auth_type(h):
    h.cfg(f"""
        [DEFAULT]
        host  = {AWS_WS}
        token = {pat("authtype-default")}

        [both]
        host          = {AWS_WS_2}
        token         = {pat("authtype-both")}
        client_id     = {uuid("authtype-both")}
        client_secret = {secret("authtype-both")}
        """)
    h.meta["env"]["DATABRICKS_AUTH_TYPE"] = "databricks-cli"
    h.secrets(pat("authtype-default"), pat("authtype-both"), secret("authtype-both"))
    h.finish(
        "DATABRICKS_AUTH_TYPE=databricks-cli forces the strategy for every profile: [DEFAULT]'s PAT is not used, and "
        "[both] (PAT and M2M) is no conflict because auth_type is set.",
        ["env:DATABRICKS_AUTH_TYPE", "auth_type:resolves-conflict", "default:fallback"],
    )


@fixture
def env_config_file(h):
    h.cfg(f"""
        [decoy]
        host  = {AWS_WS_2}
        token = {pat("decoy")}
        """)
    h.cfg(f"""
        [__settings__]
        default_profile = team

        [team]
        host          = {AZ_WS}
        client_id     = {uuid("team")}
        client_secret = {secret("team")}

        [team-acct]
        host       = {ACCT_AZ}
        account_id = {ACCOUNT_ID}
        auth_type  = databricks-cli
        """, rel="work/team.databrickscfg")
    h.meta["env"]["DATABRICKS_CONFIG_FILE"] = "$HOME/work/team.databrickscfg"
    h.secrets(pat("decoy"), secret("team"))
    h.finish(
        "DATABRICKS_CONFIG_FILE names ~/work/team.databrickscfg: its profiles are the ones, with its default_profile; "
        "~/.databrickscfg ([decoy]) is not read.",
        ["env:DATABRICKS_CONFIG_FILE", "settings:default_profile"],
    )


@fixture
def env_config_file_tilde(h):
    h.cfg(f"""
        [shared]
        host  = {GCP_WS}
        token = {pat("tilde")}
        """, rel="cfg/databricks.ini")
    h.meta["env"]["DATABRICKS_CONFIG_FILE"] = "~/cfg/databricks.ini"
    h.secrets(pat("tilde"))
    h.finish(
        "DATABRICKS_CONFIG_FILE=~/cfg/databricks.ini, a literal tilde (no shell expanded it): the SDK expands it "
        "(pathlib expanduser). No ~/.databrickscfg.",
        ["env:DATABRICKS_CONFIG_FILE", "path:tilde"],
    )


@fixture
def env_profile_missing(h):
    h.cfg(f"""
        [DEFAULT]
        host  = {AWS_WS}
        token = {pat("ghost-default")}

        [dev]
        host      = {AWS_WS_2}
        auth_type = databricks-cli
        """)
    h.meta["env"]["DATABRICKS_CONFIG_PROFILE"] = "ghost"
    h.secrets(pat("ghost-default"))
    h.finish(
        "DATABRICKS_CONFIG_PROFILE names a profile the file does not have: `resolve: ... has no ghost profile "
        "configured`, no fallback to [DEFAULT]; the profiles themselves are fine by name.",
        ["env:DATABRICKS_CONFIG_PROFILE", "error:no-such-profile"],
    )


# --- broken files (expectations by hand) -----------------------------------------------


def by_hand(host, auth_type, cloud, account_id=None, scopes=None, error=None):
    return {"host": host, "auth_type": auth_type, "account_id": account_id, "cloud": cloud, "scopes": scopes, "error": error}


@fixture
def broken_bad_ini(h):
    bad = pat("bad-line")
    h.cfg(f"""
        [prod]
        host  = {AWS_WS}
        token = {pat("bad-prod")}

        [broken]
        host = {AWS_WS_2}
        token {bad}

        [staging]
        host      = {AZ_WS}
        auth_type = databricks-cli
        """)
    h.secrets(pat("bad-prod"), bad)
    h.finish(
        "A line without `=` (`token dapi...`) in [broken]: configparser raises ParsingError for the whole file, so the "
        "SDK sees no profile. By hand: [prod] and [staging] stay visible, the error names the file and [broken], and "
        "the token on the bad line is never printed (configparser's message quotes the line).",
        ["broken:bad-ini", "secret:in-bad-line"],
        broken={
            "file": "$HOME/.databrickscfg",
            "profiles": {
                "prod": by_hand(AWS_WS, "pat", "AWS"),
                "staging": by_hand(AZ_WS, "databricks-cli", "AZURE"),
            },
            "named": ["broken"],
            "not_usable": ["broken"],
        },
    )


@fixture
def broken_duplicate_section(h):
    h.cfg(f"""
        [dev]
        host  = {AWS_WS}
        token = {pat("dup-1")}

        [prod]
        host          = {AWS_WS_2}
        client_id     = {uuid("dup-prod")}
        client_secret = {secret("dup-prod")}

        [dev]
        host      = {AZ_WS}
        auth_type = databricks-cli
        """)
    h.secrets(pat("dup-1"), secret("dup-prod"))
    h.finish(
        "[dev] appears twice (two people appended to the file): configparser's strict mode raises "
        "DuplicateSectionError. By hand: [prod] stays visible; the error names the file and [dev].",
        ["broken:duplicate-section"],
        broken={
            "file": "$HOME/.databrickscfg",
            "profiles": {"prod": by_hand(AWS_WS_2, "oauth-m2m", "AWS")},
            "named": ["dev"],
            "not_usable": [],
        },
    )


@fixture
def broken_missing_section_header(h):
    h.cfg(f"""
        host  = {AWS_WS}
        token = {pat("orphan")}

        [prod]
        host      = {AWS_WS_2}
        auth_type = databricks-cli
        """)
    h.secrets(pat("orphan"))
    h.finish(
        "Keys before any [section]: configparser raises MissingSectionHeaderError. By hand: [prod] stays visible, the "
        "error names the file, and the orphan keys do not silently become a usable [DEFAULT].",
        ["broken:no-section-header"],
        broken={
            "file": "$HOME/.databrickscfg",
            "profiles": {"prod": by_hand(AWS_WS_2, "databricks-cli", "AWS")},
            "named": [],
            "not_usable": ["DEFAULT"],
        },
    )


@fixture
def broken_config_is_directory(h):
    h.text(".databrickscfg/README", "This folder is where .databrickscfg should be; a bad dotfiles sync made it.\n", 0o644)
    h.google_adc()
    h.finish(
        "~/.databrickscfg is a directory. The SDK's configparser skips what it cannot open, silently. By hand: "
        "tokentop names the path in source_errors and still lists the Google ADC credential.",
        ["broken:directory"],
        broken={"file": "$HOME/.databrickscfg", "profiles": {}, "named": [], "not_usable": [], "other_credentials": True},
    )


@fixture
def broken_unreadable(h):
    h.cfg(f"""
        [prod]
        host  = {AWS_WS}
        token = {pat("unreadable")}
        """)
    h.google_adc()
    h.secrets(pat("unreadable"))
    h.finish(
        "~/.databrickscfg is mode 000 (the runners chmod it after staging, and drop CAP_DAC_OVERRIDE when root). The "
        "SDK's configparser skips it silently. By hand: tokentop names the file in source_errors and still lists the "
        "Google ADC credential.",
        ["broken:unreadable"],
        unreadable=[".databrickscfg"],
        broken={"file": "$HOME/.databrickscfg", "profiles": {}, "named": [], "not_usable": ["prod"], "other_credentials": True},
    )


# --- writing and syncing --------------------------------------------------------


def fixture_name(fn):
    return fn.__name__.replace("_", "-")


def main():
    out = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(HERE, "homes")
    os.umask(0o022)
    with tempfile.TemporaryDirectory(prefix="tokentop-dbcorpus-") as tmp:
        for fn in FIXTURES:
            name = fixture_name(fn)
            fn(Home(tmp, name))
            # The oracle's verdict is not build.py's to write: keep it.
            kept = os.path.join(out, name, "expected.json")
            if os.path.isfile(kept):
                shutil.copy2(kept, os.path.join(tmp, name, "expected.json"))
        os.makedirs(out, exist_ok=True)
        changed = G.sync(tmp, out)
    print(f"build.py: {len(FIXTURES)} fixtures in {out} ({changed} file(s) written or removed)")


if __name__ == "__main__":
    main()
