//! `tokentop decode [TOKEN]`: any token, read from stdin (not shown when
//! typed or pasted at a terminal): its header and claims with times as dates
//! and as "in 12m", its signature checked through its issuer's published
//! keys, and whether it is live. Exit 0 only when it verifies and is live.

use crate::engine::EngineConfig;
use crate::engine::protocol::{Command, Update};
use crate::model::{DecodeReport, DecodedBody, Secret, SignatureCheck, SystemClock};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;

/// Not a JWT: nothing to verify.
const EXIT_NOT_A_JWT: u8 = 1;
/// Expired or not yet valid (signature verified).
const EXIT_NOT_LIVE: u8 = 10;
/// The signature fails, or cannot be checked (`alg: none`, no keys found).
const EXIT_UNVERIFIED: u8 = 14;
/// The longest token read from stdin.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

/// Decodes the token given (`token`, else stdin) and prints what it is.
pub async fn decode(
    engine: EngineConfig,
    token: Option<String>,
    json: bool,
) -> Result<ExitCode, String> {
    let token = match token {
        Some(token) => {
            eprintln!(
                "warning: a token given as an argument is now in your shell's history; \
                 pipe it instead (… | tokentop decode)"
            );
            Secret::new(bare(&token))
        }
        None => read_stdin()?,
    };
    let mut handle = crate::engine::start(engine, Arc::new(SystemClock))?;
    let clock = handle.clock.clone();
    handle
        .commands
        .send(Command::DecodeToken(token))
        .await
        .map_err(|_| "the engine stopped".to_string())?;
    let mut report = None;
    while let Some(update) = handle.updates.recv().await {
        if let Update::Decoded(r) = update
            && r.id.0 == crate::engine::protocol::GIVEN_TOKEN
        {
            report = Some(r);
            break;
        }
    }
    let now = clock.now();
    handle.shutdown().await;
    let report = report.ok_or("the engine stopped before the token was decoded")?;
    let (code, state) = verdict(&report, now);
    if json {
        let mut value = serde_json::to_value(&report).map_err(|e| e.to_string())?;
        if let Some(map) = value.as_object_mut() {
            map.remove("id");
            map.remove("profile");
            map.insert("state".into(), state.into());
        }
        outln!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?
        );
    } else {
        out!("{}", text(&report, now));
        outln!("state      {state}");
    }
    Ok(ExitCode::from(code))
}

/// The token without the `Authorization: Bearer` a copy may bring along.
fn bare(text: &str) -> String {
    let text = text.trim();
    let text = text
        .strip_prefix("Authorization:")
        .or_else(|| text.strip_prefix("authorization:"))
        .unwrap_or(text)
        .trim();
    let text = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .unwrap_or(text);
    text.trim().to_string()
}

/// The token from stdin: a pipe is read whole; at a terminal one line is
/// read without echo, so the token never reaches the scrollback.
fn read_stdin() -> Result<Secret, String> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        eprint!("Paste the token, then Enter (it is not shown): ");
        let line = read_line_unechoed()?;
        eprintln!();
        line
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .take(MAX_TOKEN_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| format!("stdin: {e}"))?;
        text
    };
    let token = bare(&text);
    if token.is_empty() {
        return Err("no token on stdin: pipe one in (… | tokentop decode), or paste it".into());
    }
    Ok(Secret::new(token))
}

