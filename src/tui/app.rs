//! All UI state and the one function that changes it. No I/O: `update` returns
//! effects for the runner to perform.

use super::action::Action;
use super::command_line::{self, Run, SortKey, Which};
use super::event::{Effect, Event};
use super::filter::Filter;
use super::keymap::{Keymap, Layer};
use super::overlay::Overlay;
use super::screens::Reply;
use super::theme::Themes;
use super::user_config::UiConfig;
use super::{clipboard, screens::copy};
use crate::engine::protocol::Reveal;
use crate::engine::protocol::{Command, Level, Update};
use crate::model::Secret;
use crate::model::{Clock, CredentialId, Row, Status, TtlClass};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use std::sync::Arc;

/// How long a status-line message stays.
pub const STATUS_FOR: chrono::Duration = chrono::Duration::seconds(15);

/// The dashboard's state.
pub struct App {
    /// Rows sorted by time left (soonest first; no expiry last).
    pub rows: Vec<Row>,
    /// The selected credential.
    pub selected: Option<CredentialId>,
    /// Overlays, top last.
    pub overlays: Vec<Overlay>,
    /// The status line, and when it was said (it fades after [`STATUS_FOR`]).
    pub status: Option<(Level, String)>,
    /// When the status line was last set.
    pub status_at: DateTime<Utc>,
    /// Sources that could not be read.
    pub source_errors: Vec<String>,
    /// Profiles of kinds not shown yet, from the last discovery.
    pub skipped: Vec<String>,
    /// Whether the engine's first snapshot has arrived.
    pub loaded: bool,
    /// Whether the user has moved the selection (until then it follows the top row).
    pub user_moved: bool,
    /// The keymap in force.
    pub keymap: Keymap,
    /// The clock for TTLs.
    pub clock: Arc<dyn Clock>,
    /// Look, don't touch: refresh, revoke, downscope and sign-in refused.
    pub readonly: bool,
    /// The `/` filter in force (empty: every row).
    pub filter: Filter,
    /// Indices into `rows` of the rows the filter keeps, in table order.
    pub shown: Vec<usize>,
    /// The table's order.
    pub sort_by: SortKey,
    /// The themes and the one in use.
    pub themes: Themes,
    /// The user's `[ui]` settings (columns, accents).
    pub config: UiConfig,
    /// Mistakes in the user's config and themes, said until fixed.
    pub config_errors: Vec<String>,
    /// The token shown in full after `v`, until it is masked again.
    pub shown_token: Option<ShownToken>,
}

/// A token shown in full for a few seconds.
pub struct ShownToken {
    /// Whose.
    pub id: CredentialId,
    /// The token.
    pub token: Secret,
    /// When it is masked again.
    pub until: DateTime<Utc>,
}

/// How many rows PgUp and PgDn move.
const PAGE: isize = 10;

/// How long `v` shows a token.
pub const REVEAL_FOR: chrono::Duration = chrono::Duration::seconds(10);

impl App {
    /// An empty dashboard.
    pub fn new(keymap: Keymap, themes: Themes, clock: Arc<dyn Clock>) -> Self {
        Self {
            rows: Vec::new(),
            selected: None,
            overlays: Vec::new(),
            status: None,
            status_at: clock.now(),
            source_errors: Vec::new(),
            skipped: Vec::new(),
            loaded: false,
            user_moved: false,
            keymap,
            clock,
            readonly: false,
            filter: Filter::default(),
            shown: Vec::new(),
            sort_by: SortKey::default(),
            themes,
            config: UiConfig::default(),
            config_errors: Vec::new(),
            shown_token: None,
        }
    }

    /// The layer keys go to.
    pub fn layer(&self) -> Layer {
        self.overlays.last().map_or(Layer::Table, Overlay::layer)
    }

    /// The rows the filter keeps, in table order.
    pub fn visible(&self) -> impl Iterator<Item = &Row> {
        self.shown.iter().map(|i| &self.rows[*i])
    }

    /// The id of the `n`th row shown.
    fn shown_id(&self, n: usize) -> Option<CredentialId> {
        self.shown.get(n).map(|i| self.rows[*i].id.clone())
    }

