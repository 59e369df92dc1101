//! The emulator against its own wire contract, over real HTTP on loopback.

mod common;
mod databricks;
mod google_info;
mod google_token;
mod lifecycle;
