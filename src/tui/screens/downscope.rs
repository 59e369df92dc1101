//! "What may the new token do?": the downscope form. Either the scopes it
//! keeps, or, for a Google token, a Credential Access Boundary built a rule
//! at a time (bucket, optional object prefix, roles; at most 10 rules,
//! checked before anything is sent). A Databricks token keeps Databricks
//! scopes (a PAT is exchanged for an OAuth token with them). What is typed
//! is text; Tab moves between fields, Enter asks (or adds the rule being
//! written), Esc cancels.

use super::Reply;
use super::downscope_form::DEFAULT_ROLE;
pub use super::downscope_form::{Field, Form, Issuer, Submitted, scopes};
use crate::engine::protocol::{Command, Level};
use crate::model::CredentialId;
use crate::model::Row;
use crate::model::{AccessBoundary, BoundaryRules, MAX_BOUNDARY_RULES};
use crate::tui::action::Action;
use crate::tui::event::Effect;
use crate::tui::theme::{Slot, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// What the form offers.
pub const HINTS: &[Action] = &[Action::NextField, Action::Confirm, Action::Cancel];

/// Tab moves on; Enter asks for the token (or adds the rule being
/// written); Esc leaves without asking.
pub fn handle(id: &CredentialId, form: &mut Form, action: Action) -> Reply {
    match action {
        Action::NextField => form.next_field(),
        Action::Cancel | Action::Close => return Reply::Close(Vec::new()),
        Action::Confirm => {
            return match form.submit() {
                Submitted::Ask(ask) => {
                    let send = Command::Downscope(id.clone(), ask);
                    Reply::Close(vec![Effect::Send(send)])
                }
                Submitted::Stay(said) => Reply::Say(Level::Warn, said),
            };
        }
        _ => return Reply::Pass,
    }
    Reply::Stay(Vec::new())
}

/// The form's height on screen: its fixed lines and one per rule.
pub fn height(form: &Form) -> u16 {
    match form.issuer {
        Issuer::Google => 14 + u16::try_from(form.rules.len()).unwrap_or(u16::MAX),
        Issuer::Databricks { .. } => 9,
    }
}

/// A field's line: its label and text, with the cursor where typing goes.
fn field_line(
    form: &Form,
    theme: &Theme,
    label: &'static str,
    which: Field,
    text: &str,
) -> Line<'static> {
    let here = form.field == which;
    Line::from(vec![
        Span::raw(if here { "▶ " } else { "  " }),
        Span::raw(label),
        Span::styled(
            format!("{text}{}", if here { "█" } else { "" }),
            theme.slot(Slot::Title),
        ),
    ])
}

/// The access-boundary builder's lines: its fields and the rules so far.
fn boundary_lines(form: &Form, theme: &Theme) -> Vec<Line<'static>> {
    let field = |label, which, text: &str| field_line(form, theme, label, which, text);
    let mut lines = vec![
        Line::from("    space-separated; short names (devstorage.read_only) are Google's"),
        Line::default(),
        Line::from("  or a Cloud Storage access boundary, a rule at a time:"),
        field("Bucket:        ", Field::Bucket, &form.bucket),
        field("Object prefix: ", Field::Prefix, &form.prefix),
        field("Roles:         ", Field::Roles, &form.roles),
        Line::from(format!(
            "    roles default to {DEFAULT_ROLE}; at most {MAX_BOUNDARY_RULES} rules"
        )),
    ];
    for (i, rule) in form.rules.iter().enumerate() {
        let one = AccessBoundary {
            access_boundary: BoundaryRules {
                access_boundary_rules: vec![rule.clone()],
            },
        };
        lines.push(Line::from(format!(
            "    rule {}: {}",
            i + 1,
            one.describe()
        )));
    }
    lines
}

/// Draws the form for `row`.
pub fn render(row: Option<&Row>, form: &Form, theme: &Theme, frame: &mut Frame, area: Rect) {
    let profile = row.map_or("?", |r| r.profile.as_str());
    let key = |k: &'static str| Span::styled(k, theme.slot(Slot::Key));
    let mut text = vec![field_line(
        form,
        theme,
        "Scopes it keeps: ",
        Field::Scopes,
        &form.scopes,
    )];
    match form.issuer {
        Issuer::Databricks { exchange } => {
            text.push(Line::from(
                "    space-separated: all-apis, sql, or per API (jobs clusters:read)",
            ));
            if exchange {
                text.push(Line::from(
                    "    the PAT is exchanged for a short-lived OAuth token with them",
                ));
            }
        }
        Issuer::Google => {
            text.extend(boundary_lines(form, theme));
        }
    }
    let mut keys = Vec::new();
    if form.issuer == Issuer::Google {
        keys.extend([key("Tab"), Span::raw(" next field   ")]);
    }
    keys.extend([
        key("Enter"),
        Span::raw(match (form.field, form.bucket.trim().is_empty()) {
            (Field::Scopes, _) => " ask for these scopes   ",
            (_, false) => " add this rule   ",
            (_, true) => " ask for the boundary   ",
        }),
        key("Esc"),
        Span::raw(" cancel"),
    ]);
    text.extend([
        Line::default(),
        Line::from(keys),
        Line::from("The server decides what it grants; the new row shows it."),
    ]);
    let block = Block::bordered().title(Span::styled(
        format!(" downscope · {profile} "),
        theme.slot(Slot::Title),
    ));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
