//! Non-interactive commands: the same engine, plain output, exit codes.

/// `print!` for a command's output: a reader that went away (`| head`)
/// ends the command quietly, as a closed pipe ends `cat`.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*)) };
}

/// `println!` the same way.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

mod decode;
mod doctor;
mod list;
pub mod metrics;
mod operate;
mod remote;
mod serve;

pub use decode::decode;
pub use doctor::doctor;
pub use list::{EXIT_ALL_LIVE, EXIT_HELP, EXIT_NOT_LIVE, EXIT_SOURCE_BROKEN, Format, list};
pub use operate::{
    EXIT_DONE, EXIT_FAILED, EXIT_NO_SUCH_PROFILE, Operation, Output, boundary_file, operate,
};
pub use remote::list_from;
pub use serve::{ServeOptions, serve};

/// Writes a command's output to stdout. A closed pipe exits 141 (as a
/// shell reports SIGPIPE) without a word; another write error is said on
/// stderr and exits 74 (EX_IOERR), never a panic.
pub(crate) fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("tokentop: writing the output: {e}");
            std::process::exit(74);
        }
        std::process::exit(141);
    }
}
