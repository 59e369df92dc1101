//! Why an operation failed, kept typed until the screen renders it, so rules
//! (and later the doctor) can reason about causes; rendered short.

use serde::Serialize;
use std::fmt;

/// Why a server could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unreachable {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens there, or a firewall said no.
    Refused,
    /// The connection was cut before an answer.
    Reset,
    /// Any other transport failure (what the system said).
    Other(String),
}

/// A failed provider call, naming the endpoint and what the server said.
/// Never carries a token or secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "cause", rename_all = "kebab-case")]
pub enum ProviderError {
    /// No connection: DNS, refused, reset.
    #[error("{}", unreachable_text(host, why))]
    Offline {
        /// The host (and port, when not the default).
        host: String,
        /// What stopped it.
        why: Unreachable,
    },
    /// The TLS handshake failed (a certificate, usually).
    #[error("TLS with {host} failed: {message}")]
    Tls {
        /// The host.
        host: String,
        /// What the TLS library said.
        message: String,
    },
    /// The server did not answer in time.
    #[error("timed out: {host} did not answer in time")]
    Timeout {
        /// The host.
        host: String,
    },
    /// The server answered with an error status.
    #[error("{} answered HTTP {status}: {message}", short_endpoint(endpoint))]
    Rejected {
        /// The URL (without query).
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// The OAuth `error` code (`invalid_grant`, ...), when the body had one.
        error: Option<String>,
        /// `error: error_description`, or the body's first line.
        message: String,
    },
    /// The credential, its endpoints or the server's answer are unusable.
    #[error("{what}: {message}")]
    Config {
        /// The field, file or URL at fault.
        what: String,
        /// What is wrong.
        message: String,
    },
}

impl ProviderError {
    /// A configuration problem with `what`.
    pub fn config(what: &str, message: impl Into<String>) -> Self {
        Self::Config {
            what: what.to_string(),
            message: message.into(),
        }
    }

    /// The OAuth `error` code the server sent, if any.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Self::Rejected { error, .. } => error.as_deref(),
            _ => None,
        }
    }

    /// What a known refusal means, in words (Google's token plane, wire.md
    /// §2.9); `None` for anything else, which is then shown as the server said.
    pub fn in_words(&self) -> Option<&'static str> {
        let Self::Rejected { error, message, .. } = self else {
            return None;
        };
        let said = |text: &str| message.contains(text);
        // Databricks refuses a token itself with a 403 whatever its
        // error_code (a number or a word): not a missing permission.
        if said("Invalid access token") {
            return Some(
                "token rejected: the workspace does not accept it (deleted, expired, or not this workspace's)",
            );
        }
        if said("Token is expiring within 30 seconds") {
            return Some("token rejected: Databricks refuses a token with 30 s or less left");
        }
        Some(match error.as_deref()? {
            "invalid_grant" if said("expired or revoked") => {
                "the sign-in has expired or was revoked"
            }
            "invalid_grant" if said("rapt") => {
                "Google asks to sign in again (the organisation's session length policy)"
            }
            "invalid_grant" if said("Invalid JWT Signature") => {
                "the key was deleted or rotated: this key file no longer works"
            }
            "invalid_grant" if said("Robot is disabled") => "the service account is disabled",
            "invalid_grant" if said("short-lived token") => {
                "Google refused the signed assertion's times: this machine's clock is off"
            }
            "invalid_client" | "deleted_client" => "the OAuth client is unknown or was deleted",
            // RFC 8628 §3.5: how a sign-in on another device ended.
            "access_denied" => "the sign-in was refused on the other device",
            "expired_token" => "the sign-in code expired before it was approved: sign in again",
            "invalid_scope" => "the issuer does not grant these scopes to this client",
            "PERMISSION_DENIED" => "IAM denied it: the caller lacks the role it needs",
            _ => return None,
        })
    }

    /// True when the grant itself is dead (an expired or revoked refresh
    /// token, a disabled account): retrying will not help, logging in will.
    pub fn is_invalid_grant(&self) -> bool {
        self.oauth_error() == Some("invalid_grant")
    }
}

fn unreachable_text(host: &str, why: &Unreachable) -> String {
    match why {
        Unreachable::Dns => format!("offline: cannot resolve {host}"),
        Unreachable::Refused => format!("offline: {host} refused the connection"),
        Unreachable::Reset => format!("offline: the connection to {host} was cut"),
        Unreachable::Other(what) => format!("offline: {host}: {what}"),
    }
}

/// `host/path` of a URL: enough to tell endpoints apart, short enough for a row.
fn short_endpoint(endpoint: &str) -> &str {
    endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest)
        .trim_end_matches('/')
}

/// What went wrong with a row: a provider call that failed, typed, or a
/// plain account of anything else (a job that timed out, a revocation the
/// issuer did not confirm, a source that can no longer be read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// `op` failed at the provider.
    Provider {
        /// The operation (`refresh`, `revoke`).
        op: &'static str,
        /// Why.
        error: ProviderError,
    },
    /// Anything else, said in words.
    Other(String),
}

