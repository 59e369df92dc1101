//! Credential families: each provider module gives its family as data (an
//! [`Ops`]: how it refreshes, what it can do and why not, what fixes a
//! failure). Adding a kind adds a family here and its module; nothing else
//! matches on kinds.

use super::{
    Confirmation, ProviderError, databricks, databricks_login, databricks_user, downscope,
    external, google, impersonated, metadata, oidc, workforce,
};
use crate::model::{Capabilities, Credential, Material, Token};
use crate::net::Http;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

/// An operation's answer, on its way.
pub type Pending<'a, T> = BoxFuture<'a, Result<T, ProviderError>>;

/// How a family refreshes.
pub type Refresh = for<'a> fn(&'a Http, &'a Credential, DateTime<Utc>) -> Pending<'a, Vec<Token>>;

/// How a family revokes a token, and what the issuer says of it afterwards.
pub type Revoke = for<'a> fn(&'a Http, &'a Credential, &'a Token) -> Pending<'a, Confirmation>;

/// How a family makes a token with only the given scopes, from the
/// credential and its current token (`source`): the narrowed access token,
/// and the refresh token the issuer rotated to on the way, if it did.
pub type Narrow = for<'a> fn(
    &'a Http,
    &'a Credential,
    &'a Token,
    &'a [String],
    DateTime<Utc>,
) -> Pending<'a, Vec<Token>>;

/// A family given as data: its refresh and revoke, its capabilities and
/// its advice.
pub struct Ops {
    /// Obtains new tokens.
    pub refresh: Refresh,
    /// Revokes a token and asks the issuer about it (called only when
    /// the capabilities allow).
    pub revoke: Revoke,
    /// Obtains a token with fewer scopes (what `s` asks).
    pub narrow: Narrow,
    /// What it can do with a credential, and why not.
    pub capabilities: fn(&Credential) -> Capabilities,
    /// What fixes a failure, when the family knows.
    pub advice: fn(&Credential, &ProviderError) -> Option<String>,
    /// The `aud` its ID tokens carry, when not the audience asked for.
    pub id_audience: fn(&Credential) -> Option<String>,
}

impl Ops {
    /// What it can do with `cred`, and why not.
    pub fn capabilities(&self, cred: &Credential) -> Capabilities {
        (self.capabilities)(cred)
    }

    /// What would fix `error` for `cred`, as a command to run, when the
    /// family knows one (a sign-in to renew, a key to replace).
    pub fn advice(&self, cred: &Credential, error: &ProviderError) -> Option<String> {
        (self.advice)(cred, error)
    }

    /// The `aud` of the ID tokens it obtains, when it is not the audience
    /// the profile asks for (a user's ID token names its OAuth client).
    pub fn id_audience(&self, cred: &Credential) -> Option<String> {
        (self.id_audience)(cred)
    }

    /// Obtains new tokens.
    pub fn refresh<'a>(
        &'a self,
        http: &'a Http,
        cred: &'a Credential,
        now: DateTime<Utc>,
    ) -> Pending<'a, Vec<Token>> {
        (self.refresh)(http, cred, now)
    }

    /// A token with only `scopes`, made from `cred` and its current `source` token.
    pub fn narrow<'a>(
        &'a self,
        http: &'a Http,
        cred: &'a Credential,
        source: &'a Token,
        scopes: &'a [String],
        now: DateTime<Utc>,
    ) -> Pending<'a, Vec<Token>> {
        (self.narrow)(http, cred, source, scopes, now)
    }

    /// Revokes `token` as the family does, unless it says it cannot, and
    /// asks the issuer about it afterwards.
    pub fn revoke<'a>(
        &'a self,
        http: &'a Http,
        cred: &'a Credential,
        token: &'a Token,
    ) -> Pending<'a, Confirmation> {
        Box::pin(async move {
            match self.capabilities(cred).revoke_blocked {
                None => (self.revoke)(http, cred, token).await,
                Some(why) => Err(ProviderError::config(&cred.provenance.profile, why)),
            }
        })
    }
}

