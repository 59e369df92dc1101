//! `tokentop doctor PROFILE [--url URL]`: one request with the credential's
//! token, the answer beside the token's facts, the cause named, and an exit
//! status per cause class for scripts.

use super::operate::{finished, level_word, named, send};
use crate::engine::EngineConfig;
use crate::engine::protocol::{Command, EngineHandle, Update};
use crate::model::{Cause, DoctorAsk, DoctorReport, SystemClock};
use std::process::ExitCode;
use std::sync::Arc;

/// Runs the doctor on the credential named `profile`, obtaining a token
/// first when it holds none, and prints the report (JSON with `json`).
pub async fn doctor(
    engine: EngineConfig,
    profile: &str,
    ask: DoctorAsk,
    json: bool,
) -> Result<ExitCode, String> {
    let mut handle = crate::engine::start(engine, Arc::new(SystemClock))?;
    let row = match named(&mut handle, profile).await {
        Ok(row) => row,
        Err(code) => {
            handle.shutdown().await;
            return Ok(code);
        }
    };
    if row.fingerprint.is_none() && row.capabilities.can_refresh() {
        send(&handle, Command::Refresh(row.id.clone())).await?;
        let (_, notices) = finished(&mut handle, |r| r.id == row.id).await;
        for (level, text) in notices {
            eprintln!("{}: {text}", level_word(level));
        }
    }
    send(&handle, Command::Doctor(row.id.clone(), ask)).await?;
    let report = diagnosed(&mut handle, &row.id).await;
    // The engine's clock, corrected by the servers' (as the report's times are).
    let now = handle.clock.now();
    handle.shutdown().await;
    let Some(report) = report else {
        return Err("the engine stopped before the doctor answered".into());
    };
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        outln!("{text}");
    } else {
        out!("{}", text(&report, now));
    }
    Ok(ExitCode::from(report.diagnosis.cause.class()))
}

async fn diagnosed(
    handle: &mut EngineHandle,
    id: &crate::model::CredentialId,
) -> Option<DoctorReport> {
    while let Some(update) = handle.updates.recv().await {
        match update {
            Update::Diagnosed(report) if report.id == *id => return Some(*report),
            Update::Notice { level, text } => eprintln!("{}: {text}", level_word(level)),
            _ => {}
        }
    }
    None
}

/// The report for a terminal: what was sent, what came back, and why.
pub fn text(report: &DoctorReport, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut out = format!("{}\n\n", report.profile);
    let section = |out: &mut String, title: &str, lines: Vec<(&str, String)>| {
        out.push_str(title);
        out.push('\n');
        for (label, value) in lines {
            out.push_str(&format!("  {label:<12} {value}\n"));
        }
        out.push('\n');
    };
    section(&mut out, "sent", report.token_lines(now));
    section(&mut out, "answer", report.answer_lines());
    out.push_str(&report.verdict());
    out.push('\n');
    for line in &report.diagnosis.evidence {
        out.push_str(&format!("  {line}\n"));
    }
    let cause = report.diagnosis.cause;
    if let Some((code, meaning)) = Cause::EXIT_CLASSES
        .iter()
        .find(|(code, _)| *code == cause.class())
        .filter(|_| cause != Cause::Accepted)
    {
        out.push_str(&format!("(exit {code}: {meaning})\n"));
    }
    out
}
