//! Signing in with the device authorization grant (RFC 8628): the job
//! asks the issuer for a code, tells the UI what the user is to do
//! ([`Update::LoginPrompt`]), and polls until the user approves, refuses,
//! or the code expires. Its tokens are taken as a refresh's are; the
//! refresh token is then kept in tokentop's own sign-in store.

use super::jobs::{Outcome, Resources};
use super::protocol::Update;
use crate::model::{Clock, Credential, CredentialId, Material};
use crate::providers::{ProviderError, device};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// The longest a sign-in may wait for its user (RFC 8628 codes last
/// minutes; tokentop caps them at an hour).
pub const LOGIN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3700);

/// The sign-in job for `cred`.
pub async fn login(
    res: Resources,
    cred: Credential,
    updates: UnboundedSender<Update>,
    clock: Arc<dyn Clock>,
) -> Outcome {
    Outcome::Refreshed(device_login(&res, &cred, &updates, clock).await)
}

async fn device_login(
    res: &Resources,
    cred: &Credential,
    updates: &UnboundedSender<Update>,
    clock: Arc<dyn Clock>,
) -> Result<Vec<crate::model::Token>, ProviderError> {
    let login = device::start(&res.http, cred, clock.now()).await?;
    let _ = updates.send(Update::LoginPrompt {
        id: cred.id.clone(),
        verification_uri: login.verification_uri.clone(),
        verification_uri_complete: login.verification_uri_complete.clone(),
        user_code: login.user_code.clone(),
        expires_at: login.expires_at,
    });
    let mut interval = login.interval;
    loop {
        tokio::time::sleep(interval.to_std().unwrap_or_default()).await;
        if clock.now() >= login.expires_at {
            return Err(ProviderError::config(
                &cred.provenance.profile,
                "the sign-in code expired before it was approved",
            ));
        }
        match device::poll(&res.http, cred, &login, clock.now()).await? {
            device::Poll::Pending => {}
            device::Poll::SlowDown => interval += chrono::Duration::seconds(5),
            device::Poll::Tokens(tokens) => return Ok(tokens),
        }
    }
}

/// Whether `cred` can sign in here (an OIDC client), else why not.
pub fn can_sign_in(cred: &Credential) -> Result<(), String> {
    match cred.material {
        Material::OidcClient { .. } => Ok(()),
        _ => Err(format!(
            "{}: signing in is for OIDC profiles (platform = \"oidc\"); its own tool signs it in",
            cred.provenance.profile
        )),
    }
}

/// The id a sign-in is kept under, with its issuer and client.
pub fn stored_as(cred: &Credential) -> Option<(&CredentialId, &str, &str)> {
    match &cred.material {
        Material::OidcClient {
            issuer, client_id, ..
        } => Some((&cred.id, issuer, client_id)),
        _ => None,
    }
}

impl super::Engine {
    /// Gives up the sign-in of `id` in flight, if any.
    pub(super) fn cancel_login(&mut self, id: &CredentialId) {
        let Some(running) = self.in_flight.remove(&(id.clone(), super::jobs::Op::Login)) else {
            return;
        };
        let profile = self
            .store
            .get(id)
            .map(|e| e.credential.provenance.profile.clone())
            .unwrap_or_default();
        self.abandon(id, &profile, super::jobs::Op::Login, running, "given up");
        if let Some(entry) = self.store.get_mut(id) {
            entry.busy = None;
        }
        self.push_row(id);
    }
}