/// RFC 7009 at the credential's revocation endpoint, then tokeninfo.
pub fn revoke_at_endpoint<'a>(
    http: &'a Http,
    cred: &'a Credential,
    token: &'a Token,
) -> Pending<'a, Confirmation> {
    Box::pin(async move {
        let url = cred.endpoints.revoke.as_deref().ok_or_else(|| {
            ProviderError::config(&cred.provenance.profile, "no revocation endpoint")
        })?;
        google::revoke(http, url, token).await?;
        Ok(super::confirm_revoked(http, cred, token).await)
    })
}

/// A new access token from a source credential (of an impersonation or a
/// downscope), refreshed as its own kind; an error naming `of` when none came.
pub async fn source_access_token(
    http: &Http,
    source: &Credential,
    of: &Credential,
    now: DateTime<Utc>,
) -> Result<Token, ProviderError> {
    family(source)
        .refresh(http, source, now)
        .await?
        .into_iter()
        .find(|t| t.role.is_bearer())
        .ok_or_else(|| {
            ProviderError::config(
                &of.provenance.source,
                "the source credential gave no access token",
            )
        })
}

/// A new access token with only `scopes`, obtained as the family obtains
/// any token, asking for fewer scopes (with the refresh token an issuer
/// that rotates them sends back).
pub fn narrow_by_asking<'a>(
    http: &'a Http,
    cred: &'a Credential,
    _source: &'a Token,
    scopes: &'a [String],
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    use crate::model::TokenRole;
    Box::pin(async move {
        let narrow = Credential {
            scopes: scopes.to_vec(),
            audience: None,
            ..cred.clone()
        };
        let mut tokens = family(&narrow).refresh(http, &narrow, now).await?;
        tokens.retain(|t| matches!(t.role, TokenRole::Access | TokenRole::Refresh));
        tokens.sort_by_key(|t| t.role);
        match tokens.first() {
            Some(t) if t.role == TokenRole::Access => Ok(tokens),
            _ => Err(ProviderError::config(
                &cred.provenance.profile,
                "no access token came",
            )),
        }
    })
}

/// For families that know no fix to suggest.
pub fn no_advice(_cred: &Credential, _error: &ProviderError) -> Option<String> {
    None
}

/// For families whose ID tokens carry the audience asked for.
pub fn audience_as_asked(_cred: &Credential) -> Option<String> {
    None
}

/// What every family starts from: it refreshes, and revokes where an
/// endpoint is configured.
pub fn default_capabilities(cred: &Credential) -> Capabilities {
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: cred
            .endpoints
            .revoke
            .is_none()
            .then_some("no revocation endpoint is configured for this profile"),
        downscope_blocked: None,
    }
}

/// The family of a credential: the one place that matches on its material.
pub fn family(cred: &Credential) -> &'static Ops {
    match &cred.material {
        Material::GoogleUser { .. } => &google::USER,
        Material::GoogleServiceAccount { .. } => &google::SERVICE_ACCOUNT,
        Material::GoogleMetadata { .. } => &metadata::METADATA_SERVER,
        Material::DatabricksM2m { .. } => &databricks::M2M,
        Material::DatabricksPat { .. } => &databricks_user::PAT,
        Material::DatabricksU2m { .. } => &databricks_login::U2M,
        Material::DatabricksOther { .. } => &databricks_user::OTHER,
        Material::OidcClient { .. } => &oidc::CLIENT,
        Material::GoogleImpersonated { .. } => &impersonated::IMPERSONATED,
        Material::GoogleExternal { .. } => &external::FEDERATED,
        Material::GoogleExternalUser { .. } => &workforce::WORKFORCE_USER,
        Material::Downscoped { .. } => &downscope::DOWNSCOPED,
    }
}
