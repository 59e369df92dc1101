//! The long-lived secret material a credential refreshes from: one variant
//! per grant family, as data. What each family can do lives with its
//! provider module.

use super::boundary::Downscope;
use super::secret::Secret;

/// The long-lived secret material a credential refreshes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// Google `authorized_user`: refresh-token grant.
    GoogleUser {
        /// OAuth client id.
        client_id: String,
        /// OAuth client secret.
        client_secret: Secret,
        /// The long-lived refresh token.
        refresh_token: Secret,
    },
    /// Google `service_account` key: JWT-bearer grant.
    GoogleServiceAccount {
        /// `client_email`, the assertion's issuer.
        client_email: String,
        /// `private_key_id`, the assertion's `kid`.
        private_key_id: String,
        /// PKCS#8 PEM private key.
        private_key: Secret,
        /// Its universe, when not Google's own (`googleapis.com`): there
        /// its tokens are JWTs it signs itself, as google-auth makes them.
        universe_domain: Option<String>,
    },
    /// Google `impersonated_service_account`: a source credential that
    /// asks IAM Credentials for the target's tokens (wire.md §1.2, §2.7).
    GoogleImpersonated {
        /// The source credential's material.
        source: Box<Material>,
        /// The target service account.
        target: String,
        /// The delegation chain, in order.
        delegates: Vec<String>,
        /// The `generateAccessToken` URL.
        url: String,
    },
    /// Google `external_account`: a subject token exchanged at STS
    /// (workload or workforce identity federation).
    GoogleExternal {
        /// The pool provider's audience.
        audience: String,
        /// `subject_token_type`.
        subject_token_type: String,
        /// Where the subject token comes from.
        subject: SubjectSource,
        /// The JSON field holding the subject token, when the source
        /// answers JSON (`format.type = json`); plain text otherwise.
        subject_field: Option<String>,
        /// STS token URL.
        token_url: String,
        /// `service_account_impersonation_url`, when set.
        impersonation_url: Option<String>,
        /// `service_account_impersonation.token_lifetime_seconds`.
        impersonation_lifetime: Option<u64>,
        /// Workforce pools: the project billed.
        workforce_pool_user_project: Option<String>,
        /// OAuth client id, when the pool uses one.
        client_id: Option<String>,
        /// OAuth client secret, when the pool uses one.
        client_secret: Option<Secret>,
    },
    /// Google `external_account_authorized_user`: a workforce sign-in's
    /// refresh token, refreshed at STS with Basic client authentication.
    GoogleExternalUser {
        /// The workforce pool provider's audience.
        audience: String,
        /// OAuth client id.
        client_id: String,
        /// OAuth client secret.
        client_secret: Secret,
        /// The refresh token.
        refresh_token: Secret,
        /// STS token URL.
        token_url: String,
        /// Revocation URL, when the file names one.
        revoke_url: Option<String>,
    },
    /// A Google metadata server's service account: no secret at all, the
    /// VM (or Cloud Run instance) is the credential.
    GoogleMetadata {
        /// `host[:port]` of the metadata server.
        host: String,
        /// The service account's email (or `default`).
        account: String,
    },
    /// A token narrowed from another credential's (wire.md §2.8): made
    /// anew from the source's material each time it is refreshed.
    Downscoped {
        /// The source credential's material.
        source: Box<Material>,
        /// How its tokens are narrowed.
        ask: Downscope,
    },
    /// Databricks OAuth M2M: client-credentials grant.
    DatabricksM2m {
        /// Service principal application id.
        client_id: String,
        /// OAuth secret.
        client_secret: Secret,
    },
    /// A Databricks personal access token: the token itself.
    DatabricksPat {
        /// The PAT (`dapi…`).
        token: Secret,
    },
    /// A Databricks user login (U2M, `databricks auth login`): refreshed
    /// with the refresh token its tool cached, as a public client.
    DatabricksU2m {
        /// The OAuth client (`databricks-cli` unless the profile names one).
        client_id: String,
        /// The cached refresh token, when one was found.
        refresh_token: Option<Secret>,
    },
    /// A Databricks profile whose tokens another tool makes (Azure CLI,
    /// GitHub OIDC, a metadata service, the runtime): shown, not operated.
    DatabricksOther {
        /// Its `auth_type`, as databricks-sdk names it.
        auth_type: String,
    },
    /// A client of any standard OAuth 2.0 / OpenID Connect issuer: its
    /// endpoints come from the issuer's discovery document.
    OidcClient {
        /// The issuer URL (its `issuer`, checked against the document's).
        issuer: String,
        /// The client id.
        client_id: String,
        /// The client secret (or, for `private_key_jwt`, its PEM private
        /// key), for a confidential client.
        client_secret: Option<Secret>,
        /// How the client authenticates at the token endpoint.
        auth: ClientAuthMethod,
        /// An RFC 8707 resource to ask tokens for (JWT access tokens, often).
        resource: Option<String>,
        /// A refresh token, once a login has made one.
        refresh_token: Option<Secret>,
        /// Where a browser sign-in returns (a loopback URL; no port: any
        /// free one). Set, signing in uses a browser, not a device code.
        redirect_uri: Option<String>,
    },
}

