//! The Databricks CLI's logins in the OS keyring (`auth_storage = secure`,
//! the 2026 CLI's default; wire.md §3.7): service `databricks-cli`, account
//! = the cache key, secret = the login's token JSON. Read through the
//! Secret Service (on Linux), never written, and never waited on for more
//! than a few seconds: a locked keyring may sit waiting for a password
//! nobody at an SSH prompt can type.

use crate::model::Secret;
use std::time::Duration;

/// What the keyring holds for a profile.
pub enum Held {
    /// A login under `key`: the token JSON.
    Login {
        /// The cache key it was found under.
        key: String,
        /// The token JSON the CLI stored.
        json: Secret,
    },
    /// No login under any of the keys.
    Nothing,
    /// No Secret Service answered, and why.
    Unreachable(String),
}

/// The Databricks CLI's keyring service name.
const SERVICE: &str = "databricks-cli";

/// How long the Secret Service may take to answer.
const DEADLINE: Duration = Duration::from_secs(5);

/// One keyring read at a time: a read the Secret Service never answers
/// holds its thread, and the next ones wait their turn (up to the deadline)
/// instead of each leaving another thread behind.
static ONE_READ: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// The login kept under the first of `keys` that has one.
pub async fn find(keys: &[String]) -> Held {
    let Ok(Ok(turn)) = tokio::time::timeout(DEADLINE, ONE_READ.acquire()).await else {
        return Held::Unreachable(
            "the Secret Service has not answered an earlier read in 5 s (a locked keyring waiting for its password?)"
                .into(),
        );
    };
    let keys = keys.to_vec();
    let read = tokio::task::spawn_blocking(move || {
        let held = read(&keys);
        drop(turn); // the next read may go
        held
    });
    match tokio::time::timeout(DEADLINE, read).await {
        Ok(Ok(held)) => held,
        Ok(Err(failed)) => Held::Unreachable(failed.to_string()),
        Err(_) => Held::Unreachable(
            "the Secret Service did not answer in 5 s (a locked keyring waiting for its password?)"
                .into(),
        ),
    }
}

#[cfg(target_os = "linux")]
fn read(keys: &[String]) -> Held {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return Held::Unreachable(
            "no D-Bus session here (DBUS_SESSION_BUS_ADDRESS is not set)".into(),
        );
    }
    for key in keys {
        let found = keyring::Entry::new(SERVICE, key).and_then(|entry| entry.get_password());
        match found {
            Ok(json) => {
                return Held::Login {
                    key: key.clone(),
                    json: Secret::new(json),
                };
            }
            Err(keyring::Error::NoEntry) => {}
            Err(e) => return Held::Unreachable(e.to_string()),
        }
    }
    Held::Nothing
}

#[cfg(not(target_os = "linux"))]
fn read(_keys: &[String]) -> Held {
    Held::Unreachable("tokentop reads the OS keyring through the Secret Service, on Linux".into())
}
