//! The one event type the dashboard reacts to.

use crate::engine::protocol::Update;
use crossterm::event::KeyEvent;

/// Input to [`super::app::App::update`].
#[derive(Debug, Clone)]
pub enum Event {
    /// A key press.
    Key(KeyEvent),
    /// The mouse: the wheel or a click.
    Mouse(crossterm::event::MouseEvent),
    /// The terminal changed size.
    Resize,
    /// A second boundary passed: TTL texts change.
    Tick,
    /// The engine reported something.
    Engine(Box<Update>),
}

/// What the dashboard asks its runner to do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send a command to the engine.
    Send(crate::engine::protocol::Command),
    /// Leave the dashboard.
    Quit,
    /// Stop until the shell continues us, then redraw.
    Suspend,
    /// Put this text on the terminal's clipboard (OSC 52).
    Clipboard(crate::model::Secret),
}
