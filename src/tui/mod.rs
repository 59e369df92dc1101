//! The dashboard. `run` owns the terminal for its whole life; everything it
//! shows comes from [`app::App`], drawn by [`view::view`]. The UI does no I/O
//! besides the terminal and talks to the engine only through its protocol.

pub mod action;
pub mod app;
mod app_actions;
mod app_updates;
pub mod changes;
pub mod clipboard;
pub mod command_line;
pub mod event;
pub mod filter;
pub mod format;
pub mod input;
pub mod keymap;
pub mod overlay;
pub mod screens;
pub mod startup;
pub mod terminal;
pub mod theme;
pub mod theme_file;
pub mod user_config;
pub mod view;

use crate::engine::protocol::EngineHandle;
use crate::model::Clock;
use app::App;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use event::{Effect, Event};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::Write;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

/// Set this environment variable to make the dashboard panic after its first
/// frame: the end-to-end tests use it to prove a panic restores the terminal.
pub const PANIC_FOR_TESTS: &str = "TOKENTOP_TEST_PANIC";

/// Runs the dashboard until the user quits or the input closes, as
/// `start` configures it.
pub async fn run(handle: &mut EngineHandle, start: &startup::Start) -> std::io::Result<()> {
    let clock = handle.clock.clone();
    let depth = theme::ColorDepth::detect(
        std::env::var("COLORTERM").ok().as_deref(),
        std::env::var("TERM").ok().as_deref(),
    );
    let mut app = startup::app(start, depth, clock.clone()).map_err(std::io::Error::other)?;
    let guard = terminal::Guard::enter(app.config.mouse)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    let mut input = EventStream::new();
    // A dropped SSH session (SIGHUP), a kill (SIGTERM, SIGINT) or SIGQUIT
    // quits cleanly: the terminal is restored and the caller cleans up.
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let inside_tmux = std::env::var_os("TMUX").is_some();
    let mut dirty = true;
    loop {
        if dirty {
            // One frame is one synchronized update (DEC mode 2026): a
            // terminal that knows it shows the frame whole, never half
            // drawn over a slow SSH link; others ignore it.
            crossterm::queue!(
                std::io::stdout(),
                crossterm::terminal::BeginSynchronizedUpdate
            )?;
            terminal.draw(|frame| view::view(&app, app.themes.current(), frame))?;
            crossterm::execute!(
                std::io::stdout(),
                crossterm::terminal::EndSynchronizedUpdate
            )?;
            dirty = false;
            #[allow(clippy::panic)] // on purpose: the end-to-end tests' panic switch
            if std::env::var_os(PANIC_FOR_TESTS).is_some() {
                panic!(
                    "{PANIC_FOR_TESTS} is set: panicking on purpose to prove the terminal is restored"
                );
            }
        }
        let event = tokio::select! {
            next = input.next() => match next {
                Some(Ok(TermEvent::Key(key))) if key.kind == KeyEventKind::Press => Event::Key(key),
                Some(Ok(TermEvent::Resize(..))) => Event::Resize,
                Some(Ok(TermEvent::Mouse(mouse))) => Event::Mouse(mouse),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(update) = handle.updates.recv() => Event::Engine(Box::new(update)),
            () = tokio::time::sleep(until_next_second(&app, clock.as_ref())) => Event::Tick,
            _ = hangup.recv() => break,
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = quit.recv() => break,
        };
        let mut effects = app.update(event);
        // Drain whatever else is ready, then draw once.
        while let Ok(update) = handle.updates.try_recv() {
            effects.extend(app.update(Event::Engine(Box::new(update))));
        }
        dirty = true;
        for effect in effects {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Suspend => {
                    guard.suspend()?;
                    terminal.clear()?;
                }
                Effect::Clipboard(text) => {
                    let sequence = clipboard::osc52(text.expose(), inside_tmux);
                    let mut out = std::io::stdout();
                    out.write_all(sequence.as_bytes())?;
                    out.flush()?;
                }
                Effect::Send(command) => {
                    if handle.commands.send(command).await.is_err() {
                        return Err(std::io::Error::other("the engine stopped"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Sleep until the next second boundary when something on screen changes
/// with time (a countdown, the spinner of work under way, a revealed token,
/// a flash or comparison, a status message about to fade); otherwise there
/// is nothing to redraw until an event comes.
fn until_next_second(app: &App, clock: &dyn Clock) -> Duration {
    let now = clock.now();
    let counting = app
        .rows
        .iter()
        .any(|r| r.expires_at.is_some() || r.busy.is_some())
        || app.shown_token.is_some()
        || app.changes.timed();
    if !counting && app.status_now(now).is_none() {
        return Duration::from_secs(3600);
    }
    let millis = now.timestamp_subsec_millis();
    Duration::from_millis(u64::from(1000 - millis.min(999)))
}
