//! Clients of any standard OAuth 2.0 / OpenID Connect issuer: endpoints
//! from the issuer's discovery document (OIDC Discovery, else RFC 8414,
//! its `issuer` checked), tokens by client credentials or a refresh token
//! (RFC 6749), revocation (RFC 7009) confirmed by introspection (RFC 7662),
//! and narrower tokens by token exchange (RFC 8693).

use super::family::{Ops, Pending, audience_as_asked};
use super::grant::{self, ACCESS_TOKEN_TYPE, ClientAuth, TOKEN_EXCHANGE, get_document, post_form};
use super::{Confirmation, ProviderError};
use crate::model::{
    Capabilities, ClientAuthMethod, Credential, Material, Secret, Token, TokenRole,
};
use crate::net::Http;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A client of a standard issuer.
pub static CLIENT: Ops = Ops {
    refresh: obtain,
    revoke: revoke_and_introspect,
    capabilities: client_capabilities,
    advice: sign_in_again,
    narrow: exchange,
    id_audience: audience_as_asked,
};

/// The fields of an issuer's metadata tokentop uses.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Metadata {
    issuer: String,
    /// Where tokens are asked for.
    pub(super) token_endpoint: String,
    #[serde(default)]
    revocation_endpoint: Option<String>,
    #[serde(default)]
    introspection_endpoint: Option<String>,
    /// Where a browser signs in (RFC 6749 §3.1), if it has one.
    #[serde(default)]
    pub(super) authorization_endpoint: Option<String>,
    /// RFC 8628's device authorization endpoint, if it has one.
    #[serde(default)]
    pub(super) device_authorization_endpoint: Option<String>,
    #[serde(default)]
    jwks_uri: Option<String>,
    /// Where a user's access token reads its claims (OIDC Core §5.3).
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

/// The client's parts.
pub(super) struct Client<'a> {
    /// The issuer.
    pub(super) issuer: &'a str,
    /// The client id.
    pub(super) id: &'a str,
    secret: Option<&'a Secret>,
    auth: ClientAuthMethod,
    resource: Option<&'a str>,
    refresh_token: Option<&'a Secret>,
}

/// The client a credential is, if it is an OIDC client.
pub(super) fn client(cred: &Credential) -> Result<Client<'_>, ProviderError> {
    match &cred.material {
        Material::OidcClient {
            issuer,
            client_id,
            client_secret,
            auth,
            resource,
            refresh_token,
            ..
        } => Ok(Client {
            issuer,
            id: client_id,
            secret: client_secret.as_ref(),
            auth: *auth,
            resource: resource.as_deref(),
            refresh_token: refresh_token.as_ref(),
        }),
        _ => Err(ProviderError::config(&cred.id.0, "not an OIDC client")),
    }
}

impl Client<'_> {
    /// What proves the client at `endpoint`: for `private_key_jwt`, a
    /// fresh assertion signed with its key (RFC 7523 §3: `iss` = `sub` = the
    /// client, `aud` = the endpoint, a minute to live, a unique `jti`).
    pub(super) fn assertion(
        &self,
        endpoint: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Secret>, ProviderError> {
        let (ClientAuthMethod::PrivateKeyJwt, Some(pem)) = (self.auth, self.secret) else {
            return Ok(None);
        };
        #[derive(serde::Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            sub: &'a str,
            aud: &'a str,
            iat: i64,
            exp: i64,
            jti: String,
        }
        let claims = Claims {
            iss: self.id,
            sub: self.id,
            aud: endpoint,
            iat: now.timestamp(),
            exp: now.timestamp() + 60,
            jti: crate::model::sha256_hex(&format!(
                "{}{}",
                self.id,
                now.timestamp_nanos_opt().unwrap_or_default()
            )),
        };
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.expose().as_bytes())
            .map_err(|e| ProviderError::config(self.id, format!("`client_key_file`: {e}")))?;
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        jsonwebtoken::encode(&header, &claims, &key)
            .map(|jwt| Some(Secret::new(jwt)))
            .map_err(|e| ProviderError::config(self.id, format!("cannot sign: {e}")))
    }

    /// How it authenticates (with `assertion` for `private_key_jwt`); a
    /// public client names itself in the form.
    pub(super) fn auth<'s>(&'s self, assertion: Option<&'s Secret>) -> ClientAuth<'s> {
        match (self.auth, self.secret, assertion) {
            (ClientAuthMethod::Basic, Some(secret), _) => ClientAuth::Basic(self.id, secret),
            (ClientAuthMethod::Post, Some(secret), _) => ClientAuth::InBody(self.id, secret),
            (ClientAuthMethod::PrivateKeyJwt, _, Some(jwt)) => ClientAuth::Assertion(self.id, jwt),
            _ => ClientAuth::None,
        }
    }

    /// The resource (RFC 8707) its tokens are asked for, if any.
    pub(super) fn resource(&self) -> Option<&str> {
        self.resource
    }

    /// `form` with `client_id` added for a public client.
    pub(super) fn form<'f>(&'f self, mut form: Vec<(&'f str, &'f str)>) -> Vec<(&'f str, &'f str)> {
        if self.auth == ClientAuthMethod::None || self.secret.is_none() {
            form.push(("client_id", self.id));
        }
        form
    }
}

