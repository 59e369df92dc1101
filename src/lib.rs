//! tokentop: `top` for OAuth/OIDC tokens.
//!
//! Layers, and who may use whom (enforced by `tests/architecture.rs`):
//!
//! | module      | job                                   | may use                                  |
//! |-------------|---------------------------------------|------------------------------------------|
//! | `model`     | pure data and rules, the clock        | nothing of ours                          |
//! | `net`       | the HTTP client, loopback-only http   | model                                    |
//! | `files`     | safe reads of user files, private writes | nothing of ours                       |
//! | `config`    | XDG locations, UI options             | files                                    |
//! | `audit`     | the append-only journal               | files                                    |
//! | `logging`   | tracing to a file                     | config, files                            |
//! | `sources`   | files and env to credentials, trust   | model, files                             |
//! | `inspect`   | JWT decode, discovery, JWKS           | model, net                               |
//! | `providers` | refresh, tokeninfo, revoke per family | model, net, inspect, files               |
//! | `engine`    | store, jobs, watcher; the protocol    | model, net, sources, providers, inspect, audit |
//! | `tui`       | the dashboard                         | model, engine::protocol                  |
//! | `cli`       | `list`, `serve`, `refresh`, `revoke`, `downscope` | model, net, sources, files, engine (start, EngineConfig, protocol) |
//! | `emulator`  | local Google/Databricks services      | nothing of ours                          |
//! | `launch`    | wires the engine to the dashboard     | audit, config, engine, model, sources, tui |
//! | `demo`      | `demo` and `emulator` commands        | audit, config, emulator, launch, sources |

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod audit;
pub mod cli;
pub mod config;
pub mod demo;
pub mod emulator;
pub mod engine;
pub mod files;
pub mod inspect;
pub mod launch;
pub mod logging;
pub mod model;
pub mod net;
pub mod providers;
pub mod sources;
pub mod tui;
