//! One file per screen or overlay.

pub mod browser_login;
pub mod confirm;
pub mod decode;
pub mod doctor;
pub mod downscope;
pub mod help;
pub mod login;
pub mod table;
