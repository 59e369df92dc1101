//! The terminal is always given back: an RAII guard for raw mode and the
//! alternate screen, and a panic hook that restores before it reports.

use crossterm::{cursor, event, execute, terminal};
use std::io::{Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the terminal is in tokentop's modes now. Restoring twice would
/// leave the alternate screen twice, which moves the cursor back up over
/// what was printed since (a panic message, say).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Holds the terminal in raw mode on the alternate screen until dropped.
pub struct Guard {
    mouse: bool,
}

impl Guard {
    /// Enters raw mode and the alternate screen, hides the cursor, takes
    /// the mouse when `mouse` (wheel and clicks; the terminal's own
    /// selection then needs Shift), and installs the restoring panic hook.
    pub fn enter(mouse: bool) -> std::io::Result<Self> {
        install_panic_hook();
        let guard = Self { mouse };
        take_over(mouse)?;
        Ok(guard)
    }

    /// Ctrl-Z: gives the terminal back, stops the process (SIGTSTP) until the
    /// shell continues it (`fg`), then takes the terminal again. The caller
    /// redraws everything.
    pub fn suspend(&self) -> std::io::Result<()> {
        restore();
        signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
        take_over(self.mouse)
    }
}

/// Raw mode, the alternate screen, no cursor, and the mouse if asked.
fn take_over(mouse: bool) -> std::io::Result<()> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
    if mouse {
        execute!(stdout(), event::EnableMouseCapture)?;
    }
    Ok(())
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Undoes every mode change, once; each step runs even if an earlier one fails.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = stdout();
    // A frame cut short (an error or a panic while drawing) must not leave
    // the terminal holding its output for a synchronized update.
    let _ = execute!(
        out,
        terminal::EndSynchronizedUpdate,
        event::DisableMouseCapture,
        cursor::Show,
        terminal::LeaveAlternateScreen
    );
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

/// A panic on the dashboard's own thread gives the terminal back, then
/// reports as usual. A panic elsewhere (a background job, which the engine
/// turns into a row error) must not tear the screen down or print over it
/// while the dashboard runs: it goes to the log instead.
fn install_panic_hook() {
    let ui_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() != ui_thread && ACTIVE.load(Ordering::SeqCst) {
            tracing::error!("panic on a background thread: {info}");
            return;
        }
        restore();
        previous(info);
    }));
}