/// One line from the terminal in raw mode (no echo); Ctrl-C gives up.
fn read_line_unechoed() -> Result<String, String> {
    crossterm::terminal::enable_raw_mode().map_err(|e| format!("terminal: {e}"))?;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    let result = loop {
        match std::io::stdin().read(&mut byte) {
            Ok(0) => break Ok(()),
            Ok(_) if byte[0] == b'\r' || byte[0] == b'\n' => break Ok(()),
            Ok(_) if byte[0] == 3 => break Err("given up (Ctrl-C)".to_string()),
            Ok(_) if line.len() as u64 >= MAX_TOKEN_BYTES => {
                break Err("longer than any token".to_string());
            }
            Ok(_) => line.push(byte[0]),
            Err(e) => break Err(format!("stdin: {e}")),
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    result.map(|()| String::from_utf8_lossy(&line).into_owned())
}

/// The exit status and the state in a word.
fn verdict(report: &DecodeReport, now: DateTime<Utc>) -> (u8, String) {
    let DecodedBody::Jwt {
        claims, signature, ..
    } = &report.body
    else {
        return (EXIT_NOT_A_JWT, "not a JWT".into());
    };
    let time = |name: &str| claims.get(name).and_then(crate::model::numeric_date);
    let live = match (time("exp"), time("nbf")) {
        (Some(exp), _) if exp <= now => Err(format!(
            "EXPIRED {}",
            crate::model::format_relative(exp, now)
        )),
        (_, Some(nbf)) if nbf > now => Err(format!(
            "NOT YET VALID (valid {})",
            crate::model::format_relative(nbf, now)
        )),
        (Some(exp), _) => Ok(format!(
            "live, expires {}",
            crate::model::format_relative(exp, now)
        )),
        (None, _) => Ok("live (no expiry)".into()),
    };
    let verified = matches!(signature, SignatureCheck::Verified { .. });
    match (verified, live) {
        (false, Ok(live) | Err(live)) => (EXIT_UNVERIFIED, format!("UNVERIFIED; {live}")),
        (true, Err(not_live)) => (EXIT_NOT_LIVE, not_live),
        (true, Ok(live)) => (0, live),
    }
}

/// Header, claims (times as dates and relative) and the signature check.
fn text(report: &DecodeReport, now: DateTime<Utc>) -> String {
    let mut out = format!("token      {}\n", report.fingerprint);
    match &report.body {
        DecodedBody::Jwt {
            header,
            claims,
            signature,
        } => {
            for (title, map) in [("header", header), ("claims", claims)] {
                out.push_str(&format!("{title}\n"));
                let Value::Object(map) = map else { continue };
                let width = map.keys().map(|k| k.chars().count()).max().unwrap_or(0);
                for (name, value) in map {
                    let shown = claim(name, value, now);
                    let name = crate::model::printable(name);
                    out.push_str(&format!("  {name:<width$}  {shown}\n"));
                }
            }
            out.push_str(&format!(
                "signature  {}\n",
                match signature {
                    SignatureCheck::Verified { kid, jwks_url } =>
                        format!("✓ verified (kid {kid}) with {jwks_url}"),
                    SignatureCheck::Failed { reason } => format!("✗ NOT valid: {reason}"),
                    SignatureCheck::NotChecked { reason } => format!("? not checked: {reason}"),
                }
            ));
        }
        DecodedBody::Failed { reason } => out.push_str(&format!("✗ {reason}\n")),
        DecodedBody::Opaque { .. } => {}
    }
    out
}

/// A claim's value for a terminal: times also as a date and relative,
/// text made inert (a token's contents are anyone's).
fn claim(name: &str, value: &Value, now: DateTime<Utc>) -> String {
    let is_time = matches!(name, "exp" | "iat" | "nbf" | "auth_time" | "updated_at");
    match value {
        Value::Number(n) if is_time => match crate::model::numeric_date(value) {
            Some(at) => format!(
                "{n}  {} ({})",
                at.format("%Y-%m-%d %H:%M:%SZ"),
                crate::model::format_relative(at, now)
            ),
            None => n.to_string(),
        },
        Value::String(s) => crate::model::printable_owned(s),
        other => crate::model::printable_owned(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_header_is_taken_off() {
        assert_eq!(
            bare("  Authorization: Bearer abc.def.ghi \n"),
            "abc.def.ghi"
        );
        assert_eq!(bare("bearer abc"), "abc");
        assert_eq!(bare("abc\n"), "abc");
    }
}
