//! One credential and the tokens the engine holds for it: which token the
//! table shows, how new and cached tokens replace held ones, and whom the
//! tokens say the principal is.

use crate::model::{Credential, Problem, Secret, Status, Token, TokenRole};

/// One credential and what the engine knows about it now.
#[derive(Debug)]
pub struct Entry {
    /// The credential as discovered.
    pub credential: Credential,
    /// The tokens held: access, ID, and any made from them. The last good
    /// ones are kept when a refresh fails.
    pub tokens: Vec<Token>,
    /// Held, pending or revoked.
    pub status: Status,
    /// The last failure.
    pub error: Option<Problem>,
    /// The operation in flight, by name.
    pub busy: Option<&'static str>,
    /// Why its source can no longer be read (the row shows its last state).
    pub source_error: Option<String>,
    /// Who the tokens say the principal is, when the credential did not
    /// (the `email` of an ID token).
    pub learned_principal: Option<String>,
    /// The credential its token is narrowed from, for a downscoped one.
    pub derived_from: Option<crate::model::CredentialId>,
    /// The refresh token its file holds, spent when the issuer rotated it:
    /// a re-read that finds it again keeps the one held in memory.
    pub rotated_from: Option<Secret>,
}

impl Entry {
    /// The token the table shows: the access token, else the ID token
    /// (a Cloud Run credential holds only that), else the narrowed one
    /// (a downscoped credential's).
    pub fn token(&self) -> Option<&Token> {
        // A Cloud Run profile (an audience) is about its ID token.
        let order = match self.credential.audience {
            Some(_) => [
                TokenRole::Id,
                TokenRole::Access,
                TokenRole::Downscoped,
                TokenRole::Pat,
            ],
            None => [
                TokenRole::Access,
                TokenRole::Id,
                TokenRole::Downscoped,
                TokenRole::Pat,
            ],
        };
        order
            .iter()
            .find_map(|role| self.tokens.iter().find(|t| t.role == *role))
    }

    /// Takes in tokens just obtained: each replaces the held token of its
    /// role, and the tokens made from a replaced one go with it (unless it
    /// came back the same, as a reused source token does).
    pub fn take_tokens(&mut self, fresh: Vec<Token>) {
        let roles: Vec<TokenRole> = fresh.iter().map(|t| t.role).collect();
        let kept: Vec<String> = fresh.iter().map(|t| t.value.fingerprint()).collect();
        let replaced: Vec<String> = self
            .tokens
            .iter()
            .filter(|t| roles.contains(&t.role))
            .map(|t| t.value.fingerprint())
            .filter(|fingerprint| !kept.contains(fingerprint))
            .collect();
        self.tokens.retain(|t| {
            !roles.contains(&t.role) && !t.parent.as_ref().is_some_and(|p| replaced.contains(p))
        });
        for token in fresh {
            // An ID token names its user: by email, else by subject.
            let said = token.principal.clone().or_else(|| {
                (token.role == TokenRole::Id)
                    .then(|| claim(&token, "email").or_else(|| claim(&token, "sub")))
                    .flatten()
            });
            if let Some(email) = said {
                // The issuer's text: never a quote of the credential's secrets.
                let held = crate::providers::scrub::Sent::held_by(&self.credential.material);
                self.learned_principal = Some(held.scrub(&email));
            }
            self.tokens.push(token);
        }
        self.tokens.sort_by_key(|t| t.role);
    }

    /// Takes in the tokens another tool cached where they are news: not
    /// held already, and expiring later than the one held. A JWT's own
    /// `exp`, `aud` and (of an access token) `sub` fill what the cache did
    /// not say.
    pub fn take_cached(&mut self, cached: &[Token]) {
        let news: Vec<Token> = cached
            .iter()
            .map(with_claims)
            .filter(|c| {
                self.tokens
                    .iter()
                    .find(|t| t.role == c.role)
                    .is_none_or(|held| {
                        held.value != c.value
                            && match (c.expires_at, held.expires_at) {
                                (Some(new), Some(old)) => new > old,
                                // Without both expiries, a different token is news.
                                _ => true,
                            }
                    })
            })
            .collect();
        // A new access token is live even where the old one was revoked.
        let shown_anew = news.iter().any(|t| t.role == TokenRole::Access);
        if shown_anew || (!news.is_empty() && self.status == Status::Pending) {
            self.status = Status::Live;
        }
        self.take_tokens(news);
    }