/// The issuer's metadata: OIDC Discovery's document, else RFC 8414's
/// (`/.well-known/oauth-authorization-server` before the issuer's path),
/// else the same name after the path, where Okta's custom servers and
/// Databricks publish it; its `issuer` must be the one configured. Reused
/// for an hour.
pub(super) async fn metadata(http: &Http, issuer: &str) -> Result<Metadata, ProviderError> {
    let read = |body: &str| -> Result<Metadata, String> {
        let meta: Metadata =
            serde_json::from_str(body).map_err(|e| format!("not a discovery document: {e}"))?;
        if meta.issuer.trim_end_matches('/') != issuer {
            return Err(format!(
                "names issuer {}, not {issuer}: not used (OIDC Discovery §4.3)",
                meta.issuer
            ));
        }
        Ok(meta)
    };
    let oidc = format!("{issuer}/.well-known/openid-configuration");
    match get_document(http, &oidc, read).await {
        Err(ProviderError::Rejected { status: 404, .. }) => {
            let url = url::Url::parse(issuer)
                .map_err(|e| ProviderError::config(issuer, e.to_string()))?;
            let rfc8414 = format!(
                "{}/.well-known/oauth-authorization-server{}",
                url.origin().ascii_serialization(),
                url.path().trim_end_matches('/')
            );
            match get_document(http, &rfc8414, read).await {
                Err(ProviderError::Rejected { status: 404, .. }) if !url.path().is_empty() => {
                    let appended = format!("{issuer}/.well-known/oauth-authorization-server");
                    get_document(http, &appended, read).await
                }
                found => found,
            }
        }
        found => found,
    }
}

/// The token endpoint the profile sets, if it sets one (else the
/// issuer's document says).
pub(super) fn own_token_endpoint(cred: &Credential) -> Option<&str> {
    Some(cred.endpoints.token.as_str()).filter(|t| !t.is_empty())
}

/// The token endpoint: the profile's own when it sets one, else the issuer's.
async fn token_endpoint(
    http: &Http,
    cred: &Credential,
    issuer: &str,
) -> Result<String, ProviderError> {
    match own_token_endpoint(cred) {
        Some(own) => Ok(own.to_string()),
        None => Ok(metadata(http, issuer).await?.token_endpoint),
    }
}

/// Where the issuer of `cred` publishes its signing keys: its discovery
/// document's `jwks_uri` (the same document, checked and reused, as its
/// grants use).
pub async fn jwks_uri(http: &Http, cred: &Credential) -> Result<String, ProviderError> {
    let client = client(cred)?;
    metadata(http, client.issuer)
        .await?
        .jwks_uri
        .ok_or_else(|| ProviderError::config(client.issuer, "the issuer publishes no jwks_uri"))
}

fn client_capabilities(cred: &Credential) -> Capabilities {
    // A public client, or one set up for a browser sign-in, has no token
    // of its own: a user's sign-in makes them.
    let user_client = matches!(
        &cred.material,
        Material::OidcClient {
            redirect_uri: Some(_),
            ..
        }
    );
    let login_only = client(cred)
        .is_ok_and(|c| (c.secret.is_none() || user_client) && c.refresh_token.is_none());
    Capabilities {
        refresh_blocked: login_only
            .then_some("its tokens come by signing in a user: press L (or run tokentop login)"),
        revoke_blocked: None,
        downscope_blocked: None,
    }
}

/// A sign-in whose refresh token the issuer no longer honours is made again.
fn sign_in_again(cred: &Credential, error: &ProviderError) -> Option<String> {
    let signed_in = client(cred).is_ok_and(|c| c.refresh_token.is_some());
    (signed_in && error.is_invalid_grant())
        .then(|| format!("tokentop login {}", cred.provenance.profile))
}

/// A new token: with the refresh token when there is one, else by client
/// credentials, asking for the profile's scopes (and resource).
fn obtain<'a>(http: &'a Http, cred: &'a Credential, now: DateTime<Utc>) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let client = client(cred)?;
        let endpoint = token_endpoint(http, cred, client.issuer).await?;
        let scope = cred.scopes.join(" ");
        let mut form = match client.refresh_token {
            Some(token) => vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", token.expose()),
            ],
            None => vec![("grant_type", "client_credentials")],
        };
        if !scope.is_empty() {
            form.push(("scope", scope.as_str()));
        }
        if let Some(resource) = client.resource {
            form.push(("resource", resource));
        }
        let form = client.form(form);
        let assertion = client.assertion(&endpoint, now)?;
        let auth = client.auth(assertion.as_ref());
        let mut tokens = grant::request_tokens(http, &endpoint, &form, auth, cred, now).await?;
        // A client's own grant names the client; a user's, the user (a
        // JWT's `sub`, else the ID token's email, learned by the row).
        let client_itself = client.refresh_token.is_none();
        for token in &mut tokens {
            token.principal =
                subject(token).or_else(|| client_itself.then(|| client.id.to_string()));
        }
        Ok(tokens)
    })
}