    /// Index of the selected row among the visible ones.
    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected.as_ref()?;
        self.visible().position(|r| &r.id == id)
    }

    /// The selected row, when the filter shows it.
    pub fn selected_row(&self) -> Option<&Row> {
        self.visible().nth(self.selected_index()?)
    }

    /// Applies one event; returns what the runner must do.
    pub fn update(&mut self, event: Event) -> Vec<Effect> {
        let effects = match event {
            Event::Key(key) => self.key(&key),
            Event::Engine(update) => self.absorb(*update),
            Event::Resize | Event::Tick => Vec::new(),
        };
        self.refilter();
        self.mask_shown_token();
        effects
    }

    /// A shown token goes when its time is up or its row is left.
    fn mask_shown_token(&mut self) {
        let now = self.clock.now();
        if self
            .shown_token
            .as_ref()
            .is_some_and(|s| s.until <= now || self.selected.as_ref() != Some(&s.id))
        {
            self.shown_token = None;
        }
    }

    /// Applies the filter to the rows as they are now (states change with
    /// time); a selection the filter hides, or one the user never moved,
    /// goes to the top row shown.
    fn refilter(&mut self) {
        self.shown = self.filter.apply(&self.rows, self.clock.now());
        if !self.user_moved || self.selected_index().is_none() {
            self.selected = self.shown_id(0);
        }
    }

    /// A key: text for a screen in typing mode, else an action for the
    /// top screen, else for the table and the global keys.
    fn key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if let Some(top) = self.overlays.last_mut()
            && let Some(reply) = top.type_key(key)
        {
            return self.apply(reply);
        }
        let Some(action) = self.keymap.resolve(key, self.layer()) else {
            return Vec::new();
        };
        if let Some(top) = self.overlays.last_mut() {
            let reply = top.handle(action);
            if reply != Reply::Pass {
                return self.apply(reply);
            }
        }
        self.act(action)
    }

    /// Carries out what the top screen answered.
    fn apply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Pass => Vec::new(),
            Reply::Stay(effects) => effects,
            Reply::Close(effects) => {
                self.overlays.pop();
                effects
            }
            Reply::Say(level, text) => {
                self.say(level, text);
                Vec::new()
            }
            Reply::Filter { text, close } => {
                self.filter = Filter::new(&text);
                if close {
                    self.overlays.pop();
                }
                Vec::new()
            }
            Reply::Run(line) => {
                self.overlays.pop();
                self.run(&line)
            }
        }
    }

    /// The table's and the global actions.
    fn act(&mut self, action: Action) -> Vec<Effect> {
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
                format!("read-only (--readonly): {what} is off in this session"),
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
            Action::PageDown => self.move_selection(PAGE),
            Action::PageUp => self.move_selection(-PAGE),
            Action::Copy => match self.selected_row() {
                Some(row) if row.fingerprint.is_none() => {
                    self.say(
                        Level::Warn,
                        format!("{}: no token to copy yet", row.profile),
                    );
                }
                Some(row) => {
                    let id = row.id.clone();
                    self.overlays.push(Overlay::Copy { id, chosen: 0 });
                }
                None => {}
            },
            Action::Reveal => match self.selected_row() {
                Some(row) if row.fingerprint.is_none() => {
                    self.say(
                        Level::Warn,
                        format!("{}: no token to show yet", row.profile),
                    );
                }
                Some(row) => {
                    let id = row.id.clone();
                    // v again masks it at once.
                    if self.shown_token.take().is_none_or(|shown| shown.id != id) {
                        return vec![Effect::Send(Command::Reveal(id, Reveal::Show))];
                    }
                }
                None => {}
            },
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
            Action::Decode => match self.selected_row() {
                Some(row) if row.fingerprint.is_none() => {
                    self.say(
                        Level::Warn,
                        format!("{}: no token to decode yet", row.profile),
                    );
                }
                Some(row) => {
                    let id = row.id.clone();
                    self.overlays.push(Overlay::Decode {
                        id: id.clone(),
                        report: None,
                        scroll: 0,
                    });
                    return vec![Effect::Send(Command::Decode(id))];
                }
                None => {}
            },
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

    /// Sets the status line.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some((level, text.into()));
        self.status_at = self.clock.now();
    }

    /// The status line if it is still fresh at `now`.
    pub fn status_now(&self, now: DateTime<Utc>) -> Option<&(Level, String)> {
        self.status
            .as_ref()
            .filter(|_| now - self.status_at <= STATUS_FOR)
    }

    fn select(&mut self, id: Option<CredentialId>) {
        self.user_moved = true;
        self.selected = id;
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

    fn move_selection(&mut self, delta: isize) {
        let Some(last) = self.shown.len().checked_sub(1) else {
            return;
        };
        let next = match self.selected_index() {
            Some(i) => i.saturating_add_signed(delta).min(last),
            None => 0,
        };
        self.select(self.shown_id(next));
    }

    /// Runs a `:` command line.
    fn run(&mut self, line: &str) -> Vec<Effect> {
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
            Run::Sort(key) => {
                self.sort_by = key;
                self.sort();
            }
            Run::Theme(name) => {
                if let Err(why) = self.themes.select(&name) {
                    self.say(Level::Warn, why);
                }
            }
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

    fn absorb(&mut self, update: Update) -> Vec<Effect> {
        match update {
            Update::Snapshot {
                rows,
                source_errors,
                skipped,
                ..
            } => {
                self.rows = rows;
                self.source_errors = source_errors;
                self.skipped = skipped;
                self.loaded = true;
                // A view about a credential that is gone has nothing to show.
                let present = |id: &CredentialId| self.rows.iter().any(|r| &r.id == id);
                self.overlays.retain(|o| o.about().is_none_or(&present));
            }
            Update::Row(row) => {
                // A sign-in that ended (signed in, refused, expired) closes
                // its view; the row and the status line say how it went.
                let ended = |prompt: &Option<_>| prompt.is_some() || row.error.is_some();
                if row.busy.is_none() {
                    self.overlays.retain(|o| match o {
                        Overlay::Login { id, prompt } => !(*id == row.id && ended(prompt)),
                        Overlay::BrowserLogin { id, .. } => *id != row.id,
                        _ => true,
                    });
                }
                match self.rows.iter_mut().find(|r| r.id == row.id) {
                    Some(slot) => *slot = *row,
                    None => self.rows.push(*row),
                }
            }
            Update::Removed(id) => {
                // The selection goes back to the row it hung under.
                if self.selected.as_ref() == Some(&id) {
                    self.selected = self
                        .rows
                        .iter()
                        .find(|r| r.id == id)
                        .and_then(|r| r.derived_from.clone());
                }
                self.rows.retain(|r| r.id != id);
                self.overlays.retain(|o| o.about() != Some(&id));
            }
            Update::Revealed {
                id,
                token,
                purpose,
                target,
            } => return self.revealed(id, token, purpose, target),
            Update::Notice { level, text } => self.say(level, text),
            Update::Decoded(_)
            | Update::Diagnosed(_)
            | Update::LoginPrompt { .. }
            | Update::BrowserPrompt { .. } => {
                for overlay in &mut self.overlays {
                    overlay.absorb(&update);
                }
            }
        }
        self.sort();
        Vec::new()
    }

    /// A token the user asked to see or copy.
    fn revealed(
        &mut self,
        id: CredentialId,
        token: Secret,
        purpose: Reveal,
        target: Option<String>,
    ) -> Vec<Effect> {
        let Some(row) = self.rows.iter().find(|r| r.id == id) else {
            return Vec::new();
        };
        match purpose {
            Reveal::Print => Vec::new(),
            Reveal::Show => {
                let until = self.clock.now() + REVEAL_FOR;
                self.shown_token = Some(ShownToken { id, token, until });
                Vec::new()
            }
            Reveal::Copy(form) => {
                let text = match copy::text(form, row, &token, target.as_deref()) {
                    Ok(text) if clipboard::fits(text.expose()) => text,
                    Ok(text) => {
                        let size = text.expose().len();
                        let said = format!(
                            "{}: {size} bytes is too long for a terminal's clipboard (OSC 52)",
                            row.profile
                        );
                        self.say(Level::Error, said);
                        return Vec::new();
                    }
                    Err(why) => {
                        self.say(Level::Warn, why);
                        return Vec::new();
                    }
                };
                let what: &str = form.into();
                let said = format!(
                    "copied {what} of {} ({}) with OSC 52; if nothing pastes, your terminal ignores OSC 52 (tmux: set -g set-clipboard on)",
                    row.profile,
                    token.fingerprint()
                );
                self.say(Level::Info, said);
                vec![Effect::Clipboard(text)]
            }
        }
    }

    /// In the order chosen (by default soonest expiry first, then rows
    /// without one, then revoked ones; ties by profile). A downscoped row
    /// sits under its source, in the same order among its siblings.
    fn sort(&mut self) {
        let (derived, mut rows): (Vec<Row>, Vec<Row>) = std::mem::take(&mut self.rows)
            .into_iter()
            .partition(|r| r.derived_from.is_some());
        let order = |a: &Row, b: &Row| match self.sort_by {
            SortKey::Ttl => sort_key(a).cmp(&sort_key(b)),
            SortKey::Platform => {
                (a.platform.label(), sort_key(a)).cmp(&(b.platform.label(), sort_key(b)))
            }
            SortKey::Profile => a.profile.cmp(&b.profile),
        };
        rows.sort_by(order);
        let mut derived = derived;
        derived.sort_by(order);
        for row in derived {
            let family = |r: &Row| {
                Some(&r.id) == row.derived_from.as_ref() || r.derived_from == row.derived_from
            };
            let at = rows.iter().rposition(family).map_or(rows.len(), |i| i + 1);
            rows.insert(at, row);
        }
        self.rows = rows;
    }
}

/// The table's order, borrowing from the row (no copy per comparison).
fn sort_key(r: &Row) -> (bool, bool, Option<DateTime<Utc>>, &str) {
    (
        r.status == Status::Revoked,
        r.expires_at.is_none(),
        r.expires_at,
        r.profile.as_str(),
    )
}
