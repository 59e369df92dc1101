//! Non-interactive commands: the same engine, plain output, exit codes.

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
