//! The table's and the global actions, and the `:` command line: what a
//! key does when no screen above the table took it.

use super::action::Action;
use super::app::App;
use super::command_line::{self, Run, Which};
use super::event::Effect;
use super::filter::Filter;
use super::overlay::Overlay;
use crate::engine::protocol::{Command, Level, Reveal};
use crate::model::{CredentialId, Row, Status, TtlClass};

/// How many rows PgUp and PgDn move.
const PAGE: isize = 10;

impl App {
    /// The table's and the global actions.
    pub(super) fn act(&mut self, action: Action) -> Vec<Effect> {
        let selected = self.selected.clone();
        if matches!(
            action,
            Action::Refresh
                | Action::Decode
                | Action::Revoke
                | Action::Downscope
                | Action::Drop
                | Action::Doctor
                | Action::Copy
                | Action::Reveal
        ) {
            // Acting on a row is choosing it: it must not slide away on re-sort.
            self.user_moved = true;
        }
        if self.readonly && action.changes_tokens() {
            let what = action.name();
            self.say(
                Level::Warn,
                format!("read-only: {what} is off in this session"),
            );
            return Vec::new();
        }
        match action {
            Action::Quit => return vec![Effect::Quit],
            Action::Suspend => return vec![Effect::Suspend],
            Action::Help => self.overlays.push(Overlay::Help { scroll: 0 }),
            Action::Login => {
                use crate::model::Kind;
                if let Some(row) = self.selected_row()
                    && !matches!(
                        row.kind,
                        Kind::OidcClient | Kind::User | Kind::DatabricksU2m
                    )
                {
                    let why = "its own tool signs it in; tokentop signs in OIDC profiles, Google users and Databricks user logins";
                    self.say(Level::Warn, format!("{}: {why}", row.profile));
                } else if let Some(row) = self.selected_row() {
                    let id = row.id.clone();
                    self.overlays.push(Overlay::Login {
                        id: id.clone(),
                        prompt: None,
                    });
                    return vec![Effect::Send(Command::Login(id))];
                }
            }
            Action::SelectNext => self.move_selection(1),
            Action::SelectPrev => self.move_selection(-1),
            Action::SelectFirst => self.select(self.shown_id(0)),
            Action::SelectLast => self.select(self.shown_id(self.shown.len().saturating_sub(1))),
            Action::Filter => {
                let text = self.filter.text().to_string();
                self.overlays.push(Overlay::Filter { text });
            }
            Action::ClearFilter => self.filter = Filter::default(),
            Action::CommandLine => {
                let themes = self.themes.names();
                let text = String::new();
                self.overlays.push(Overlay::Command { text, themes });
            }
            Action::Detail => {
                if let Some(row) = self.selected_row() {
                    let (id, job, scroll) = (row.id.clone(), String::new(), 0);
                    self.overlays.push(Overlay::Detail { id, job, scroll });
                }
            }
            Action::AutoRefresh => {
                if let Some(row) = self.selected_row() {
                    let ask = Command::AutoRefresh(Some(row.id.clone()), !row.auto_refresh);
                    return vec![Effect::Send(ask)];
                }
            }
            Action::AutoRefreshAll => {
                let every = !self.rows.is_empty() && self.rows.iter().all(|r| r.auto_refresh);
                return vec![Effect::Send(Command::AutoRefresh(None, !every))];
            }
            Action::Journal => self.overlays.push(Overlay::Journal { scroll: 0 }),
            Action::PageDown => self.move_selection(PAGE),
            Action::PageUp => self.move_selection(-PAGE),
            Action::Copy => {
                if let Some(id) = self.token_of_selected("copy") {
                    self.overlays.push(Overlay::Copy { id, chosen: 0 });
                }
            }
            Action::Reveal => {
                // v again masks it at once.
                if let Some(id) = self.token_of_selected("show")
                    && self.shown_token.take().is_none_or(|shown| shown.id != id)
                {
                    return vec![Effect::Send(Command::Reveal(id, Reveal::Show))];
                }
            }
            Action::CycleTheme if !self.themes.can_cycle() => self.say(
                Level::Info,
                "colours are off (NO_COLOR, --no-color or a monochrome TERM): mono is the one theme",
            ),
            Action::CycleTheme => {
                let name = self.themes.cycle().to_string();
                self.say(Level::Info, format!("theme {name} (t for the next)"));
            }
            Action::Reload => return vec![Effect::Send(Command::Reload)],
            Action::Refresh => {
                return selected
                    .map(|id| Effect::Send(Command::Refresh(id)))
                    .into_iter()
                    .collect();
            }
            Action::Doctor => return self.doctor(),
            Action::Decode => {
                if let Some(id) = self.token_of_selected("decode") {
                    self.overlays.push(Overlay::Decode {
                        id: id.clone(),
                        report: None,
                        scroll: 0,
                    });
                    return vec![Effect::Send(Command::Decode(id))];
                }
            }
            Action::Revoke => match self.selected_row() {
                Some(row) if !row.capabilities.can_revoke() => {
                    let why = row.capabilities.revoke_blocked.unwrap_or_default();
                    self.say(Level::Warn, format!("{}: {why}", row.profile));
                }
                Some(row) if row.fingerprint.is_none() => {
                    self.say(Level::Warn, format!("{}: no token to revoke", row.profile));
                }
                Some(row) if row.status == Status::Revoked => {
                    let next = if row.kind.revoke_ends_login() {
                        "its refresh token went with it: log in again"
                    } else {
                        "r for a new token"
                    };
                    self.say(
                        Level::Info,
                        format!("{}: already revoked; {next}", row.profile),
                    );
                }
                Some(row) => {
                    let id = row.id.clone();
                    self.overlays.push(Overlay::ConfirmRevoke { id });
                }
                None => {}
            },
            Action::Downscope => match self.selected_row() {
                Some(row) if row.capabilities.downscope_blocked.is_some() => {
                    let why = row.capabilities.downscope_blocked.unwrap_or_default();
                    self.say(Level::Warn, format!("{}: {why}", row.profile));
                }
                Some(row) if row.fingerprint.is_none() => {
                    self.say(
                        Level::Warn,
                        format!("{}: no token to downscope (press r)", row.profile),
                    );
                }
                Some(row) => {
                    let id = row.id.clone();
                    self.overlays.push(Overlay::Downscope {
                        id,
                        form: super::screens::downscope::Form::for_row(row),
                    });
                }
                None => {}
            },
            Action::Drop => match self.selected_row() {
                Some(row) if row.derived_from.is_none() => self.say(
                    Level::Warn,
                    format!(
                        "{}: only a downscoped token's row can be dropped",
                        row.profile
                    ),
                ),
                Some(row) => return vec![Effect::Send(Command::Drop(row.id.clone()))],
                None => {}
            },
            // Answered by the screens that offer them.
            Action::Close
            | Action::Cancel
            | Action::Confirm
            | Action::NextField
            | Action::ScrollDown
            | Action::ScrollUp
            | Action::Complete => {}
        }
        Vec::new()
    }