    /// A credential with no token yet.
    pub fn new(credential: Credential) -> Self {
        Self {
            credential,
            tokens: Vec::new(),
            status: Status::Pending,
            error: None,
            busy: None,
            source_error: None,
            learned_principal: None,
            derived_from: None,
            rotated_from: None,
        }
    }

    /// Takes a refresh token the issuer sent in place of the credential's
    /// own (held in memory: the file it came from is not written) and
    /// notes it on the row; returns the other tokens.
    /// A sign-in (`signing_in`) adopts the refresh token it made.
    pub fn keep_rotated_refresh_token(
        &mut self,
        tokens: Vec<Token>,
        signing_in: bool,
    ) -> Vec<Token> {
        let (refresh, others): (Vec<Token>, Vec<Token>) = tokens
            .into_iter()
            .partition(|t| t.role == TokenRole::Refresh);
        for token in refresh {
            let held = self.credential.material.refresh_token().cloned();
            let material = &mut self.credential.material;
            let taken = match signing_in {
                true => material.adopt_refresh_token(&token.value),
                false => material.rotate_refresh_token(&token.value),
            };
            if !taken {
                continue;
            }
            // tokentop's own sign-ins are saved where they are kept.
            if matches!(
                self.credential.material,
                crate::model::Material::OidcClient { .. }
            ) {
                continue;
            }
            let in_keyring = held.is_none();
            self.rotated_from = self.rotated_from.take().or(held);
            let cred = &self.credential;
            // A login's tokens may live in a cache beside its profile's
            // file, or in the OS keyring (no refresh token in any file).
            let file = if in_keyring {
                "the OS keyring".to_string()
            } else {
                cred.cached
                    .iter()
                    .find_map(|t| t.found_in.clone())
                    .unwrap_or_else(|| cred.provenance.source.clone())
            };
            let at = token
                .issued_at
                .map_or_else(String::new, |t| t.format(" at %H:%M:%SZ").to_string());
            // A sign-in made here replaces a dead one: said as such.
            let note = if signing_in {
                crate::sources::SIGNED_IN_AGAIN.to_string()
            } else {
                format!("{ROTATED}{at}: tokentop holds the new one; {file} still has the spent one")
            };
            let details = &mut self.credential.context.details;
            details.retain(|d| !d.starts_with(ROTATED) && d != crate::sources::SIGNED_IN_AGAIN);
            details.push(note);
        }
        others
    }

    /// Gives `fresh` (this credential read again) the refresh token held in
    /// memory, when its file still holds the one the issuer rotated away.
    pub fn carry_rotation(&self, fresh: &mut Credential) {
        let (Some(spent), Some(current)) =
            (&self.rotated_from, self.credential.material.refresh_token())
        else {
            return;
        };
        if fresh.material.refresh_token() == Some(spent) {
            fresh.material.rotate_refresh_token(current);
            let notes = self.credential.context.details.iter();
            let note = notes.filter(|d| d.starts_with(ROTATED)).cloned();
            fresh.context.details.extend(note);
        }
    }
}

/// How the note of a rotated refresh token begins.
const ROTATED: &str = "refresh token rotated by the issuer";

/// A string claim of a JWT token (unverified: for display only).
fn claim(token: &Token, name: &str) -> Option<String> {
    crate::inspect::jwt::peek_claims(token.value.expose())
        .ok()?
        .get(name)?
        .as_str()
        .map(str::to_string)
}

