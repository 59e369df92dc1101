//! Impersonated service accounts (`impersonated_service_account`): the
//! source credential is refreshed first, then its token asks IAM
//! Credentials for the target's (wire.md §1.2, §2.7). Both tokens are held;
//! the target's is shown, the source's is its parent.

use super::ProviderError;
use super::family::{
    Ops, Pending, audience_as_asked, narrow_by_asking, revoke_at_endpoint, source_access_token,
};
use super::iam::{IAM_SCOPE, Impersonation, generate_access_token, generate_id_token};
use crate::model::{Capabilities, Credential, Material, Token, TokenRole};
use crate::net::Http;
use chrono::{DateTime, Utc};

/// Impersonated service accounts.
pub static IMPERSONATED: Ops = Ops {
    refresh,
    revoke: revoke_at_endpoint,
    capabilities,
    advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

/// A refused impersonation wants the Token Creator role on the target.
fn advice(cred: &Credential, error: &ProviderError) -> Option<String> {
    (error.oauth_error() == Some("PERMISSION_DENIED")).then(|| {
        format!(
            "gcloud iam service-accounts add-iam-policy-binding {} --member=CALLER --role=roles/iam.serviceAccountTokenCreator",
            cred.principal
        )
    })
}

/// Google cannot revoke an impersonated token: it lasts until it expires.
fn capabilities(_cred: &Credential) -> Capabilities {
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: Some(
            "Google cannot revoke an impersonated token: it stays valid until it expires (at most 1 h). \
             To cut access, remove the caller's roles/iam.serviceAccountTokenCreator on the service account",
        ),
        downscope_blocked: None,
    }
}

fn refresh<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let Material::GoogleImpersonated {
            source,
            delegates,
            url,
            ..
        } = &cred.material
        else {
            return Err(ProviderError::config(
                &cred.id.0,
                "not an impersonated credential",
            ));
        };
        // The source is refreshed as its own kind, at the endpoints the
        // file gives it. As google-auth does, a key (or any source whose
        // scopes can be set) asks for the IAM scope alone; a user's sign-in
        // keeps the scopes it was granted.
        let scopes = match **source {
            Material::GoogleUser { .. } | Material::GoogleExternalUser { .. } => Vec::new(),
            _ => vec![IAM_SCOPE.to_string()],
        };
        let source_cred = Credential {
            material: (**source).clone(),
            scopes,
            audience: None,
            ..cred.clone()
        };
        let source_token = source_access_token(http, &source_cred, cred, now).await?;
        let ask = Impersonation {
            url,
            delegates,
            scopes: &cred.scopes,
            lifetime: None,
        };
        // A Cloud Run profile (an audience) wants the target's ID token.
        let target = match &cred.audience {
            Some(audience) => generate_id_token(http, &ask, audience, &source_token, now).await?,
            None => generate_access_token(http, &ask, &source_token, now).await?,
        };
        Ok(vec![
            target,
            Token {
                role: TokenRole::Source,
                ..source_token
            },
        ])
    })
}
