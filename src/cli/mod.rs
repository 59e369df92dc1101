//! Non-interactive commands: the same engine, plain output, exit codes.

mod list;

pub use list::{EXIT_ALL_LIVE, EXIT_HELP, EXIT_NOT_LIVE, EXIT_SOURCE_BROKEN, list};
