//! Downscoping (wire.md §2.8): a token narrowed from a credential's
//! access token, either by asking its family for fewer scopes or by
//! exchanging it at STS under a Credential Access Boundary, as
//! google-auth's `downscoped.Credentials` does.
//!
//! The narrowed token belongs to a credential of its own, derived from
//! the source ([`derived`]): its row sits under the source's, and
//! refreshing it derives a new token from the source's current one.

use super::ProviderError;
use super::family::{
    Ops, Pending, audience_as_asked, family, narrow_by_asking, revoke_at_endpoint,
};
use super::grant::{self, ACCESS_TOKEN_TYPE, ClientAuth, TOKEN_EXCHANGE};
use crate::model::{
    Capabilities, Credential, CredentialId, Downscope, Kind, Material, Token, TokenRole,
};
use crate::net::Http;
use chrono::{DateTime, Duration, Utc};

/// A source token closer than this to its expiry is not narrowed: a new
/// one is obtained first, so the narrowed token is not born dying.
const SOURCE_MARGIN: Duration = Duration::seconds(60);

/// Downscoped tokens: refreshed by deriving anew from their source.
pub static DOWNSCOPED: Ops = Ops {
    refresh: rederive_from_scratch,
    revoke: revoke_at_endpoint,
    capabilities: downscoped_capabilities,
    advice: source_advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

fn downscoped_capabilities(_cred: &Credential) -> Capabilities {
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: Some(
            "a narrowed token cannot be revoked: it lasts until it expires (never past its source). D drops its row",
        ),
        downscope_blocked: Some("it is downscoped already: downscope its source instead"),
    }
}

/// A failure deriving is the source's failure: its fix is the source's.
fn source_advice(cred: &Credential, error: &ProviderError) -> Option<String> {
    let (source, _) = source_of(cred)?;
    family(&source).advice(&source, error)
}

/// The credential whose token is `ask` applied to `source`'s: the
/// `ordinal`-th narrowed from it, named after it (`PROFILE/downscoped`,
/// then `PROFILE/downscoped-2`...).
pub fn derived(source: &Credential, ask: Downscope, ordinal: usize) -> Credential {
    let suffix = match ordinal {
        0 | 1 => "downscoped".to_string(),
        n => format!("downscoped-{n}"),
    };
    let mut cred = source.clone();
    cred.id = CredentialId(format!("{}~{suffix}", source.id.0));
    cred.kind = Kind::Downscoped;
    cred.provenance.profile = format!("{}/{suffix}", source.provenance.profile);
    cred.audience = None;
    cred.cached = Vec::new();
    cred.context.details = vec![
        format!("narrowed from {}", source.provenance.profile),
        match &ask {
            Downscope::Scopes(scopes) => format!("asked for scopes {}", scopes.join(" ")),
            Downscope::Boundary(boundary) => format!("access boundary: {}", boundary.describe()),
        },
    ];
    cred.material = Material::Downscoped {
        source: Box::new(source.material.clone()),
        ask,
    };
    cred
}

/// Why `ask` cannot be made of `cred`'s token, before anything is sent: a
/// boundary Google would refuse, or no STS to exchange it at.
pub fn refusal(cred: &Credential, ask: &Downscope) -> Option<String> {
    let Downscope::Boundary(boundary) = ask else {
        return None;
    };
    if let Err(why) = boundary.check() {
        return Some(format!("access boundary: {why}"));
    }
    cred.endpoints.sts.is_none().then(|| {
        "no STS endpoint to exchange an access boundary at (set `sts` in the profile's endpoints to the exchange URL itself, as Google's is https://sts.googleapis.com/v1/token)"
            .to_string()
    })
}

/// The source credential a derived one narrows, and how.
fn source_of(cred: &Credential) -> Option<(Credential, &Downscope)> {
    let Material::Downscoped { source, ask } = &cred.material else {
        return None;
    };
    let source = Credential {
        material: (**source).clone(),
        ..cred.clone()
    };
    Some((source, ask))
}

fn rederive_from_scratch<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(rederive(http, cred, None, now))
}

