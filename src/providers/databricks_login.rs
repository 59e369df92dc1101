//! Databricks U2M logins (`databricks auth login`): refreshed with the
//! login's refresh token as the public client it was made with (wire.md
//! §3.5). The refresh token comes from a plaintext cache (read at
//! discovery), else from the OS keyring through the Secret Service, else
//! the Databricks CLI is asked for a token, as databricks-sdk asks it.

use super::ProviderError;
use super::databricks_keyring::{self, Held};
use super::databricks_user::{no_revoke, subject_of};
use super::family::{Ops, Pending, audience_as_asked, narrow_by_asking};
use super::grant::{self, ClientAuth};
use crate::model::{Capabilities, Credential, Material, Secret, Token, TokenRole};
use crate::net::Http;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// A U2M login.
pub static U2M: Ops = Ops {
    refresh: refresh_login,
    revoke: no_revoke,
    capabilities: login_capabilities,
    advice: login_advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

fn login_capabilities(_cred: &Credential) -> Capabilities {
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: Some(
            "Databricks has no token revocation endpoint: the token stays valid until it expires; \
             `databricks auth logout` forgets the login",
        ),
        downscope_blocked: None,
    }
}

/// The section the CLI knows the profile by.
fn section(cred: &Credential) -> &str {
    cred.context
        .databricks
        .as_ref()
        .map_or(cred.provenance.profile.as_str(), |d| d.section.as_str())
}

/// A dead login is made again: with tokentop (its refresh token kept in
/// tokentop's store), or where it was made.
fn login_advice(cred: &Credential, error: &ProviderError) -> Option<String> {
    error.is_invalid_grant().then(|| {
        format!(
            "tokentop login {} (L here), or databricks auth login --profile {}",
            cred.provenance.profile,
            section(cred)
        )
    })
}

fn refresh_login<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let Material::DatabricksU2m { refresh_token, .. } = &cred.material else {
            return Err(ProviderError::config(&cred.id.0, "not a Databricks login"));
        };
        match refresh_token {
            Some(refresh_token) => refresh_grant(http, cred, refresh_token, now).await,
            None => from_keyring_or_cli(http, cred, now).await,
        }
    })
}

/// `grant_type=refresh_token` with the client id in the body, no secret.
async fn refresh_grant(
    http: &Http,
    cred: &Credential,
    refresh_token: &Secret,
    now: DateTime<Utc>,
) -> Result<Vec<Token>, ProviderError> {
    let Material::DatabricksU2m { client_id, .. } = &cred.material else {
        return Err(ProviderError::config(&cred.id.0, "not a Databricks login"));
    };
    let scope = cred.scopes.join(" ");
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
        ("client_id", client_id.as_str()),
    ];
    if !scope.is_empty() {
        form.push(("scope", scope.as_str()));
    }
    let endpoint = super::databricks_oidc::token_endpoint(http, cred).await?;
    let mut tokens =
        grant::request_tokens(http, &endpoint, &form, ClientAuth::None, cred, now).await?;
    for token in &mut tokens {
        token.principal = subject_of(&token.value);
    }
    Ok(tokens)
}

/// databricks-sdk refreshes a Databricks token this long before it expires
/// (wire.md §3.11): a kept token closer to its end is not handed out.
const STALE: Duration = Duration::seconds(40);

