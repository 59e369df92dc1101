//! Google workforce sign-ins (`external_account_authorized_user`, wire.md
//! §1.2): a refresh token refreshed at STS with HTTP Basic client
//! authentication, and revoked at the file's own `revoke_url`.

use super::Confirmation;
use super::ProviderError;
use super::family::{Ops, Pending, audience_as_asked, narrow_by_asking, no_advice};
use super::grant::{self, ClientAuth, post_form};
use crate::model::{Capabilities, Credential, Material, Secret, Token};
use crate::net::Http;
use chrono::{DateTime, Utc};

/// A workforce sign-in.
pub static WORKFORCE_USER: Ops = Ops {
    refresh,
    revoke,
    capabilities,
    advice: no_advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

/// It is revoked at its own `revoke_url`, when its file names one.
fn capabilities(cred: &Credential) -> Capabilities {
    let revocable = matches!(
        &cred.material,
        Material::GoogleExternalUser {
            revoke_url: Some(_),
            ..
        }
    );
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: (!revocable).then_some(
            "this workforce sign-in's file names no revoke_url: its access token stays valid until it expires. \
             `gcloud auth application-default revoke` ends the sign-in where the pool allows it",
        ),
        downscope_blocked: None,
    }
}

/// What a sign-in holds.
struct SignIn<'a> {
    client: ClientAuth<'a>,
    refresh_token: &'a Secret,
    token_url: &'a str,
    revoke_url: Option<&'a str>,
}

/// The sign-in `cred` holds, or why it is not one.
fn sign_in(cred: &Credential) -> Result<SignIn<'_>, ProviderError> {
    match &cred.material {
        Material::GoogleExternalUser {
            client_id,
            client_secret,
            refresh_token,
            token_url,
            revoke_url,
            ..
        } => Ok(SignIn {
            client: ClientAuth::Basic(client_id, client_secret),
            refresh_token,
            token_url,
            revoke_url: revoke_url.as_deref(),
        }),
        _ => Err(ProviderError::config(&cred.id.0, "not a workforce sign-in")),
    }
}

fn refresh<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let held = sign_in(cred)?;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", held.refresh_token.expose()),
        ];
        grant::request_tokens(http, held.token_url, &form, held.client, cred, now).await
    })
}

/// Revokes the sign-in (its refresh token, as google-auth does), then
/// confirms by asking for a new token with it: only a refusal confirms.
fn revoke<'a>(
    http: &'a Http,
    cred: &'a Credential,
    _token: &'a Token,
) -> Pending<'a, Confirmation> {
    Box::pin(async move {
        let held = sign_in(cred)?;
        let url = held.revoke_url.ok_or_else(|| {
            ProviderError::config(&cred.provenance.source, "no revoke_url in the file")
        })?;
        let form = [
            ("token", held.refresh_token.expose()),
            ("token_type_hint", "refresh_token"),
        ];
        post_form(http, url, &form, held.client).await?;
        Ok(match refresh(http, cred, chrono::Utc::now()).await {
            Err(error) if error.is_invalid_grant() => Confirmation::Confirmed(
                "STS now refuses the sign-in's refresh token (invalid_grant)".into(),
            ),
            Err(error) => Confirmation::Unchecked(error.to_string()),
            Ok(_) => Confirmation::StillAccepted,
        })
    })
}
