//! Keeping a request's secrets out of what tokentop says about its answer.
//! A hostile or broken server may echo the request back (in an error, in a
//! field of a success, in a header it quotes): every form a secret travels
//! in is recognised and replaced by the secret's fingerprint.

use crate::model::Secret;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// The longest server text tokentop repeats (a row error, a log line).
pub const MAX_SAID_CHARS: usize = 300;

/// What replaces a text that still quotes a piece of a secret.
pub const WITHHELD: &str = "(the server's answer quoted a secret it was sent: withheld)";

/// The secrets one request carried, in each form they were sent in.
#[derive(Debug, Default)]
pub struct Sent {
    /// (the form as it may be echoed, the fingerprint shown instead)
    forms: Vec<(Secret, String)>,
}

impl Sent {
    /// The secrets a request carries as form fields or JSON values.
    pub fn new(secrets: &[&Secret]) -> Self {
        let mut sent = Self::default();
        for secret in secrets {
            sent.add(secret);
        }
        sent
    }

    /// Adds the client secret of an `Authorization: Basic` header, in the
    /// header's forms: `id:secret` (raw and form-encoded, RFC 6749 §2.3.1)
    /// and its base64.
    pub fn with_basic(mut self, client_id: &str, secret: &Secret) -> Self {
        self.add(secret);
        for pair in [
            format!("{client_id}:{}", secret.expose()),
            format!(
                "{}:{}",
                form_encode(client_id),
                form_encode(secret.expose())
            ),
        ] {
            let pair = Secret::new(pair);
            let shown = secret.fingerprint();
            self.push(STANDARD.encode(pair.expose()), &shown);
            self.push(pair.expose().to_string(), &shown);
        }
        self
    }

    /// Adds one more secret sent as a form field or JSON value.
    pub fn and(mut self, secret: &Secret) -> Self {
        self.add(secret);
        self
    }

    /// A secret's raw, form-encoded, JSON-escaped and base64 forms.
    fn add(&mut self, secret: &Secret) {
        let raw = secret.expose();
        if raw.len() < 8 {
            return;
        }
        let shown = secret.fingerprint();
        let json = serde_json::to_string(raw).unwrap_or_default();
        let json = json.trim_matches('"').to_string();
        for form in [
            raw.to_string(),
            form_encode(raw),
            json,
            STANDARD.encode(raw),
            URL_SAFE_NO_PAD.encode(raw),
        ] {
            self.push(form, &shown);
        }
    }

    /// Keeps the forms longest first, so that [`Sent::redact`] never
    /// half-replaces a form that holds another.
    fn push(&mut self, form: String, shown: &str) {
        if self.forms.iter().any(|(f, _)| f.expose() == form) {
            return;
        }
        let at = self
            .forms
            .partition_point(|(f, _)| f.expose().len() >= form.len());
        self.forms
            .insert(at, (Secret::new(form), shown.to_string()));
    }

    /// Makes a server's words safe to show, log and journal: each secret
    /// sent, in any of its forms, becomes its fingerprint; if a
    /// 12-character piece of one is still there (a server quoting a cut-off
    /// secret) the text is withheld; control characters become spaces; and
    /// the text is cut to [`MAX_SAID_CHARS`].
    pub fn scrub(&self, text: &str) -> String {
        let spaced: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let Some(mut out) = self.redact(&spaced) else {
            return WITHHELD.to_string();
        };
        if out.chars().count() > MAX_SAID_CHARS {
            out = out.chars().take(MAX_SAID_CHARS).collect::<String>() + "…";
        }
        out
    }

