//! A token handed to the dashboard: shown (`v`), printed, or copied. What
//! the copy menu puts on the clipboard: the token, an
//! `Authorization` header, a curl line for the credential's target, or an
//! `export` line. Made here, so the journal says whether a copy was made
//! or refused, and why. The shell lines start with a space, so shells that
//! ignore such lines (bash's `ignorespace`, zsh's `HIST_IGNORE_SPACE`) keep
//! them out of history; curl reads the header from stdin, so the token is
//! not in its arguments.

use super::Engine;
use super::protocol::{CopyForm, Level, MAX_COPY_BYTES, Reveal, Update};
use crate::audit;
use crate::model::{CredentialId, Platform, Secret, TokenRole};

/// A copy waiting to be made: the token and, for a curl line, its target.
pub(super) struct Copying {
    pub id: CredentialId,
    pub token: Secret,
    pub form: CopyForm,
    pub target: Option<String>,
}

/// The text of `token` in `form` for a credential of `platform` whose
/// token is a `role`; `target` is where it is used (for the curl line).
pub fn compose(
    form: CopyForm,
    platform: Platform,
    role: Option<TokenRole>,
    token: &Secret,
    target: Option<&str>,
) -> Result<Secret, String> {
    let token = token.expose();
    let shell_safe = token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._~+/=-".contains(c));
    if matches!(form, CopyForm::Curl | CopyForm::Export) && !shell_safe {
        return Err(
            "the token has characters a shell line would change; copy the token or the header instead"
                .into(),
        );
    }
    let text = match form {
        CopyForm::Token => token.to_string(),
        CopyForm::Header => format!("Authorization: Bearer {token}"),
        CopyForm::Curl => {
            let target = target.ok_or(
                "no target known for a curl line (set `probe` under the profile's [profile.endpoints])",
            )?;
            let quoted = shlex::try_quote(target).map_err(|e| format!("{target}: {e}"))?;
            format!(" curl -sS -H @- {quoted} <<<'Authorization: Bearer {token}'")
        }
        CopyForm::Export => format!(" export {}='{token}'", variable(platform, role)),
    };
    if text.len() > MAX_COPY_BYTES {
        return Err(format!(
            "{} bytes is too long for a terminal's clipboard (OSC 52)",
            text.len()
        ));
    }
    Ok(Secret::new(text))
}

/// The variable tools read the token from.
fn variable(platform: Platform, role: Option<TokenRole>) -> &'static str {
    match (platform, role) {
        (_, Some(TokenRole::Id)) => "ID_TOKEN",
        (Platform::Databricks, _) => "DATABRICKS_TOKEN",
        (Platform::Oidc, _) => "ACCESS_TOKEN",
        // gcloud uses it instead of its own credentials.
        _ => "CLOUDSDK_AUTH_ACCESS_TOKEN",
    }
}

impl Engine {
    /// Hands the current token to the asker, journalling its fingerprint.
    pub(super) fn reveal(&self, id: &CredentialId, purpose: Reveal) {
        let Some(entry) = self.store.get(id) else {
            self.notice(Level::Warn, format!("unknown credential {id}"));
            return;
        };
        let profile = &entry.credential.provenance.profile;
        let Some(token) = entry.token() else {
            self.notice(Level::Warn, format!("{profile}: no token to show"));
            return;
        };
        let (id, token) = (id.clone(), token.value.clone());
        let form = match purpose {
            Reveal::Copy(form) => form,
            Reveal::Show | Reveal::Print => {
                let change = audit::Change {
                    action: purpose.action(),
                    before: Some(token.fingerprint()),
                    after: None,
                    result: "ok".into(),
                };
                self.record(&id, profile, &change);
                self.send(Update::Revealed { id, token, purpose });
                return;
            }
        };
        if form != CopyForm::Curl {
            let target = None;
            self.hand_copy(Copying {
                id,
                token,
                form,
                target,
            });
            return;
        }
        // A curl line needs the target the doctor would ask (an issuer's
        // userinfo is found by discovery): the copy comes back when it is known.
        let (http, credential) = (self.resources.http.clone(), entry.credential.clone());
        let copies = self.copies.clone();
        tokio::spawn(async move {
            let target = crate::providers::probe::default_url(&http, &credential)
                .await
                .ok();
            let _ = copies.send(Copying {
                id,
                token,
                form,
                target,
            });
        });
    }

    /// Makes the copy, journals it (or its refusal), and hands it over.
    pub(super) fn hand_copy(&self, copy: Copying) {
        let Some(entry) = self.store.get(&copy.id) else {
            return;
        };
        let credential = &entry.credential;
        let profile = credential.provenance.profile.clone();
        let role = entry.token().map(|t| t.role);
        let made = compose(
            copy.form,
            credential.platform,
            role,
            &copy.token,
            copy.target.as_deref(),
        );
        let purpose = Reveal::Copy(copy.form);
        let change = audit::Change {
            action: purpose.action(),
            before: Some(copy.token.fingerprint()),
            after: None,
            result: match &made {
                Ok(_) => "ok".into(),
                Err(why) => format!("refused: {why}"),
            },
        };
        self.record(&copy.id, &profile, &change);
        match made {
            Ok(text) => self.send(Update::Revealed {
                id: copy.id,
                token: text,
                purpose,
            }),
            Err(why) => self.notice(Level::Warn, format!("{profile}: {why}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ya29.a0AfH6SMBx-token_value";

    fn make(form: CopyForm, target: Option<&str>) -> Result<String, String> {
        let token = Secret::new(TOKEN);
        compose(
            form,
            Platform::Dataproc,
            Some(TokenRole::Access),
            &token,
            target,
        )
        .map(|s| s.expose().to_string())
    }

    #[test]
    fn each_form_holds_the_token_as_its_user_needs_it() {
        assert_eq!(make(CopyForm::Token, None).as_deref(), Ok(TOKEN));
        assert_eq!(
            make(CopyForm::Header, None),
            Ok(format!("Authorization: Bearer {TOKEN}"))
        );
        // Out of curl's arguments and, with the leading space, out of history.
        assert_eq!(
            make(CopyForm::Curl, Some("https://run.example/x?a=1&b=2")),
            Ok(format!(
                " curl -sS -H @- 'https://run.example/x?a=1&b=2' <<<'Authorization: Bearer {TOKEN}'"
            ))
        );
        assert_eq!(
            make(CopyForm::Export, None),
            Ok(format!(" export CLOUDSDK_AUTH_ACCESS_TOKEN='{TOKEN}'"))
        );
        let id = compose(
            CopyForm::Export,
            Platform::CloudRun,
            Some(TokenRole::Id),
            &Secret::new("eyJ.x.y"),
            None,
        );
        assert_eq!(
            id.map(|s| s.expose().to_string()),
            Ok(" export ID_TOKEN='eyJ.x.y'".into())
        );
    }

    #[test]
    fn a_copy_that_cannot_be_made_says_why() {
        let err = make(CopyForm::Curl, None).expect_err("no target");
        assert!(err.contains("no target known"), "{err}");
        let odd = Secret::new("to'k");
        let err = compose(CopyForm::Export, Platform::Gcp, None, &odd, None).expect_err("quote");
        assert!(err.contains("shell line"), "{err}");
        let huge = Secret::new("a".repeat(MAX_COPY_BYTES + 1));
        let err = compose(CopyForm::Token, Platform::Gcp, None, &huge, None).expect_err("size");
        assert!(err.contains("too long"), "{err}");
    }
}
