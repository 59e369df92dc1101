//! tokentop: `top` for OAuth/OIDC tokens.
//!
//! Layers, and who may use whom (enforced by `tests/architecture.rs`):
//!
//! | module      | may use                                         |
//! |-------------|-------------------------------------------------|
//! | `model`     | nothing of ours                                 |
//! | `net`       | nothing of ours                                 |
//! | `sources`   | model                                           |
//! | `inspect`   | model, net                                      |
//! | `providers` | model, net, inspect                             |
//! | `audit`     | nothing of ours                                 |
//! | `engine`    | model, net, sources, providers, inspect, audit  |
//! | `tui`       | model, engine::protocol                         |
//! | `cli`       | model, engine (start + protocol), sources       |
//! | `emulator`  | nothing of ours                                 |
//! | `launch`    | engine, tui, model, sources, config             |
//! | `demo`      | emulator, launch, sources                       |

pub mod audit;
pub mod cli;
pub mod config;
pub mod demo;
pub mod emulator;
pub mod engine;
pub mod inspect;
pub mod launch;
pub mod logging;
pub mod model;
pub mod net;
pub mod providers;
pub mod sources;
pub mod tui;
