//! Signing in: with a device code (RFC 8628) where the issuer offers it and
//! the profile names no redirect, else with a browser (authorization code
//! with PKCE, RFC 7636, returning to a loopback port, RFC 8252). The job
//! tells the UI what the user is to do ([`Update::LoginPrompt`] or
//! [`Update::BrowserPrompt`]) and waits. Its tokens are taken as a
//! refresh's are; the refresh token is then kept in tokentop's own store.

use super::jobs::{Outcome, Resources};
use super::protocol::{Level, Update};
use crate::model::{Clock, Credential, CredentialId, Material, Token};
use crate::providers::{ProviderError, authcode, device, loopback, sign_in};
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// The longest a sign-in may wait for its user (RFC 8628 codes last
/// minutes; tokentop caps them at an hour).
pub const LOGIN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3700);

/// How long a browser sign-in waits for the browser to come back.
const BROWSER_WAIT: chrono::Duration = chrono::Duration::minutes(15);

/// The sign-in job for `cred`; `pasted` brings addresses the user pastes.
pub async fn login(
    res: Resources,
    cred: Credential,
    updates: UnboundedSender<Update>,
    pasted: UnboundedReceiver<String>,
    clock: Arc<dyn Clock>,
) -> Outcome {
    // An OIDC profile signs in with a device code where its issuer offers
    // one and the profile names no redirect; everyone else with a browser.
    let browser = match &cred.material {
        Material::OidcClient {
            redirect_uri: Some(uri),
            ..
        } => Ok(Some(uri.clone())),
        Material::OidcClient { .. } => {
            crate::providers::oidc::offers_device_login(&res.http, &cred)
                .await
                .map(|device| (!device).then(String::new))
        }
        _ => Ok(Some(String::new())),
    };
    Outcome::Refreshed(match browser {
        Ok(Some(uri)) => browser_login(&res, &cred, &uri, &updates, pasted, clock).await,
        Ok(None) => device_login(&res, &cred, &updates, clock).await,
        Err(e) => Err(e),
    })
}

/// A browser sign-in returning to `redirect_uri` (its port, or a free one;
/// empty: where the client is registered to return).
async fn browser_login(
    res: &Resources,
    cred: &Credential,
    redirect_uri: &str,
    updates: &UnboundedSender<Update>,
    mut pasted: UnboundedReceiver<String>,
    clock: Arc<dyn Clock>,
) -> Result<Vec<Token>, ProviderError> {
    let plan = sign_in::plan(&res.http, cred).await?;
    let redirect_uri = match redirect_uri {
        "" => plan.default_redirect,
        given => given,
    };
    let (host, port, path) = crate::model::loopback_redirect(redirect_uri)
        .map_err(|why| ProviderError::config("redirect_uri", format!("{redirect_uri}: {why}")))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| {
            ProviderError::config(
                "redirect_uri",
                format!("127.0.0.1:{port} cannot listen: {e}"),
            )
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| ProviderError::config("redirect_uri", e.to_string()))?
        .port();
    // Google and Databricks register their loopback without a path.
    let redirect_uri = match path.as_str() {
        "/" if !redirect_uri.ends_with('/') => format!("http://{host}:{port}"),
        _ => format!("http://{host}:{port}{path}"),
    };
    let login = authcode::start(&plan, &redirect_uri)?;
    let expires_at = clock.now() + BROWSER_WAIT;
    let _ = updates.send(Update::BrowserPrompt {
        id: cred.id.clone(),
        url: login.url.clone(),
        port,
        forward: ssh_forward(port),
        expires_at,
    });
    let wait = (expires_at - clock.now()).to_std().unwrap_or_default();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let address = tokio::select! {
            came = loopback::redirect(&listener, &path) => came.map_err(|e| {
                ProviderError::config("redirect_uri", format!("the loopback listener failed: {e}"))
            })?,
            Some(address) = pasted.recv() => address,
            () = tokio::time::sleep_until(deadline) => {
                return Err(ProviderError::config(
                    &cred.provenance.profile,
                    "the browser did not come back in 15 minutes",
                ));
            }
        };
        match authcode::code_from(&login, &address) {
            Ok(code) => {
                return authcode::exchange(&res.http, cred, &login, &code, clock.now()).await;
            }
            // The issuer said no: that is the answer.
            Err(e @ ProviderError::Rejected { .. }) => return Err(e),
            // A wrong paste: say why, and keep waiting.
            Err(e) => {
                let _ = updates.send(Update::Notice {
                    level: Level::Warn,
                    text: format!("{}: {e}", cred.provenance.profile),
                });
            }
        }
    }
}

/// The `ssh -L` line that forwards `port` from the user's laptop to this
/// machine: the address they reached it by (`SSH_CONNECTION`), else its name.
fn ssh_forward(port: u16) -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "you".into());
    let host = std::env::var("SSH_CONNECTION")
        .ok()
        .and_then(|c| c.split_whitespace().nth(2).map(str::to_string))
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this-host".into());
    format!("ssh -N -L {port}:127.0.0.1:{port} {user}@{host}")
}

async fn device_login(
    res: &Resources,
    cred: &Credential,
    updates: &UnboundedSender<Update>,
    clock: Arc<dyn Clock>,
) -> Result<Vec<Token>, ProviderError> {
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

/// Whether `cred` can sign in here (an OIDC client, a Google user, a
/// Databricks user login), else why not.
pub fn can_sign_in(cred: &Credential) -> Result<(), String> {
    match cred.sign_in_key() {
        Some(_) => Ok(()),
        None => Err(format!(
            "{}: its own tool signs it in; tokentop signs in OIDC profiles, Google users and Databricks user logins",
            cred.provenance.profile
        )),
    }
}

/// The id a sign-in is kept under, with its issuer and client.
pub fn stored_as(cred: &Credential) -> Option<(&CredentialId, &str, &str)> {
    cred.sign_in_key()
        .map(|(issuer, client)| (&cred.id, issuer, client))
}

impl super::Engine {
    /// Hands an address the user pasted to the sign-in of `id` in flight.
    pub(super) fn login_redirect(&mut self, id: &CredentialId, address: String) {
        let delivered = self
            .login_redirects
            .get(id)
            .is_some_and(|waiting| waiting.send(address).is_ok());
        if !delivered {
            self.notice(
                Level::Warn,
                "no browser sign-in is waiting for that address".to_string(),
            );
        }
    }

    /// Gives up the sign-in of `id` in flight, if any.
    pub(super) fn cancel_login(&mut self, id: &CredentialId) {
        let Some(running) = self.in_flight.remove(&(id.clone(), super::jobs::Op::Login)) else {
            return;
        };
        // Its tokens may be on their way already: they are still taken.
        self.given_up_logins.insert(running.job);
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
