//! Decoding a token that belongs to no credential (`tokentop decode`): its
//! header and claims, and its signature checked against the keys its own
//! `iss` publishes (OIDC discovery, then RFC 8414). Only public documents
//! are fetched; the token is sent nowhere.

use super::jobs::Resources;
use crate::inspect::{discovery, jwt};
use crate::model::{CredentialId, DecodeReport, DecodedBody, Secret, SignatureCheck};

/// Decodes `token` and verifies it through its issuer's published keys.
pub async fn decode_token(res: Resources, token: Secret) -> DecodeReport {
    let raw = token.expose().trim();
    let body = match jwt::decode(raw) {
        Err(e) => DecodedBody::Failed {
            reason: format!(
                "{e}; an opaque token can be described only by its issuer (tokeninfo, introspection)"
            ),
        },
        Ok((header, claims)) => {
            let signature = match (
                header.get("alg").and_then(|a| a.as_str()),
                claims.get("iss"),
            ) {
                (Some(alg), _) if alg.eq_ignore_ascii_case("none") => SignatureCheck::Failed {
                    reason: "alg: none: the token is not signed; anyone could have written it"
                        .into(),
                },
                (_, Some(serde_json::Value::String(issuer))) => {
                    match discovery::jwks_uri(&res.http, issuer).await {
                        Ok(url) => res.jwks.verify(&res.http, &url, raw).await,
                        Err(reason) => SignatureCheck::NotChecked {
                            reason: format!("the issuer's keys were not found: {reason}"),
                        },
                    }
                }
                _ => SignatureCheck::NotChecked {
                    reason: "no `iss` claim: nothing says whose keys would verify it".into(),
                },
            };
            DecodedBody::Jwt {
                header: header.into(),
                claims: claims.into(),
                signature,
            }
        }
    };
    DecodeReport {
        id: CredentialId(super::protocol::GIVEN_TOKEN.into()),
        profile: String::new(),
        fingerprint: token.fingerprint(),
        body,
    }
}