/// How an OAuth client authenticates at its issuer's endpoints (RFC 6749
/// §2.3; the `token_endpoint_auth_method` names of RFC 7591).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// `client_secret_basic`: an `Authorization: Basic` header.
    Basic,
    /// `client_secret_post`: `client_id` and `client_secret` in the form.
    Post,
    /// `none`: a public client, `client_id` in the form.
    None,
    /// `private_key_jwt`: a JWT signed with the client's key (RFC 7523).
    PrivateKeyJwt,
}

/// Where an external account's subject token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectSource {
    /// A file (often a Kubernetes projected token).
    File(String),
    /// A URL (often a CI system's OIDC endpoint), with the headers to send.
    Url {
        /// The URL.
        url: String,
        /// Headers to send, their values held as secrets (one may be a
        /// credential for the CI system).
        headers: Vec<(String, Secret)>,
    },
    /// A command, run only when `GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1`.
    Executable(Executable),
    /// AWS (signed `GetCallerIdentity`).
    Aws,
    /// An X.509 certificate (mTLS).
    Certificate,
}

/// An executable subject token source (google-auth's "pluggable" one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executable {
    /// The command line, split as a POSIX shell would (google-auth's `shlex.split`).
    pub command: String,
    /// How long it may run, in milliseconds (5,000 to 120,000).
    pub timeout_millis: u64,
    /// Where it caches its answer, when it does.
    pub output_file: Option<String>,
}

impl SubjectSource {
    /// How it is shown.
    pub fn describe(&self) -> String {
        match self {
            Self::File(path) => format!("file {path}"),
            Self::Url { url, .. } => format!("url {}", without_secrets(url)),
            Self::Executable(exe) => format!("executable `{}`", exe.command),
            Self::Aws => "AWS".into(),
            Self::Certificate => "X.509 certificate".into(),
        }
    }
}

/// A URL without what may carry a secret: its user, password, query and
/// fragment (a CI system's token URL often signs its query).
fn without_secrets(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => {
            let host = parsed.host_str().unwrap_or("");
            let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
            let hidden = parsed.query().is_some() || !parsed.username().is_empty();
            format!(
                "{}://{host}{port}{}{}",
                parsed.scheme(),
                parsed.path(),
                if hidden {
                    " (query and user hidden)"
                } else {
                    ""
                }
            )
        }
        Err(_) => "(not a valid URL)".to_string(),
    }
}

impl Material {
    /// The refresh token it holds, if it is a login that has one.
    pub fn refresh_token(&self) -> Option<&Secret> {
        match self {
            Self::GoogleUser { refresh_token, .. }
            | Self::GoogleExternalUser { refresh_token, .. } => Some(refresh_token),
            Self::DatabricksU2m { refresh_token, .. } | Self::OidcClient { refresh_token, .. } => {
                refresh_token.as_ref()
            }
            _ => None,
        }
    }

    /// Takes `new` as its refresh token when it holds one that differs (an
    /// issuer that rotates refresh tokens spends the old one); says whether
    /// it did.
    pub fn rotate_refresh_token(&mut self, new: &Secret) -> bool {
        let held = match self {
            Self::GoogleUser { refresh_token, .. }
            | Self::GoogleExternalUser { refresh_token, .. } => refresh_token,
            Self::DatabricksU2m {
                refresh_token: Some(refresh_token),
                ..
            }
            | Self::OidcClient {
                refresh_token: Some(refresh_token),
                ..
            } => refresh_token,
            // A login kept elsewhere (the OS keyring) is held from now on.
            Self::DatabricksU2m { refresh_token, .. } => {
                *refresh_token = Some(new.clone());
                return true;
            }
            // A narrowed credential keeps a copy of its source's.
            Self::Downscoped { source, .. } => return source.rotate_refresh_token(new),
            _ => return false,
        };
        if held.expose() == new.expose() {
            return false;
        }
        *held = new.clone();
        true
    }