impl ProviderError {
    /// The same error with every text `f` made of it (to make server text
    /// printable before it reaches a screen).
    pub fn map_text(self, f: impl Fn(&str) -> String) -> Self {
        match self {
            Self::Offline { host, why } => Self::Offline {
                host: f(&host),
                why: match why {
                    Unreachable::Other(what) => Unreachable::Other(f(&what)),
                    other => other,
                },
            },
            Self::Tls { host, message } => Self::Tls {
                host: f(&host),
                message: f(&message),
            },
            Self::Timeout { host } => Self::Timeout { host: f(&host) },
            Self::Rejected {
                endpoint,
                status,
                error,
                message,
            } => Self::Rejected {
                endpoint: f(&endpoint),
                status,
                error: error.as_deref().map(&f),
                message: f(&message),
            },
            Self::Config { what, message } => Self::Config {
                what: f(&what),
                message: f(&message),
            },
        }
    }
}

impl Problem {
    /// The same problem with every text `f` made of it.
    pub fn map_text(self, f: impl Fn(&str) -> String) -> Self {
        match self {
            Self::Provider { op, error } => Self::Provider {
                op,
                error: error.map_text(f),
            },
            Self::Other(text) => Self::Other(f(&text)),
        }
    }

    /// The provider error behind this problem, if it is one.
    pub fn provider_error(&self) -> Option<&ProviderError> {
        match self {
            Self::Provider { error, .. } => Some(error),
            Self::Other(_) => None,
        }
    }

    /// A machine-readable cause for scripts: `offline`, `tls`, `timeout`,
    /// `rejected`, `invalid-grant`, `config`, or `other`.
    pub fn cause(&self) -> &'static str {
        match self {
            Self::Provider { error, .. } if error.is_invalid_grant() => "invalid-grant",
            Self::Provider { error, .. } => match error {
                ProviderError::Offline { .. } => "offline",
                ProviderError::Tls { .. } => "tls",
                ProviderError::Timeout { .. } => "timeout",
                ProviderError::Rejected { .. } => "rejected",
                ProviderError::Config { .. } => "config",
            },
            Self::Other(_) => "other",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Provider { op, error } => match error.in_words() {
                Some(words) => write!(f, "{op} failed: {words} ({error})"),
                None => write!(f, "{op} failed: {error}"),
            },
            Self::Other(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_short_and_keeps_the_cause() {
        let dns = ProviderError::Offline {
            host: "oauth2.googleapis.com".into(),
            why: Unreachable::Dns,
        };
        assert_eq!(
            dns.to_string(),
            "offline: cannot resolve oauth2.googleapis.com"
        );
        let dead = ProviderError::Rejected {
            endpoint: "https://oauth2.googleapis.com/token".into(),
            status: 400,
            error: Some("invalid_grant".into()),
            message: "invalid_grant: Token has been expired or revoked.".into(),
        };
        assert_eq!(
            dead.to_string(),
            "oauth2.googleapis.com/token answered HTTP 400: invalid_grant: Token has been expired or revoked."
        );
        let problem = Problem::Provider {
            op: "refresh",
            error: dead,
        };
        assert_eq!(problem.cause(), "invalid-grant");
        assert_eq!(
            problem.to_string(),
            "refresh failed: the sign-in has expired or was revoked (oauth2.googleapis.com/token answered HTTP 400: invalid_grant: Token has been expired or revoked.)"
        );
        assert_eq!(Problem::Other("x".into()).cause(), "other");
    }

    #[test]
    fn a_token_databricks_refuses_is_rejected_not_a_missing_permission() {
        for code in [Some("PERMISSION_DENIED".to_string()), None] {
            let refused = ProviderError::Rejected {
                endpoint: "https://dbc.cloud.databricks.com/api/2.0/token/list".into(),
                status: 403,
                error: code,
                message: "PERMISSION_DENIED: Invalid access token.".into(),
            };
            assert!(
                refused
                    .in_words()
                    .is_some_and(|w| w.starts_with("token rejected"))
            );
        }
        let dying = ProviderError::Rejected {
            endpoint: "https://adb-1.7.azuredatabricks.net/api/2.0/clusters/list".into(),
            status: 403,
            error: Some("403".into()),
            message: "Token is expiring within 30 seconds. (token expired)".into(),
        };
        assert!(dying.in_words().is_some_and(|w| w.contains("30 s")));
    }

    #[test]
    fn a_sign_in_on_another_device_ends_in_words() {
        let ended = |code: &str| {
            ProviderError::Rejected {
                endpoint: "https://idp.example/token".into(),
                status: 400,
                error: Some(code.into()),
                message: format!("{code}: device flow"),
            }
            .in_words()
        };
        assert!(ended("access_denied").is_some_and(|w| w.contains("refused")));
        assert!(ended("expired_token").is_some_and(|w| w.contains("expired")));
    }
}
