//! A credential table entry as a row: the by-value snapshot every
//! consumer (dashboard, list, serve) sees, with every text from a file or
//! a server made printable.

use super::entry::Entry;
use crate::model::{Problem, Row, TokenRole, TokenView, printable_owned};

/// The snapshot of one entry: what every consumer sees of it, by value.
pub(super) fn row_of(e: &Entry) -> Row {
    let c = &e.credential;
    let t = e.token();
    // Names, scopes and errors come from files and servers: made
    // printable here, so every consumer shows them safely.
    let text = printable_owned;
    let dbx = c.context.databricks.as_ref();
    let profile = text(&c.provenance.profile);
    Row {
        id: c.id.clone(),
        profile: profile.clone(),
        platform: c.platform,
        kind: c.kind,
        principal: text(match (c.principal.as_str(), &e.learned_principal) {
            ("", Some(learned)) => learned,
            (given, _) => given,
        }),
        source: text(&c.provenance.source),
        trusted_endpoints: c
            .provenance
            .trusted_overrides
            .iter()
            .map(|u| text(u))
            .collect(),
        token_role: t.map(|t| t.role),
        fingerprint: t.map(|t| t.value.fingerprint()),
        issued_at: t.and_then(|t| t.issued_at),
        expires_at: t.and_then(|t| t.expires_at),
        // A cached token whose scopes nobody said shows the requested
        // ones; an ID token has none.
        scopes: t
            .map(|t| &t.scopes)
            .filter(|s| !s.is_empty() || t.is_some_and(|t| t.role == TokenRole::Id))
            .unwrap_or(&c.scopes)
            .iter()
            .map(String::as_str)
            .map(text)
            .collect(),
        audience: t
            .and_then(|t| t.audience.as_deref())
            .or(c.audience.as_deref())
            .map(text),
        status: e.status.clone(),
        credential_type: c.kind.google_type(),
        active_adc: c.context.adc.as_ref().is_some_and(|a| a.active),
        shadowed_by: c
            .context
            .adc
            .as_ref()
            .and_then(|a| a.shadowed_by.as_deref())
            .map(text),
        project: c.context.project.as_deref().map(text),
        quota_project: c.context.quota_project.as_deref().map(text),
        gcloud_account: c.context.gcloud.as_ref().map(|g| text(&g.account)),
        gcloud_configurations: c
            .context
            .gcloud
            .iter()
            .flat_map(|g| &g.configurations)
            .map(String::as_str)
            .map(text)
            .collect(),
        gcloud_active: c.context.gcloud.as_ref().is_some_and(|g| g.active),
        details: c
            .context
            .details
            .iter()
            .map(String::as_str)
            .map(text)
            .collect(),
        derived_from: e.derived_from.clone(),
        depends_on: c.context.depends_on.clone(),
        host: dbx.map(|d| text(&d.host)),
        auth_type: dbx.and_then(|d| d.auth_type.as_deref()).map(text),
        account_id: dbx.and_then(|d| d.account_id.as_deref()).map(text),
        workspace_id: dbx.and_then(|d| {
            d.workspace_id
                .as_deref()
                .or_else(|| workspace_of(e.token()?))
                .map(text)
        }),
        cloud: dbx.and_then(|d| d.cloud.as_deref()).map(text),
        configured_scopes: dbx
            .and_then(|d| d.scopes.as_ref())
            .map(|s| s.iter().map(String::as_str).map(text).collect()),
        active: dbx.is_some_and(|d| d.active),
        tokens: e
            .tokens
            .iter()
            .filter(|t| t.role != TokenRole::Refresh)
            .map(|t| TokenView {
                role: t.role,
                fingerprint: t.value.fingerprint(),
                issued_at: t.issued_at,
                expires_at: t.expires_at,
                scopes: t.scopes.iter().map(String::as_str).map(text).collect(),
                audience: t.audience.as_deref().map(text),
                parent: t.parent.clone(),
                found_in: t.found_in.as_deref().map(text),
                note: t.note.as_deref().map(text),
            })
            .collect(),
        warning: never_expires(t, &profile).or_else(|| {
            c.audience.as_ref().and_then(|want| {
                // The ID token held, or else what the family's will carry.
                let got = e
                    .tokens
                    .iter()
                    .find(|t| t.role == TokenRole::Id)
                    .and_then(|t| t.audience.clone())
                    .or_else(|| crate::providers::id_audience(c))?;
                (got != *want).then(|| {
                    text(&format!(
                        "will be refused: aud is {got}, and the service expects {want}"
                    ))
                })
            })
        }),
        fix: e
            .error
            .as_ref()
            .and_then(Problem::provider_error)
            .and_then(|error| crate::providers::advice(c, error))
            .map(|fix| text(&fix)),
        error: match &e.source_error {
            Some(why) => Some(Problem::Other(text(why))),
            None => e.error.clone().map(|p| p.map_text(text)),
        },
        busy: e.busy.map(str::to_string),
        capabilities: crate::providers::capabilities(c),
        // The engine's keeper knows; it says so as the row leaves.
        auto_refresh: false,
    }
}

/// A personal access token that never expires is a risk worth a line
/// (the dashboard's x, and `tokentop revoke`, delete it).
fn never_expires(token: Option<&crate::model::Token>, profile: &str) -> Option<String> {
    token
        .filter(|t| t.role == TokenRole::Pat && t.expires_at.is_none())
        .map(|_| {
            format!(
                "this personal access token never expires: a leaked copy works until it is deleted (x, or tokentop revoke {profile})"
            )
        })
}

/// A workspace's id as its tokens name it: a workspace-level at+jwt's
/// `aud` is the workspace id, all digits (wire.md §3.8); an account
/// token's is the account's UUID.
fn workspace_of(token: &crate::model::Token) -> Option<&str> {
    let aud = token.audience.as_deref()?;
    (!aud.is_empty() && aud.bytes().all(|b| b.is_ascii_digit())).then_some(aud)
}