/// A JWT access token's `sub` (RFC 9068).
pub(super) fn subject(token: &Token) -> Option<String> {
    (token.role == TokenRole::Access)
        .then(|| crate::inspect::jwt::peek_claims(token.value.expose()).ok())
        .flatten()
        .and_then(|claims| claims.get("sub")?.as_str().map(str::to_string))
}

/// RFC 7009 at the issuer's revocation endpoint, then RFC 7662: the
/// issuer's introspection must call the token inactive.
fn revoke_and_introspect<'a>(
    http: &'a Http,
    cred: &'a Credential,
    token: &'a Token,
) -> Pending<'a, Confirmation> {
    Box::pin(async move {
        let client = client(cred)?;
        let meta = metadata(http, client.issuer).await?;
        let url = cred
            .endpoints
            .revoke
            .clone()
            .or(meta.revocation_endpoint)
            .ok_or_else(|| {
                ProviderError::config(client.issuer, "the issuer publishes no revocation_endpoint")
            })?;
        let form = client.form(vec![
            ("token", token.value.expose()),
            ("token_type_hint", "access_token"),
        ]);
        let assertion = client.assertion(&url, chrono::Utc::now())?;
        post_form(http, &url, &form, client.auth(assertion.as_ref())).await?;
        let Some(introspection) = meta.introspection_endpoint else {
            return Ok(Confirmation::Unchecked(
                "the issuer publishes no introspection_endpoint to ask".into(),
            ));
        };
        let said = introspect(http, &client, &introspection, &token.value).await;
        Ok(match said.map(|v| v["active"].as_bool()) {
            Ok(Some(false)) => {
                Confirmation::Confirmed("its introspection now says active: false".into())
            }
            Ok(_) => Confirmation::StillAccepted,
            Err(e) => Confirmation::Unchecked(e.to_string()),
        })
    })
}

/// Whether the client's issuer offers the device authorization grant.
pub async fn offers_device_login(http: &Http, cred: &Credential) -> Result<bool, ProviderError> {
    let client = client(cred)?;
    Ok(metadata(http, client.issuer)
        .await?
        .device_authorization_endpoint
        .is_some())
}

/// The issuer's userinfo endpoint: an OIDC issuer's own resource server,
/// where the doctor sends a token by default.
pub async fn userinfo_endpoint(http: &Http, cred: &Credential) -> Result<String, ProviderError> {
    let client = client(cred)?;
    metadata(http, client.issuer)
        .await?
        .userinfo_endpoint
        .ok_or_else(|| {
            ProviderError::config(client.issuer, "the issuer publishes no userinfo_endpoint")
        })
}

/// What the issuer's introspection (RFC 7662) says of `token`: `active`,
/// and while active its scope, expiry, client and subject. Scrubbed of
/// what was sent.
pub async fn introspection(
    http: &Http,
    cred: &Credential,
    token: &Token,
) -> Result<serde_json::Value, ProviderError> {
    let client = client(cred)?;
    let meta = metadata(http, client.issuer).await?;
    let url = meta.introspection_endpoint.ok_or_else(|| {
        ProviderError::config(
            client.issuer,
            "the issuer publishes no introspection_endpoint",
        )
    })?;
    introspect(http, &client, &url, &token.value).await
}

/// The issuer's introspection answer for `token`.
async fn introspect(
    http: &Http,
    client: &Client<'_>,
    url: &str,
    token: &Secret,
) -> Result<serde_json::Value, ProviderError> {
    let form = client.form(vec![("token", token.expose())]);
    let assertion = client.assertion(url, chrono::Utc::now())?;
    let answer = post_form(http, url, &form, client.auth(assertion.as_ref())).await?;
    let mut value: serde_json::Value = serde_json::from_str(&answer.body)
        .map_err(|e| ProviderError::config(url, format!("not an introspection answer: {e}")))?;
    if !value
        .get("active")
        .is_some_and(serde_json::Value::is_boolean)
    {
        return Err(ProviderError::config(
            url,
            "an introspection answer without `active`",
        ));
    }
    answer.sent.scrub_json(&mut value);
    Ok(value)
}

/// RFC 8693: the current token exchanged for one with only `scopes`.
fn exchange<'a>(
    http: &'a Http,
    cred: &'a Credential,
    source: &'a Token,
    scopes: &'a [String],
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let client = client(cred)?;
        let endpoint = token_endpoint(http, cred, client.issuer).await?;
        let scope = scopes.join(" ");
        let form = client.form(vec![
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", source.value.expose()),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
            ("scope", scope.as_str()),
        ]);
        let assertion = client.assertion(&endpoint, now)?;
        let auth = client.auth(assertion.as_ref());
        grant::request_tokens(http, &endpoint, &form, auth, cred, now)
            .await?
            .into_iter()
            .find(|t| t.role == TokenRole::Access)
            .map(|t| {
                vec![Token {
                    principal: subject(&t).or_else(|| source.principal.clone()),
                    ..t
                }]
            })
            .ok_or_else(|| ProviderError::config(&endpoint, "the exchange gave no access token"))
    })
}