/// A new narrowed token for the derived credential `cred`, from `held`
/// (the source's current access token) while it has a minute left, else
/// from a token the source obtains now. The token it came from is kept
/// beside it (role `source`), so its parent and that one's expiry are
/// there to see.
pub async fn rederive(
    http: &Http,
    cred: &Credential,
    held: Option<Token>,
    now: DateTime<Utc>,
) -> Result<Vec<Token>, ProviderError> {
    let (source, ask) = source_of(cred)
        .ok_or_else(|| ProviderError::config(&cred.id.0, "not a downscoped credential"))?;
    let live = held
        .filter(|t| t.role.is_bearer() && t.expires_at.is_none_or(|exp| exp - SOURCE_MARGIN > now));
    // A source refreshed here may rotate its refresh token: it goes back
    // with the rest, for the source's row.
    let (from, mut rotated) = match live {
        Some(token) => (token, Vec::new()),
        None => {
            let mut tokens = family(&source).refresh(http, &source, now).await?;
            let at = tokens
                .iter()
                .position(|t| t.role.is_bearer())
                .ok_or_else(|| {
                    ProviderError::config(
                        &cred.provenance.source,
                        "the source credential gave no access token",
                    )
                })?;
            let from = tokens.swap_remove(at);
            tokens.retain(|t| t.role == TokenRole::Refresh);
            (from, tokens)
        }
    };
    let mut narrowed = downscope(http, &source, &from, ask, now).await?;
    // The last rotation wins: narrowing after the refresh spent its token.
    rotated.extend(narrowed.split_off(1));
    narrowed.push(Token {
        role: TokenRole::Source,
        ..from
    });
    narrowed.extend(rotated.pop());
    Ok(narrowed)
}

/// A token narrowed from `source` (the credential's access token) as `ask`
/// says; then the refresh token the issuer rotated to on the way, if any
/// (it is the source's, not the narrowed one's).
pub async fn downscope(
    http: &Http,
    cred: &Credential,
    source: &Token,
    ask: &Downscope,
    now: DateTime<Utc>,
) -> Result<Vec<Token>, ProviderError> {
    let mut rotated = Vec::new();
    let minted = match ask {
        Downscope::Scopes(scopes) if scopes.is_empty() => {
            return Err(ProviderError::config("scopes", "name at least one scope"));
        }
        Downscope::Scopes(scopes) => {
            let mut tokens = family(cred).narrow(http, cred, source, scopes, now).await?;
            rotated = tokens.split_off(1);
            tokens.pop().ok_or_else(|| {
                ProviderError::config(&cred.provenance.profile, "no narrowed token came")
            })?
        }
        Downscope::Boundary(boundary) => {
            boundary
                .check()
                .map_err(|why| ProviderError::config("access boundary", why))?;
            let sts = cred.endpoints.sts.as_deref().ok_or_else(|| {
                ProviderError::config(
                    &cred.provenance.profile,
                    "no STS endpoint to downscope at (set `sts` in the profile's endpoints to the exchange URL itself, as Google's is https://sts.googleapis.com/v1/token)",
                )
            })?;
            // google-auth percent-encodes the JSON, and the form encodes it again.
            let json = serde_json::to_string(boundary)
                .map_err(|e| ProviderError::config("access boundary", e.to_string()))?;
            let options: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
            let form = [
                ("grant_type", TOKEN_EXCHANGE),
                ("subject_token", source.value.expose()),
                ("subject_token_type", ACCESS_TOKEN_TYPE),
                ("requested_token_type", ACCESS_TOKEN_TYPE),
                ("options", options.as_str()),
            ];
            let mut tokens =
                grant::request_tokens(http, sts, &form, ClientAuth::None, cred, now).await?;
            let mut token = tokens
                .drain(..)
                .find(|t| t.role == TokenRole::Access)
                .ok_or_else(|| ProviderError::config(sts, "STS gave no access token"))?;
            // STS may leave out `expires_in`: the source's expiry holds.
            token.scopes = source.scopes.clone();
            token
        }
    };
    let narrowed = Token {
        role: TokenRole::Downscoped,
        parent: Some(source.value.fingerprint()),
        // Never longer than the token it came from.
        expires_at: match (minted.expires_at, source.expires_at) {
            (Some(own), Some(theirs)) => Some(own.min(theirs)),
            (own, theirs) => own.or(theirs),
        },
        ..minted
    };
    rotated.retain(|t| t.role == TokenRole::Refresh);
    Ok(std::iter::once(narrowed).chain(rotated).collect())
}
