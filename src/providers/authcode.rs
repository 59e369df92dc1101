//! Signing in with a browser: the authorization code grant with PKCE
//! (RFC 6749 §4.1, RFC 7636 S256) and a loopback redirect (RFC 8252 §7.3).
//! The browser may be on this machine, on a laptop whose port is forwarded
//! (`ssh -L`), or anywhere at all: the address it ends on can be pasted back.

use super::ProviderError;
use super::grant;
use crate::model::{Credential, Secret, Token};
use crate::net::Http;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

/// A sign-in under way: the address to open, and what proves the answer.
pub struct BrowserLogin {
    /// The issuer's authorization URL with every parameter filled in.
    pub url: String,
    /// Where the browser is sent back to.
    pub redirect_uri: String,
    verifier: Secret,
    state: String,
    token_endpoint: String,
    client_id: String,
}

/// `n` random bytes, base64url: PKCE verifiers and `state` values.
fn random_text(n: usize) -> Result<String, ProviderError> {
    let mut bytes = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| ProviderError::config("random", "the system gave no random bytes"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The S256 challenge of `verifier` (RFC 7636 §4.2).
pub fn challenge(verifier: &str) -> String {
    use sha2::Digest as _;
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// Prepares the sign-in `plan` describes, returning to `redirect_uri`: a
/// fresh verifier and state, and the URL on the issuer's authorization
/// endpoint.
pub fn start(
    plan: &super::sign_in::Plan,
    redirect_uri: &str,
) -> Result<BrowserLogin, ProviderError> {
    let mut url = crate::net::check_url(&plan.authorization_endpoint)?;
    let verifier = random_text(32)?;
    let state = random_text(16)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &plan.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &plan.scopes.join(" "))
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    for (name, value) in &plan.extra {
        url.query_pairs_mut().append_pair(name, value);
    }
    Ok(BrowserLogin {
        url: url.to_string(),
        redirect_uri: redirect_uri.to_string(),
        verifier: Secret::new(verifier),
        state,
        token_endpoint: plan.token_endpoint.clone(),
        client_id: plan.client_id.clone(),
    })
}

/// The code in the address the browser was sent back to (received on the
/// loopback listener, or pasted). Its `state` must be this sign-in's; an
/// `error` the issuer sent is said in its words.
pub fn code_from(login: &BrowserLogin, address: &str) -> Result<Secret, ProviderError> {
    let what = "the address the browser was sent back to";
    let url = url::Url::parse(address.trim()).map_err(|e| {
        ProviderError::config(what, format!("not a URL ({e}); paste the whole address"))
    })?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(login.state.as_str()) {
        return Err(ProviderError::config(
            what,
            "its state is not this sign-in's (an older sign-in's address, or not the issuer's)",
        ));
    }
    if let Some(error) = param("error") {
        let said = param("error_description").unwrap_or_default();
        return Err(ProviderError::Rejected {
            endpoint: "the issuer's sign-in page".into(),
            status: 400,
            message: crate::model::printable_owned(&format!("{error}: {said}")),
            error: Some(crate::model::printable_owned(&error)),
        });
    }
    param("code")
        .filter(|c| !c.is_empty())
        .map(Secret::new)
        .ok_or_else(|| ProviderError::config(what, "it carries no code"))
}

/// Trades the code for tokens, proving the sign-in with its verifier and
/// the client as its family does.
pub async fn exchange(
    http: &Http,
    cred: &Credential,
    login: &BrowserLogin,
    code: &Secret,
    now: DateTime<Utc>,
) -> Result<Vec<Token>, ProviderError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", login.redirect_uri.as_str()),
        ("code_verifier", login.verifier.expose()),
    ];
    let endpoint = login.token_endpoint.as_str();
    let tokens = if let Some(auth) = super::sign_in::client_auth(cred) {
        // A public client names itself in the form.
        if matches!(auth, grant::ClientAuth::None) {
            form.push(("client_id", login.client_id.as_str()));
        }
        grant::request_tokens(http, endpoint, &form, auth, cred, now).await?
    } else {
        let client = super::oidc::client(cred)?;
        let form = client.form(form);
        let assertion = client.assertion(endpoint, now)?;
        let auth = client.auth(assertion.as_ref());
        grant::request_tokens(http, endpoint, &form, auth, cred, now).await?
    };
    // Whom a JWT access token names is who signed in (when no ID token says).
    Ok(tokens
        .into_iter()
        .map(|t| Token {
            principal: t.principal.clone().or_else(|| super::oidc::subject(&t)),
            ..t
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_base64url_sha256_without_padding() {
        // As Python computes it: base64.urlsafe_b64encode(sha256(v)).rstrip("=").
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gZWFOEjXk"),
            "f7Gnl8yE2HqPO3jWgUcBsbk1zQozsHeU3CvdI3GaI_M"
        );
    }

    fn login() -> BrowserLogin {
        BrowserLogin {
            url: String::new(),
            redirect_uri: "http://127.0.0.1:1/callback".into(),
            verifier: Secret::new("v"),
            state: "s1".into(),
            token_endpoint: String::new(),
            client_id: String::new(),
        }
    }

    #[test]
    fn the_code_comes_only_with_this_sign_ins_state() {
        let l = login();
        let code = code_from(&l, " http://127.0.0.1:1/callback?code=c0de&state=s1\n").unwrap();
        assert_eq!(code.expose(), "c0de");
        let other = code_from(&l, "http://127.0.0.1:1/callback?code=c0de&state=s2");
        assert!(other.unwrap_err().to_string().contains("state"));
        let denied = code_from(
            &l,
            "http://127.0.0.1:1/callback?error=access_denied&error_description=no&state=s1",
        )
        .unwrap_err();
        assert_eq!(denied.oauth_error(), Some("access_denied"));
        assert!(code_from(&l, "c0de").is_err(), "not a URL");
    }
}
