//! Non-interactive commands: the same engine, plain output, exit codes.

mod list;

pub use list::list;