    /// Opens the doctor's view on the selected row.
    fn doctor(&mut self) -> Vec<Effect> {
        let Some(id) = self.selected_row().map(|r| r.id.clone()) else {
            return Vec::new();
        };
        self.overlays.push(Overlay::Doctor {
            id: id.clone(),
            report: None,
            scroll: 0,
        });
        let ask = Command::Doctor(id, crate::model::DoctorAsk::default());
        vec![Effect::Send(ask)]
    }

    /// The selected row's id when it holds a token; else says there is no
    /// token to `what` yet.
    fn token_of_selected(&mut self, what: &str) -> Option<CredentialId> {
        let row = self.selected_row()?;
        if row.fingerprint.is_none() {
            let said = format!("{}: no token to {what} yet", row.profile);
            self.say(Level::Warn, said);
            return None;
        }
        Some(row.id.clone())
    }

    /// Runs a `:` command line.
    pub(super) fn run(&mut self, line: &str) -> Vec<Effect> {
        let run = match command_line::parse(line, &self.themes.names()) {
            Ok(run) => run,
            Err(why) => {
                self.say(Level::Warn, why);
                return Vec::new();
            }
        };
        match run {
            Run::Quit => return vec![Effect::Quit],
            Run::Help => self.overlays.push(Overlay::Help { scroll: 0 }),
            Run::Audit => self.overlays.push(Overlay::Journal { scroll: 0 }),
            Run::Sort(key) => {
                self.sort_by = key;
                self.sort();
            }
            Run::Theme(name) => match self.themes.select(&name) {
                Ok(()) => self.say(Level::Info, format!("theme {name}")),
                Err(why) => self.say(Level::Warn, why),
            },
            Run::Readonly => {
                self.readonly = true;
                self.say(
                    Level::Info,
                    "read-only until tokentop restarts: refresh, revoke, downscope and sign-in are off",
                );
                return vec![Effect::Send(Command::ReadOnly)];
            }
            Run::Refresh(which) => return self.refresh_shown(which),
        }
        Vec::new()
    }

    /// `:refresh expiring|all`: a refresh for each row shown that needs one.
    fn refresh_shown(&mut self, which: Which) -> Vec<Effect> {
        if self.readonly {
            self.say(Level::Warn, "read-only: :refresh is off in this session");
            return Vec::new();
        }
        let now = self.clock.now();
        let wanted = |row: &Row| match which {
            Which::All => true,
            Which::Expiring => matches!(
                row.ttl_class(now),
                TtlClass::Expiring | TtlClass::Critical | TtlClass::Expired
            ),
        };
        let ids: Vec<CredentialId> = self
            .visible()
            .filter(|r| r.busy.is_none() && wanted(r))
            .map(|r| r.id.clone())
            .collect();
        let said = match ids.len() {
            0 => "nothing shown needs a refresh".to_string(),
            n => format!("refreshing {n} row(s)"),
        };
        self.say(Level::Info, said);
        ids.into_iter()
            .map(|id| Effect::Send(Command::Refresh(id)))
            .collect()
    }
}
