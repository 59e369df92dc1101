//! All UI state and the one function that changes it. No I/O: `update` returns
//! effects for the runner to perform.

use super::action::Action;
use super::changes::Changes;
use super::command_line::SortKey;
use super::event::{Effect, Event};
use super::filter::Filter;
use super::keymap::{Keymap, Layer};
use super::overlay::Overlay;
use super::screens::Reply;
use super::theme::Themes;
use super::user_config::UiConfig;
use crate::engine::protocol::{JournalLine, Level};
use crate::model::Secret;
use crate::model::{Clock, CredentialId, Row, Status};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
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
    /// Mistakes in the user's config and themes, on the status line
    /// whenever nothing more pressing is said there.
    pub config_errors: Vec<String>,
    /// The token shown in full after `v`, until it is masked again.
    pub shown_token: Option<ShownToken>,
    /// Tokens just replaced, and the comparison of one the user asked for.
    pub changes: Changes,
    /// Where the last frame drew the table's rows, for mouse clicks.
    pub table_view: std::cell::Cell<TableView>,
    /// This session's audit journal entries, oldest first.
    pub journal: std::collections::VecDeque<JournalLine>,
    /// How far the text view on top could scroll when last drawn (set by
    /// the view; the view's scroll is held to it).
    pub scroll_limit: std::cell::Cell<u16>,
}

/// How many of this session's journal entries the dashboard keeps.
pub const JOURNAL_KEPT: usize = 1000;

/// Where the table's rows were drawn: the screen line of the first row
/// shown, how many were shown, and which row was first (the table scrolls).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableView {
    /// The screen line of the first row drawn.
    pub top: u16,
    /// How many rows were drawn.
    pub height: u16,
    /// The index (among the rows shown) of the first row drawn.
    pub offset: usize,
}

/// A token shown in full for a few seconds.
pub struct ShownToken {
    /// Whose.
    pub id: CredentialId,
    /// The token.
    pub token: Secret,
    /// The row's fingerprint when it was shown: a new token masks it.
    pub fingerprint: Option<String>,
    /// When it is masked again.
    pub until: DateTime<Utc>,
}

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
            changes: Changes::default(),
            table_view: std::cell::Cell::default(),
            journal: std::collections::VecDeque::new(),
            scroll_limit: std::cell::Cell::new(u16::MAX),
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
    pub(super) fn shown_id(&self, n: usize) -> Option<CredentialId> {
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
            // Any key puts the comparison away. A key that quits, cancels
            // or closes does only that (q there does not quit, Esc does not
            // clear the filter); another goes on to do what it does.
            Event::Key(key) if self.changes.compared.take().is_some() => {
                let action = self.keymap.resolve(&key, self.layer());
                match action {
                    Some(Action::Quit | Action::Cancel | Action::Close | Action::ClearFilter) => {
                        Vec::new()
                    }
                    _ => self.key(&key),
                }
            }
            Event::Key(key) => self.key(&key),
            Event::Engine(update) => self.absorb(*update),
            Event::Mouse(mouse) => self.mouse(&mouse),
            Event::Resize | Event::Tick => Vec::new(),
        };
        self.changes.asked(&effects, &self.rows);
        self.changes.expire(self.clock.now());
        self.refilter();
        self.mask_shown_token();
        effects
    }

    /// A shown token goes when its time is up or its row is left.
    fn mask_shown_token(&mut self) {
        let now = self.clock.now();
        // Also when the row's token was replaced: what is shown is stale.
        let current = |s: &ShownToken| {
            self.rows
                .iter()
                .find(|r| r.id == s.id)
                .is_some_and(|r| r.fingerprint == s.fingerprint)
        };
        if self
            .shown_token
            .as_ref()
            .is_some_and(|s| s.until <= now || self.selected.as_ref() != Some(&s.id) || !current(s))
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
            top.hold_scroll(self.scroll_limit.get());
            if reply != Reply::Pass {
                return self.apply(reply);
            }
        }
        self.act(action)
    }

    /// The wheel scrolls the screen on top, or moves the selection; a click
    /// on a row selects it, and a click on the selected row opens its detail.
    fn mouse(&mut self, mouse: &MouseEvent) -> Vec<Effect> {
        let action = match mouse.kind {
            MouseEventKind::ScrollDown => Action::ScrollDown,
            MouseEventKind::ScrollUp => Action::ScrollUp,
            // A click on the panels over the table closes the comparison
            // and never reaches the row beneath.
            MouseEventKind::Down(_) if self.changes.compared.is_some() => {
                self.changes.compared = None;
                return Vec::new();
            }
            MouseEventKind::Down(_) if self.shown_token.is_some() => return Vec::new(),
            MouseEventKind::Down(MouseButton::Left) if self.overlays.is_empty() => {
                let view = self.table_view.get();
                let Some(line) = mouse.row.checked_sub(view.top).filter(|l| *l < view.height)
                else {
                    return Vec::new();
                };
                let clicked = self.shown_id(view.offset + usize::from(line));
                if clicked.is_some() && clicked == self.selected {
                    return self.act(Action::Detail);
                }
                self.select(clicked.or(self.selected.clone()));
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        if let Some(top) = self.overlays.last_mut() {
            let reply = top.handle(action);
            top.hold_scroll(self.scroll_limit.get());
            return self.apply(reply);
        }
        self.move_selection(if action == Action::ScrollDown { 1 } else { -1 });
        Vec::new()
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
                let changed = self.filter.text() != text;
                self.filter = Filter::new(&text);
                // A new filter selects its best match.
                if changed && let Some(best) = self.filter.best(&self.rows, self.clock.now()) {
                    self.selected = Some(self.rows[best].id.clone());
                    self.user_moved = true;
                }
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

    pub(super) fn select(&mut self, id: Option<CredentialId>) {
        self.user_moved = true;
        self.selected = id;
    }

    pub(super) fn move_selection(&mut self, delta: isize) {
        let Some(last) = self.shown.len().checked_sub(1) else {
            return;
        };
        let next = match self.selected_index() {
            Some(i) => i.saturating_add_signed(delta).min(last),
            None => 0,
        };
        self.select(self.shown_id(next));
    }

    /// In the order chosen (by default soonest expiry first, then rows
    /// without one, then revoked ones; ties by profile). A downscoped row
    /// sits under its source, in the same order among its siblings.
    pub(super) fn sort(&mut self) {
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
