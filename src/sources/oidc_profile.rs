//! A profile of any standard OAuth 2.0 / OpenID Connect issuer (Okta,
//! Entra ID, Keycloak, Auth0, …): the issuer and a client, named in
//! tokentop's profiles file. Its endpoints are the issuer's own, read from
//! its discovery document when a token is asked for.

use super::login_store::LoginStore;
use super::profiles::ProfileSpec;
use crate::model::{
    ClientAuthMethod, Context, Credential, CredentialId, Endpoints, Kind, Material, Platform,
    Provenance, Secret,
};
use std::path::Path;

/// The credential `spec` describes (`issuer` set), or why not, in words
/// naming the field.
/// A refresh token from an earlier `tokentop login` for this profile (same
/// issuer, same client) is its material's.
pub fn credential(
    spec: &ProfileSpec,
    profiles_path: &Path,
    logins: &LoginStore,
) -> Result<Credential, String> {
    let issuer = spec
        .issuer
        .as_deref()
        .unwrap_or_default()
        .trim_end_matches('/');
    let parsed = url::Url::parse(issuer).map_err(|e| format!("`issuer` {issuer}: {e}"))?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "`issuer` {issuer}: an issuer has no query or fragment (RFC 8414)"
        ));
    }
    let client_id = spec
        .client_id
        .clone()
        .filter(|c| !c.is_empty())
        .ok_or("`client_id` is needed with `issuer`")?;
    let (client_secret, auth) = client_auth(spec)?;
    if let Some(uri) = &spec.redirect_uri
        && crate::model::loopback_redirect(uri).is_err()
    {
        return Err(format!(
            "`redirect_uri` {uri}: a sign-in returns to this machine, \
             http://127.0.0.1[:PORT]/PATH or http://localhost[:PORT]/PATH"
        ));
    }
    for (field, set) in [
        ("google_credentials", spec.google_credentials.is_some()),
        ("google_metadata", spec.google_metadata.is_some()),
        ("databricks_config", spec.databricks_config.is_some()),
    ] {
        if set {
            return Err(format!("`issuer` and `{field}` cannot both be set"));
        }
    }
    let mut details = vec![format!(
        "client {client_id} of {issuer} ({})",
        match auth {
            ClientAuthMethod::Basic => "client_secret_basic",
            ClientAuthMethod::Post => "client_secret_post",
            ClientAuthMethod::PrivateKeyJwt => "private_key_jwt",
            ClientAuthMethod::None => "a public client",
        }
    )];
    if let Some(resource) = &spec.resource {
        details.push(format!("tokens for the resource {resource}"));
    }
    let id = CredentialId(format!("{}#{}", profiles_path.display(), spec.name));
    let refresh_token = logins.refresh_token(&id.0, issuer, &client_id);
    if refresh_token.is_some() {
        details.push(
            "signed in with `tokentop login`: its refresh token is kept in tokentop's state".into(),
        );
    }
    Ok(Credential {
        id,
        platform: Platform::Oidc,
        kind: Kind::OidcClient,
        // A confidential client's own tokens are the client's; a user's
        // sign-in (a browser's, or a public client's) names the user once
        // its tokens come.
        principal: match (&client_secret, &refresh_token, &spec.redirect_uri) {
            (Some(_), None, None) => client_id.clone(),
            _ => String::new(),
        },
        provenance: Provenance {
            source: profiles_path.display().to_string(),
            profile: spec.name.clone(),
            via: None,
            trusted_overrides: Vec::new(),
        },
        scopes: spec.scopes.clone(),
        audience: None,
        endpoints: Endpoints {
            // Read from the issuer's discovery document, unless set.
            token: String::new(),
            tokeninfo: None,
            revoke: None,
            jwks: None,
            sts: None,
            discovery: Some(issuer.to_string()),
            probe: None,
        },
        material: Material::OidcClient {
            issuer: issuer.to_string(),
            client_id,
            client_secret,
            auth,
            resource: spec.resource.clone(),
            refresh_token,
            redirect_uri: spec.redirect_uri.clone(),
        },
        context: Context {
            details,
            ..Context::default()
        },
        cached: Vec::new(),
    })
}

/// The client's secret (or private key) and how it authenticates, from
/// `client_secret_file`, `client_key_file` and `client_auth`.
fn client_auth(spec: &ProfileSpec) -> Result<(Option<Secret>, ClientAuthMethod), String> {
    let method = spec.client_auth.as_deref();
    if let Some(var) = &spec.client_secret_env {
        if spec.client_secret_file.is_some() || spec.client_key_file.is_some() {
            return Err(
                "set one of `client_secret_env`, `client_secret_file`, `client_key_file`".into(),
            );
        }
        let secret = std::env::var(var)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("`client_secret_env`: the variable {var} is not set"))?;
        return match method {
            None | Some("client_secret_basic") => {
                Ok((Some(Secret::new(secret)), ClientAuthMethod::Basic))
            }
            Some("client_secret_post") => Ok((Some(Secret::new(secret)), ClientAuthMethod::Post)),
            Some(other) => Err(format!(
                "`client_secret_env` is a client secret, for client_secret_basic or client_secret_post, not {other}"
            )),
        };
    }
    match (&spec.client_secret_file, &spec.client_key_file) {
        (Some(_), Some(_)) => Err("set `client_secret_file` or `client_key_file`, not both".into()),
        (None, Some(key)) => match method {
            None | Some("private_key_jwt") => {
                let pem = crate::files::read_text(key)
                    .map_err(|e| format!("`client_key_file` {}: {e}", key.display()))?;
                Ok((Some(Secret::new(pem)), ClientAuthMethod::PrivateKeyJwt))
            }
            Some(other) => Err(format!(
                "`client_key_file` is for `client_auth` private_key_jwt, not {other}"
            )),
        },
        (Some(path), None) => {
            let secret = Some(read_secret(path)?);
            match method {
                None | Some("client_secret_basic") => Ok((secret, ClientAuthMethod::Basic)),
                Some("client_secret_post") => Ok((secret, ClientAuthMethod::Post)),
                Some("none") => {
                    Err("`client_auth` none is a public client: drop `client_secret_file`".into())
                }
                Some("private_key_jwt") => {
                    Err("`client_auth` private_key_jwt needs `client_key_file`".into())
                }
                Some(other) => Err(unknown_method(other)),
            }
        }
        (None, None) => match method {
            None | Some("none") => Ok((None, ClientAuthMethod::None)),
            Some(m @ ("client_secret_basic" | "client_secret_post")) => {
                Err(format!("`client_auth` {m} needs `client_secret_file`"))
            }
            Some("private_key_jwt") => {
                Err("`client_auth` private_key_jwt needs `client_key_file`".into())
            }
            Some(other) => Err(unknown_method(other)),
        },
    }
}

fn unknown_method(method: &str) -> String {
    format!(
        "`client_auth` {method}: expected client_secret_basic, client_secret_post, private_key_jwt or none"
    )
}

/// The first line of a secret file, read as a secret; errors name the file.
fn read_secret(path: &Path) -> Result<Secret, String> {
    let text = super::read_source(path).map_err(|e| e.to_string())?;
    let secret = text.lines().next().unwrap_or_default().trim();
    if secret.is_empty() {
        return Err(format!("`client_secret_file` {}: empty", path.display()));
    }
    Ok(Secret::new(secret))
}