/// `token` with its expiry and audience read from its own claims where it
/// did not come with them.
fn with_claims(token: &Token) -> Token {
    let mut token = token.clone();
    if let Ok(claims) = crate::inspect::jwt::peek_claims(token.value.expose()) {
        if token.expires_at.is_none() {
            token.expires_at = claims
                .get("exp")
                .and_then(serde_json::Value::as_i64)
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0));
        }
        if token.audience.is_none() {
            token.audience = claims
                .get("aud")
                .and_then(|a| a.as_str())
                .map(str::to_string);
        }
        // A JWT access token (RFC 9068: a Databricks login's) names whom
        // it acts for in `sub`.
        if token.principal.is_none() && token.role == TokenRole::Access {
            token.principal = claims
                .get("sub")
                .and_then(|s| s.as_str())
                .map(str::to_string);
        }
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Secret;

    #[test]
    fn new_tokens_replace_their_role_and_the_tokens_made_from_the_old_one() {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        let token = |role, value: &str| Token::obtained(role, Secret::new(value), at);
        let mut entry = Entry::new(super::super::store::tests::credential("a", "s"));
        entry.take_tokens(vec![
            token(TokenRole::Id, "id1"),
            token(TokenRole::Access, "a1"),
        ]);
        let child = Token {
            parent: Some(Secret::new("a1").fingerprint()),
            ..token(TokenRole::Downscoped, "d1")
        };
        entry.take_tokens(vec![child]);
        assert_eq!(entry.tokens.len(), 3);
        assert_eq!(entry.token().map(|t| t.value.expose()), Some("a1"));
        entry.take_tokens(vec![token(TokenRole::Access, "a2")]);
        let held: Vec<&str> = entry.tokens.iter().map(|t| t.value.expose()).collect();
        assert_eq!(
            held,
            ["a2", "id1"],
            "the downscoped child of a1 went with it"
        );
        // A narrowed token comes back beside the same source token it was
        // made from: the new child stays.
        let source = Token {
            role: TokenRole::Source,
            ..token(TokenRole::Source, "s1")
        };
        let child = |value| Token {
            parent: Some(Secret::new("s1").fingerprint()),
            ..token(TokenRole::Downscoped, value)
        };
        entry.take_tokens(vec![child("d1"), source.clone()]);
        entry.take_tokens(vec![child("d2"), source]);
        let held: Vec<&str> = entry.tokens.iter().map(|t| t.value.expose()).collect();
        assert!(held.contains(&"d2") && !held.contains(&"d1"), "{held:?}");
    }

    #[test]
    fn a_cached_token_without_an_expiry_is_news_when_it_differs() {
        let at = chrono::DateTime::default();
        let mut entry = Entry::new(super::super::store::tests::credential("a", "s"));
        let held = Token {
            expires_at: chrono::DateTime::from_timestamp(2_000, 0),
            ..Token::obtained(TokenRole::Id, Secret::new("id-old"), at)
        };
        entry.take_tokens(vec![held]);
        entry.status = Status::Revoked;
        // gcloud caches ID tokens without saying their expiry; this one is
        // not a JWT, so none can be read from it either.
        let cached = Token {
            issued_at: None,
            ..Token::obtained(TokenRole::Id, Secret::new("id-new"), at)
        };
        entry.take_cached(std::slice::from_ref(&cached));
        assert_eq!(entry.tokens[0].value.expose(), "id-new");
        assert_eq!(
            entry.status,
            Status::Revoked,
            "an ID token does not revive the row"
        );
        entry.take_cached(&[Token {
            issued_at: None,
            ..Token::obtained(TokenRole::Access, Secret::new("a-new"), at)
        }]);
        assert_eq!(entry.status, Status::Live, "a new access token does");
        let before = entry.tokens.len();
        entry.take_cached(&[cached]);
        assert_eq!(
            entry.tokens.len(),
            before,
            "the same token again is not news"
        );
    }
}