/// No refresh token in a file: the login the CLI keeps in the OS keyring,
/// its token while it lasts, else refreshed with its refresh token; with
/// no keyring to read, the CLI itself is asked.
async fn from_keyring_or_cli(
    http: &Http,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Vec<Token>, ProviderError> {
    let keys = cred
        .context
        .databricks
        .as_ref()
        .map(|d| d.cache_keys.clone())
        .unwrap_or_default();
    let why = match databricks_keyring::find(&keys).await {
        Held::Login { key, json } => {
            let what = format!("the OS keyring's login under `{key}`");
            let login = go_token(json.expose(), &what)?;
            if login.expiry.is_some_and(|at| at - STALE > now) {
                return Ok(vec![
                    login.token(format!("the OS keyring (Secret Service, `{key}`)"), now),
                ]);
            }
            let refresh_token = login.refresh_token.ok_or_else(|| {
                ProviderError::config(
                    &what,
                    format!(
                        "expired, and keeps no refresh token: run `databricks auth login --profile {}`",
                        section(cred)
                    ),
                )
            })?;
            // The refresh token back unchanged is no rotation to keep.
            let mut tokens = refresh_grant(http, cred, &refresh_token, now).await?;
            tokens.retain(|t| t.role != TokenRole::Refresh || t.value != refresh_token);
            return Ok(tokens);
        }
        Held::Nothing => format!("no login under `{}` in the OS keyring", keys.join("` or `")),
        Held::Unreachable(why) => format!("the OS keyring could not be read ({why})"),
    };
    cli_token(cred, now, &why).await
}

/// How long the Databricks CLI may take to hand out a token.
const CLI_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// The token `databricks auth token --profile SECTION` prints. `why` says
/// why the CLI is asked, for when it is not there.
async fn cli_token(
    cred: &Credential,
    now: DateTime<Utc>,
    why: &str,
) -> Result<Vec<Token>, ProviderError> {
    let section = section(cred);
    let argv: Vec<String> = ["databricks", "auth", "token", "--profile", section]
        .map(str::to_string)
        .to_vec();
    let what = format!("databricks auth token --profile {section}");
    let absent = format!(
        "no refresh token in ~/.databricks/token-cache.json; {why}; and no `databricks` CLI on PATH to ask"
    );
    let out = super::child::output(super::child::Tool {
        what: &what,
        argv: &argv,
        env: &[],
        deadline: CLI_DEADLINE,
        setting: "tokentop waits 15 s for the Databricks CLI",
        when_absent: Some(&absent),
    })
    .await?;
    let login = go_token(&out, &what)?;
    Ok(vec![login.token(
        "the Databricks CLI (databricks auth token)".to_string(),
        now,
    )])
}

/// A login as the Databricks CLI keeps and prints it: golang.org/x/oauth2's
/// `Token` JSON (wire.md §3.7).
struct GoLogin {
    access_token: Secret,
    refresh_token: Option<Secret>,
    /// None for Go's zero time.
    expiry: Option<DateTime<Utc>>,
}

impl GoLogin {
    /// Its access token, found in `found_in`.
    fn token(self, found_in: String, now: DateTime<Utc>) -> Token {
        Token {
            expires_at: self.expiry,
            principal: subject_of(&self.access_token),
            found_in: Some(found_in),
            ..Token::obtained(TokenRole::Access, self.access_token, now)
        }
    }
}

fn go_token(text: &str, what: &str) -> Result<GoLogin, ProviderError> {
    #[derive(Deserialize)]
    struct Fields {
        access_token: String,
        #[serde(default)]
        refresh_token: Option<String>,
        #[serde(default)]
        expiry: Option<String>,
    }
    // Where, not what: serde would quote the value, a token perhaps.
    let fields: Fields = serde_json::from_str(text).map_err(|e| {
        ProviderError::config(
            what,
            format!("not a token (line {}, column {})", e.line(), e.column()),
        )
    })?;
    crate::model::check_token_value(&fields.access_token)
        .map_err(|why| ProviderError::config(what, format!("access_token {why}")))?;
    Ok(GoLogin {
        access_token: Secret::new(fields.access_token),
        refresh_token: fields
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expiry: fields
            .expiry
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc))
            .filter(|t| t.timestamp() > 0),
    })
}

#[cfg(test)]
mod tests {
    use super::go_token;

    #[test]
    fn a_go_token_is_read_with_its_zero_expiry_as_unknown_and_no_secret_in_errors() {
        let login = go_token(
            r#"{"access_token":"eyJ.a.b","token_type":"Bearer","refresh_token":"doau-r","expiry":"0001-01-01T00:00:00Z"}"#,
            "keyring",
        )
        .expect("login");
        assert!(login.expiry.is_none());
        assert!(login.refresh_token.is_some());
        let bad = go_token(r#"{"access_token":"","refresh_token":"doau-r"}"#, "keyring")
            .err()
            .expect("an empty token");
        assert!(
            bad.to_string().starts_with("keyring: access_token"),
            "{bad}"
        );
        assert!(!bad.to_string().contains("doau-r"));
    }
}
