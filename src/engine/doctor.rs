//! The doctor's job: send the current token to a target once, read what
//! the token is (claims, signature) and what the target said, ask the
//! issuer whether it still takes the token after a refusal, and name why.

use super::jobs::{self, Outcome, Resources};
use super::protocol::Update;
use super::store::Entry;
use super::{Engine, Op};
use crate::inspect::jwt;
use crate::model::{
    Clock, Credential, CredentialId, Diagnosis, DoctorAsk, DoctorReport, Material, Status, Token,
    TokenFacts, TokenRole, diagnose, numeric_date,
};
use crate::providers::probe;
use serde_json::Value;
use std::sync::Arc;

/// Runs the doctor on `token` of `cred`. `revoked_here` says tokentop
/// revoked this very token.
pub async fn doctor(
    res: Resources,
    cred: Credential,
    token: Token,
    ask: DoctorAsk,
    revoked_here: bool,
    clock: Arc<dyn Clock>,
) -> Outcome {
    let mut facts = facts_of(&res, &cred, &token).await;
    facts.revoked_here = revoked_here;
    let url = match ask.url {
        Some(url) => Ok(url),
        None => probe::default_url(&res.http, &cred).await,
    };
    let (target, response, diagnosis) = match url.map(|url| (crate::net::check_url(&url), url)) {
        Err(why) => (None, None, Diagnosis::not_run(why)),
        // Plain http off loopback: nothing is sent.
        Ok((Err(refused), _)) => (None, None, Diagnosis::not_run(refused.to_string())),
        Ok((Ok(_), url)) => {
            let target = probe::target(&cred, &url, ask.kind);
            let (response, diagnosis) =
                ask_target(&res, &cred, &token, &mut facts, &target, &clock).await;
            (Some(target), response, diagnosis)
        }
    };
    Outcome::Diagnosed(Box::new(DoctorReport {
        id: cred.id.clone(),
        profile: cred.provenance.profile.clone(),
        at: clock.now(),
        target,
        token: facts,
        response,
        diagnosis,
    }))
}

/// Sends `token` to `target` and names why it was refused, if it was:
/// after a refusal the issuer is asked whether it still takes the token,
/// and a JWT's signature is checked against the keys as published now.
async fn ask_target(
    res: &Resources,
    cred: &Credential,
    token: &Token,
    facts: &mut TokenFacts,
    target: &crate::model::Target,
    clock: &Arc<dyn Clock>,
) -> (Option<crate::model::ProbeResponse>, Diagnosis) {
    let response = match probe::send(&res.http, &target.url, &token.value).await {
        Ok(response) => response,
        Err(e) => return (None, Diagnosis::unreachable(&e.to_string())),
    };
    let now = clock.now();
    let refused = !(200..300).contains(&response.status);
    if refused && facts.expires_at.is_none_or(|exp| exp > now) {
        facts.issuer_says_active = probe::issuer_says_active(&res.http, cred, token).await;
        // The verifier sees the keys as published now, not as tokentop
        // cached them: a dropped key shows.
        if facts.jwt {
            facts.signature = fresh_signature(res, cred, token).await;
        }
    }
    let diagnosis = diagnose(facts, target, &response, now);
    (Some(response), diagnosis)
}

/// What is known of `token`: what tokentop holds about it, and for a JWT
/// its claims and whether its issuer's keys verify it.
async fn facts_of(res: &Resources, cred: &Credential, token: &Token) -> TokenFacts {
    let mut facts = TokenFacts {
        role: Some(token.role),
        fingerprint: token.value.fingerprint(),
        audience: token.audience.iter().cloned().collect(),
        scopes: token.scopes.clone(),
        expires_at: token.expires_at,
        // Whom the issuer said it is for, else whom the credential names.
        subject: token
            .principal
            .clone()
            .or_else(|| Some(cred.principal.clone()).filter(|p| !p.is_empty())),
        ..TokenFacts::default()
    };
    let raw = token.value.expose();
    let Ok((_, claims)) = jwt::decode(raw) else {
        return facts;
    };
    facts.jwt = true;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    facts.issuer = text("iss");
    facts.audience = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.clone()],
        Some(Value::Array(auds)) => auds
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
        _ => facts.audience,
    };
    let at = |name: &str| claims.get(name).and_then(numeric_date);
    facts.expires_at = at("exp").or(facts.expires_at);
    facts.not_before = at("nbf").or_else(|| at("iat"));
    facts.subject = text("email").or_else(|| text("sub")).or(facts.subject);
    if facts.scopes.is_empty() {
        facts.scopes = match (claims.get("scope"), claims.get("scp")) {
            (Some(Value::String(scope)), _) => {
                scope.split_whitespace().map(str::to_string).collect()
            }
            (_, Some(Value::Array(scp))) => scp
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
    }
    facts.signature = Some(super::jobs::signature(res, cred, raw, &claims, false).await);
    facts
}

/// The token's signature against its issuer's keys as published now.
async fn fresh_signature(
    res: &Resources,
    cred: &Credential,
    token: &Token,
) -> Option<crate::model::SignatureCheck> {
    let raw = token.value.expose();
    let (_, claims) = jwt::decode(raw).ok()?;
    Some(super::jobs::signature(res, cred, raw, &claims, true).await)
}

impl Engine {
    /// The doctor's job for `id`: its current token (a PAT's own, when its
    /// facts could not be read) to the target last asked for. Without a
    /// token, the view is told at once.
    pub(super) fn doctor_job(&self, id: &CredentialId, entry: &Entry) -> Option<jobs::JobFuture> {
        let cred = entry.credential.clone();
        let held = entry.token().cloned().or_else(|| match &cred.material {
            Material::DatabricksPat { token } => Some(Token {
                issued_at: None,
                ..Token::obtained(TokenRole::Pat, token.clone(), self.clock.now())
            }),
            _ => None,
        });
        let Some(token) = held else {
            let why = "no token to send yet (press r for one)";
            let report = self.doctor_report(id, Diagnosis::not_run(why));
            self.send(Update::Diagnosed(Box::new(report)));
            return None;
        };
        let ask = self.doctor_asks.get(id).cloned().unwrap_or_default();
        let revoked_here = entry.status == Status::Revoked;
        Some(Box::pin(doctor(
            self.resources.clone(),
            cred,
            token,
            ask,
            revoked_here,
            self.clock.clone(),
        )))
    }

    /// A doctor that timed out or failed still answers its view: with a
    /// report that says so (the row is no worse).
    pub(super) fn doctor_unfinished(&self, id: &CredentialId, op: Op, outcome: Outcome) -> Outcome {
        match outcome {
            Outcome::TimedOut(why) | Outcome::Failed(why) if op == Op::Doctor => {
                let diagnosis = Diagnosis::unreachable(&why);
                Outcome::Diagnosed(Box::new(self.doctor_report(id, diagnosis)))
            }
            other => other,
        }
    }

    /// A report of the doctor that sent nothing, or had no answer.
    pub(super) fn doctor_report(&self, id: &CredentialId, diagnosis: Diagnosis) -> DoctorReport {
        let entry = self.store.get(id);
        DoctorReport {
            id: id.clone(),
            profile: entry
                .map(|e| e.credential.provenance.profile.clone())
                .unwrap_or_default(),
            at: self.clock.now(),
            target: None,
            token: TokenFacts {
                fingerprint: entry
                    .and_then(|e| e.token())
                    .map(|t| t.value.fingerprint())
                    .unwrap_or_default(),
                ..TokenFacts::default()
            },
            response: None,
            diagnosis,
        }
    }
}