    /// Takes the refresh token a sign-in just made, for a client that held
    /// none (a client-credentials grant that sends one is not a sign-in).
    pub fn adopt_refresh_token(&mut self, new: &Secret) -> bool {
        match self {
            Self::OidcClient { refresh_token, .. } => {
                *refresh_token = Some(new.clone());
                true
            }
            _ => self.rotate_refresh_token(new),
        }
    }

    /// The same material with each secret replaced by what `f` makes of it,
    /// in the order [`Material::secrets`] lists them.
    pub fn map_secrets(&self, f: &mut impl FnMut(&Secret) -> Secret) -> Material {
        let mut copy = self.clone();
        match &mut copy {
            Self::GoogleUser {
                client_secret,
                refresh_token,
                ..
            }
            | Self::GoogleExternalUser {
                client_secret,
                refresh_token,
                ..
            } => {
                *client_secret = f(client_secret);
                *refresh_token = f(refresh_token);
            }
            Self::GoogleServiceAccount { private_key, .. } => *private_key = f(private_key),
            Self::GoogleImpersonated { source, .. } | Self::Downscoped { source, .. } => {
                **source = source.map_secrets(f);
            }
            Self::GoogleExternal {
                client_secret,
                subject,
                ..
            } => {
                if let Some(secret) = client_secret {
                    *secret = f(secret);
                }
                if let SubjectSource::Url { headers, .. } = subject {
                    for (_, value) in headers {
                        *value = f(value);
                    }
                }
            }
            Self::GoogleMetadata { .. } => {}
            Self::DatabricksM2m { client_secret, .. } => *client_secret = f(client_secret),
            Self::DatabricksPat { token } => *token = f(token),
            Self::DatabricksU2m { refresh_token, .. } => {
                if let Some(secret) = refresh_token {
                    *secret = f(secret);
                }
            }
            Self::DatabricksOther { .. } => {}
            Self::OidcClient {
                client_secret,
                refresh_token,
                ..
            } => {
                for secret in [client_secret, refresh_token].into_iter().flatten() {
                    *secret = f(secret);
                }
            }
        }
        copy
    }

    /// Every secret it holds, to keep them out of anything shown.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Self::GoogleUser {
                client_secret,
                refresh_token,
                ..
            }
            | Self::GoogleExternalUser {
                client_secret,
                refresh_token,
                ..
            } => vec![client_secret, refresh_token],
            Self::GoogleServiceAccount { private_key, .. } => vec![private_key],
            Self::GoogleImpersonated { source, .. } | Self::Downscoped { source, .. } => {
                source.secrets()
            }
            Self::GoogleExternal {
                client_secret,
                subject,
                ..
            } => {
                let mut held: Vec<&Secret> = client_secret.iter().collect();
                if let SubjectSource::Url { headers, .. } = subject {
                    held.extend(headers.iter().map(|(_, v)| v));
                }
                held
            }
            Self::GoogleMetadata { .. } => Vec::new(),
            Self::DatabricksM2m { client_secret, .. } => vec![client_secret],
            Self::DatabricksPat { token } => vec![token],
            Self::DatabricksU2m { refresh_token, .. } => refresh_token.iter().collect(),
            Self::DatabricksOther { .. } => Vec::new(),
            Self::OidcClient {
                client_secret,
                refresh_token,
                ..
            } => client_secret.iter().chain(refresh_token).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_url_is_shown_without_its_user_or_query() {
        let shown = SubjectSource::Url {
            url: "https://ci:hunter2@ci.example:8443/oidc?sig=SECRETSIG".into(),
            headers: Vec::new(),
        }
        .describe();
        assert_eq!(
            shown,
            "url https://ci.example:8443/oidc (query and user hidden)"
        );
        assert!(!shown.contains("hunter2") && !shown.contains("SECRETSIG"));
    }

    #[test]
    fn map_secrets_reaches_every_secret_in_order() {
        let user = Material::GoogleUser {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            refresh_token: Secret::new("r"),
        };
        let nested = Material::GoogleImpersonated {
            source: Box::new(user),
            target: "t".into(),
            delegates: vec![],
            url: "u".into(),
        };
        let mut n = 0;
        let swapped = nested.map_secrets(&mut |_| {
            n += 1;
            Secret::new(format!("m{n}"))
        });
        let held: Vec<&str> = swapped.secrets().iter().map(|s| s.expose()).collect();
        assert_eq!(held, ["m1", "m2"]);
        assert_eq!(nested.secrets().len(), 2);
    }
}
