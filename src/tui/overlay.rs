//! The screens stacked over the table. Each variant's keys, hints and
//! drawing live in its screen's file; this file only routes to them.

use super::action::Action;
use super::app::App;
use super::command_line;
use super::keymap::Layer;
use super::screens::{
    Reply, browser_login, confirm, copy, decode, detail, doctor, downscope, help, journal, login,
    prompt, scroll,
};
use super::theme::Theme;
use crate::engine::protocol::Update;
use crate::model::{CredentialId, DecodeReport, DoctorReport};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

/// An overlay on top of the table.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The key list.
    Help {
        /// Scroll offset in lines.
        scroll: u16,
    },
    /// A decode: waiting for the report of `id`, then showing it.
    Decode {
        /// Which credential.
        id: CredentialId,
        /// The report, once it arrived.
        report: Option<Box<DecodeReport>>,
        /// Scroll offset in lines.
        scroll: u16,
    },
    /// The doctor: waiting for the report of `id`, then showing it.
    Doctor {
        /// Which credential.
        id: CredentialId,
        /// The report, once it arrived.
        report: Option<Box<DoctorReport>>,
        /// Scroll offset in lines.
        scroll: u16,
    },
    /// "Revoke this token?"
    ConfirmRevoke {
        /// Which credential.
        id: CredentialId,
    },
    /// A sign-in: waiting for the issuer's code, then for the user.
    Login {
        /// Which credential.
        id: CredentialId,
        /// What the user is to do, once the issuer said.
        prompt: Option<login::Prompt>,
    },
    /// A browser sign-in: the address to open, or paste back.
    BrowserLogin {
        /// Which credential.
        id: CredentialId,
        /// What the user is to do, and what they pasted.
        prompt: browser_login::Prompt,
    },
    /// One credential's whole story.
    Detail {
        /// Which credential.
        id: CredentialId,
        /// A job's length in minutes, as typed.
        job: String,
        /// Scroll offset in lines.
        scroll: u16,
    },
    /// This session's audit journal.
    Journal {
        /// Scroll offset in lines.
        scroll: u16,
    },
    /// The copy menu.
    Copy {
        /// Which credential.
        id: CredentialId,
        /// The line chosen.
        chosen: usize,
    },
    /// The `/` filter being typed.
    Filter {
        /// What has been typed.
        text: String,
    },
    /// The `:` command line.
    Command {
        /// What has been typed.
        text: String,
        /// The theme names `:theme` completes.
        themes: Vec<String>,
    },
    /// "What may the new token do?"
    Downscope {
        /// Which credential.
        id: CredentialId,
        /// What has been typed.
        form: downscope::Form,
    },
}

impl Overlay {
    /// The credential it is about, if any.
    pub fn about(&self) -> Option<&CredentialId> {
        match self {
            Overlay::Decode { id, .. }
            | Overlay::Doctor { id, .. }
            | Overlay::ConfirmRevoke { id }
            | Overlay::Downscope { id, .. }
            | Overlay::Login { id, .. }
            | Overlay::BrowserLogin { id, .. }
            | Overlay::Copy { id, .. }
            | Overlay::Detail { id, .. } => Some(id),
            Overlay::Help { .. }
            | Overlay::Journal { .. }
            | Overlay::Filter { .. }
            | Overlay::Command { .. } => None,
        }
    }

    /// The keymap layer its keys are bound in.
    pub fn layer(&self) -> Layer {
        match self {
            Overlay::Help { .. } => Layer::Help,
            Overlay::Decode { .. } => Layer::Decode,
            Overlay::Doctor { .. } => Layer::Doctor,
            Overlay::ConfirmRevoke { .. } => Layer::Confirm,
            Overlay::Downscope { .. } => Layer::Downscope,
            Overlay::Login { .. } | Overlay::BrowserLogin { .. } => Layer::Login,
            Overlay::Filter { .. } => Layer::Filter,
            Overlay::Copy { .. } => Layer::Copy,
            Overlay::Detail { .. } => Layer::Detail,
            Overlay::Journal { .. } => Layer::Journal,
            Overlay::Command { .. } => Layer::Command,
        }
    }