    /// Every string in `value` (keys too) with each secret sent replaced
    /// by its fingerprint, or withheld where a piece of one remains: for
    /// JSON that is shown as it came (tokeninfo, a decoded token's claims).
    pub fn scrub_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        let clean = |text: &str| self.redact(text).unwrap_or_else(|| WITHHELD.to_string());
        match value {
            Value::String(text) => *text = clean(text),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(fields) => {
                let taken = std::mem::take(fields);
                for (key, mut v) in taken {
                    self.scrub_json(&mut v);
                    fields.insert(clean(&key), v);
                }
            }
            _ => {}
        }
    }

    /// The secrets a credential holds (client secret, refresh token,
    /// private key): what a token's contents must never quote.
    pub fn held_by(material: &crate::model::Material) -> Self {
        use crate::model::Material;
        let held = Self::new(&material.secrets());
        match material {
            // Sent as `Authorization: Basic`: that form is held too.
            Material::DatabricksM2m {
                client_id,
                client_secret,
            }
            | Material::GoogleExternalUser {
                client_id,
                client_secret,
                ..
            } => held.with_basic(client_id, client_secret),
            Material::Downscoped { source, .. } => Self::held_by(source),
            _ => held,
        }
    }

    /// `text` with each secret sent, in any of its forms, replaced by its
    /// fingerprint (which keeps JSON valid); `None` when a 12-character
    /// piece of one is still there.
    pub fn redact(&self, text: &str) -> Option<String> {
        let mut out = text.to_string();
        for (form, shown) in &self.forms {
            out = out.replace(form.expose(), shown);
        }
        // Every 12-byte piece of what is left, once: each piece of a form is
        // then one lookup, however long the text and the forms.
        let pieces: std::collections::HashSet<&[u8]> = out.as_bytes().windows(12).collect();
        let quotes_a_piece = self.forms.iter().any(|(form, _)| {
            form.expose()
                .as_bytes()
                .windows(12)
                .any(|w| pieces.contains(w))
        });
        (!quotes_a_piece).then_some(out)
    }
}

/// `text` as `application/x-www-form-urlencoded` writes it.
pub(super) fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_terminal_escapes_are_removed() {
        let refresh = Secret::new("1//0gAbCdEfGhIjKlMnOp");
        let sent = Sent::new(&[&refresh]);
        let said = format!("invalid_grant: bad token {} \u{1b}[2J", refresh.expose());
        let clean = sent.scrub(&said);
        assert!(
            !clean.contains("1//0gAbCd") && !clean.contains('\u{1b}'),
            "{clean}"
        );
        assert!(clean.contains(&refresh.fingerprint()), "{clean}");
        let cut = format!(
            "echo: grant_type=refresh_token&refresh_token={}",
            &refresh.expose()[..14]
        );
        assert_eq!(sent.scrub(&cut), WITHHELD);
        assert_eq!(
            sent.scrub("Token has been expired or revoked."),
            "Token has been expired or revoked."
        );
    }

    #[test]
    fn every_form_a_secret_travels_in_is_recognised() {
        let refresh = Secret::new("1//0g-AbC/dEf+GhI=jKl\"Mn\\Op");
        let client = Secret::new("GOCSPX-s3cr3t/with+chars");
        let sent = Sent::new(&[&refresh]).with_basic("app id@x", &client);
        let echoes = [
            // The form body as sent.
            format!(
                "grant_type=refresh_token&refresh_token={}",
                form_encode(refresh.expose())
            ),
            // Inside a JSON string.
            serde_json::to_string(refresh.expose()).expect("json"),
            // The Basic header, as RFC 6749 §2.3.1 builds it and as some clients do.
            format!(
                "Authorization: Basic {}",
                STANDARD.encode(format!(
                    "{}:{}",
                    form_encode("app id@x"),
                    form_encode(client.expose())
                ))
            ),
            format!(
                "Authorization: Basic {}",
                STANDARD.encode(format!("app id@x:{}", client.expose()))
            ),
            format!("Bearer {}", STANDARD.encode(refresh.expose())),
        ];
        for echo in echoes {
            let clean = sent.scrub(&format!("invalid type: string \"{echo}\", expected u64"));
            for secret in [&refresh, &client] {
                assert!(!clean.contains(secret.expose()), "{clean}");
            }
            assert!(
                clean.contains("sha256:") || clean == WITHHELD,
                "{echo} -> {clean}"
            );
            let b64 = STANDARD.encode(refresh.expose());
            assert!(!clean.contains(&b64[..16]), "{clean}");
        }
    }

    #[test]
    fn json_is_scrubbed_after_parsing_however_it_was_escaped() {
        let refresh = Secret::new("1//0g-echoed/refresh-token");
        let sent = Sent::new(&[&refresh]);
        let body = r#"{"echo":"1\/\/0g-echoed\/refresh-token","\u0031//0g-echoed/refresh-token":1,"list":["x 1//0g-echoed/refr"],"n":5}"#;
        let mut value: serde_json::Value = serde_json::from_str(body).expect("json");
        sent.scrub_json(&mut value);
        let text = value.to_string();
        assert!(!text.contains("echoed"), "{text}");
        assert!(
            text.contains(&refresh.fingerprint()) && text.contains(WITHHELD),
            "{text}"
        );
        assert_eq!(value["n"], 5);
    }

    #[test]
    fn long_answers_are_cut() {
        let said = Sent::default().scrub(&"x".repeat(5000));
        assert_eq!(said.chars().count(), MAX_SAID_CHARS + 1);
    }
}
