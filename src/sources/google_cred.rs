//! A parsed Google credential file made into a [`Credential`]: its kind,
//! default scopes, endpoints and context.

use super::google_json::{self, GoogleFile};
use crate::model::{
    Context, Credential, CredentialId, Endpoints, Kind, Platform, Provenance, Token,
};
use std::path::Path;

/// Where and as what a Google credential is shown.
pub struct Placement<'a> {
    /// Its stable id.
    pub id: CredentialId,
    /// The file it was read from.
    pub source: &'a Path,
    /// The profile name shown.
    pub profile: &'a str,
    /// The platform it targets.
    pub platform: Platform,
    /// Scopes to request (empty: cloud-platform).
    pub scopes: Vec<String>,
    /// Audience to request an ID token for.
    pub audience: Option<String>,
}

/// The credential a Google file describes, placed as `at` says.
pub fn google_credential(file: GoogleFile, at: Placement) -> Credential {
    let kind = match (file.kind, &at.audience) {
        (Kind::ServiceAccount, Some(_)) => Kind::ServiceAccountIdToken,
        (kind, _) => kind,
    };
    let scopes = if at.scopes.is_empty() && kind != Kind::ServiceAccountIdToken {
        vec!["https://www.googleapis.com/auth/cloud-platform".to_string()]
    } else {
        at.scopes
    };
    Credential {
        id: at.id,
        platform: at.platform,
        kind,
        principal: file.principal,
        provenance: Provenance {
            source: at.source.display().to_string(),
            profile: at.profile.to_string(),
            via: None,
            trusted_overrides: Vec::new(),
        },
        scopes,
        audience: at.audience,
        endpoints: google_endpoints(file.token_uri),
        material: file.material,
        context: Context {
            project: file.project,
            quota_project: file.quota_project,
            details: file.details,
            ..Context::default()
        },
        cached: Vec::<Token>::new(),
    }
}

/// Google's token endpoint and, only when that endpoint is Google's own, its
/// tokeninfo, revocation and key-set URLs: a token minted by some other
/// server (a `token_uri` pointing elsewhere) is never sent to Google, nor
/// Google's tokens elsewhere. Profiles can set the others explicitly.
pub fn google_endpoints(token_uri: Option<String>) -> Endpoints {
    let token = token_uri.unwrap_or_else(|| google_json::GOOGLE_TOKEN_URL.to_string());
    let is_google = google_json::GOOGLE_TOKEN_URLS.contains(&token.trim_end_matches('/'));
    let google = |url: &str| is_google.then(|| url.to_string());
    Endpoints {
        tokeninfo: google("https://oauth2.googleapis.com/tokeninfo"),
        revoke: google("https://oauth2.googleapis.com/revoke"),
        jwks: google("https://www.googleapis.com/oauth2/v3/certs"),
        sts: google("https://sts.googleapis.com/v1/token"),
        discovery: None,
        probe: None,
        token,
    }
}