    /// The actions it offers, in the order the footer shows them.
    pub fn hints(&self) -> &'static [Action] {
        match self {
            Overlay::Help { .. } => help::HINTS,
            Overlay::Decode { .. } => decode::HINTS,
            Overlay::Doctor { .. } => doctor::HINTS,
            Overlay::ConfirmRevoke { .. } => confirm::HINTS,
            Overlay::Downscope { .. } => downscope::HINTS,
            Overlay::Login { .. } | Overlay::BrowserLogin { .. } => login::HINTS,
            Overlay::Filter { .. } => prompt::FILTER_HINTS,
            Overlay::Copy { .. } => copy::HINTS,
            Overlay::Detail { .. } => detail::HINTS,
            Overlay::Journal { .. } => journal::HINTS,
            Overlay::Command { .. } => prompt::COMMAND_HINTS,
        }
    }

    /// Typing mode: a screen that takes text answers the key before the
    /// keymap is asked. `None` when it is a key, not text.
    pub fn type_key(&mut self, key: &KeyEvent) -> Option<Reply> {
        match self {
            Overlay::Downscope { form, .. } => form.edit(key).then_some(Reply::Stay(Vec::new())),
            Overlay::BrowserLogin { id, prompt } => prompt.type_key(id, key),
            Overlay::Filter { text } => prompt::filter_key(text, key),
            Overlay::Copy { id, .. } => copy::type_key(id, key),
            Overlay::Detail { job, .. } => detail::type_key(job, key),
            Overlay::Command { text, themes } => prompt::command_key(text, themes, key),
            _ => None,
        }
    }

    /// An action from the keymap; [`Reply::Pass`] leaves it to the table
    /// and the global keys.
    pub fn handle(&mut self, action: Action) -> Reply {
        match self {
            Overlay::Help { scroll: at } => scroll(at, action),
            Overlay::Decode { scroll: at, .. } => scroll(at, action),
            Overlay::Doctor {
                id,
                report,
                scroll: at,
            } => doctor::handle(id, report, at, action),
            Overlay::ConfirmRevoke { id } => confirm::handle(id, action),
            Overlay::Downscope { id, form } => downscope::handle(id, form, action),
            Overlay::Login { id, .. } | Overlay::BrowserLogin { id, .. } => {
                login::handle(id, action)
            }
            Overlay::Filter { .. } => prompt::filter_handle(action),
            Overlay::Copy { id, chosen } => copy::handle(id, chosen, action),
            Overlay::Detail { scroll: at, .. } | Overlay::Journal { scroll: at } => {
                scroll(at, action)
            }
            Overlay::Command { text, .. } => prompt::command_handle(text, action),
        }
    }

    /// Holds a text view's scroll to `most` (how far it could scroll when
    /// last drawn), so scrolling back starts from its end.
    pub fn hold_scroll(&mut self, most: u16) {
        match self {
            Overlay::Help { scroll }
            | Overlay::Decode { scroll, .. }
            | Overlay::Doctor { scroll, .. }
            | Overlay::Detail { scroll, .. }
            | Overlay::Journal { scroll } => *scroll = (*scroll).min(most),
            _ => {}
        }
    }

    /// Takes what the engine says about this overlay's credential.
    pub fn absorb(&mut self, update: &Update) {
        match (&mut *self, update) {
            (Overlay::Decode { id, report, .. }, Update::Decoded(new)) if *id == new.id => {
                *report = Some(Box::new(new.clone()));
            }
            (Overlay::Doctor { id, report, .. }, Update::Diagnosed(new)) if *id == new.id => {
                *report = Some(new.clone());
            }
            (Overlay::Login { id, prompt }, Update::LoginPrompt { id: whose, .. })
                if id == whose =>
            {
                *prompt = login::Prompt::from_update(update);
            }
            (Overlay::Login { id, .. }, Update::BrowserPrompt { id: whose, .. }) if id == whose => {
                if let Some(prompt) = browser_login::Prompt::from_update(update) {
                    let id = id.clone();
                    *self = Overlay::BrowserLogin { id, prompt };
                }
            }
            _ => {}
        }
    }

    /// Draws it: `screen` is the whole terminal, `middle` the part between
    /// the header and the key hints.
    pub fn render(&self, app: &App, theme: &Theme, frame: &mut Frame, screen: Rect, middle: Rect) {
        let now = app.clock.now();
        let profile = |id: &CredentialId| {
            app.rows
                .iter()
                .find(|r| &r.id == id)
                .map_or("?", |r| r.profile.as_str())
        };
        let row = |id: &CredentialId| app.rows.iter().find(|r| &r.id == id);
        match self {
            Overlay::Help { scroll } => {
                let most = help::render(&app.keymap, *scroll, theme, frame, middle);
                app.scroll_limit.set(most);
            }
            Overlay::Decode { id, report, scroll } => {
                let (report, profile) = (report.as_deref(), profile(id));
                let most = decode::render(report, profile, *scroll, theme, now, frame, middle);
                app.scroll_limit.set(most);
            }
            Overlay::Doctor { id, report, scroll } => {
                let (report, profile) = (report.as_deref(), profile(id));
                let most = doctor::render(report, profile, *scroll, theme, now, frame, middle);
                app.scroll_limit.set(most);
            }
            Overlay::ConfirmRevoke { id } => {
                confirm::render(row(id), theme, frame, centered(screen, 64, 9));
            }
            Overlay::Login { id, prompt } => {
                let (width, height) = login::size(prompt.as_ref(), screen);
                let area = centered(screen, width, height);
                login::render(profile(id), prompt.as_ref(), now, theme, frame, area);
            }
            Overlay::BrowserLogin { id, prompt } => {
                let width = screen.width.min(100);
                let area = centered(screen, width, browser_login::height(prompt, width));
                browser_login::render(profile(id), prompt, now, theme, frame, area);
            }
            Overlay::Downscope { id, form } => {
                let area = centered(screen, 76, downscope::height(form));
                downscope::render(row(id), form, theme, frame, area);
            }
            Overlay::Detail { id, job, scroll } => {
                let most = detail::render(row(id), job, *scroll, now, theme, frame, middle);
                app.scroll_limit.set(most);
            }
            Overlay::Journal { scroll } => {
                let problems: Vec<String> = app
                    .source_errors
                    .iter()
                    .chain(&app.config_errors)
                    .cloned()
                    .collect();
                let most = journal::render(&app.journal, &problems, *scroll, theme, frame, middle);
                app.scroll_limit.set(most);
            }
            Overlay::Copy { id, chosen } => {
                let area = centered(screen, 60, 9);
                copy::render(profile(id), *chosen, theme, frame, area);
            }
            Overlay::Filter { text } => {
                let count = format!("{} of {} rows", app.shown.len(), app.rows.len());
                prompt::render('/', text, &count, theme, frame, middle);
            }
            Overlay::Command { text, themes } => {
                let choices = command_line::choices(text, themes).join(" · ");
                prompt::render(':', text, &choices, theme, frame, middle);
            }
        }
    }
}

/// A `width` x `height` box in the middle of `area` (smaller if it must).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
