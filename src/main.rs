//! tokentop's command line: parse, set up logging, dispatch. Nothing else.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// top for tokens: a live dashboard of your OAuth/OIDC credentials.
#[derive(Debug, Parser)]
#[command(name = "tokentop", version, about)]
struct Cli {
    /// tokentop's profiles file (default: $XDG_CONFIG_HOME/tokentop/profiles.toml).
    #[arg(long, global = true, value_name = "FILE")]
    profiles: Option<PathBuf>,
    /// Colour theme by name (built in: default, light, high-contrast, solarized,
    /// mono; or a theme of your own in the config directory's themes/).
    #[arg(long, global = true, env = "TOKENTOP_THEME")]
    theme: Option<String>,
    /// No colours (also when NO_COLOR is set).
    #[arg(long, global = true)]
    no_color: bool,
    /// Look, don't touch (the dashboard and demo): no token is obtained,
    /// refreshed, revoked, narrowed or signed in; decode and the doctor still work.
    #[arg(long, global = true)]
    readonly: bool,
    /// Write a log file at this level (error, warn, info, debug); off by default.
    #[arg(long, global = true, env = "TOKENTOP_LOG", value_name = "LEVEL")]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The dashboard on the embedded emulator with sample profiles (touches no real credential file).
    Demo,
    /// One-shot table of every credential, for scripts and cron.
    #[command(after_help = tokentop::cli::EXIT_HELP)]
    List {
        /// JSON instead of a table (the same as --format json).
        #[arg(long)]
        json: bool,
        /// table, json, openmetrics (the families `serve` exposes), or
        /// prometheus (the same in the classic text format, for
        /// node_exporter's textfile collector).
        #[arg(long, value_enum, default_value = "table")]
        format: tokentop::cli::Format,
        /// Show what is on disk without obtaining tokens.
        #[arg(long)]
        no_refresh: bool,
        /// Ask a running `tokentop serve` what it sees instead (its address,
        /// e.g. http://127.0.0.1:9464; https, or http to loopback).
        #[arg(long, value_name = "URL", conflicts_with = "no_refresh")]
        from: Option<String>,
        /// With --from: the file holding the bearer token that serve asks for.
        #[arg(long, value_name = "FILE", requires = "from")]
        bearer_token_file: Option<PathBuf>,
    },
    /// Watch every credential headless and expose /metrics (OpenMetrics) and
    /// /healthz for Prometheus, and /list.json for `list --from`; auto-refresh
    /// follows config.toml's [refresh].
    Serve {
        /// Where to listen (another address than loopback is warned about).
        #[arg(long, default_value = "127.0.0.1:9464")]
        listen: std::net::SocketAddr,
        /// A file holding the bearer token /metrics and /list.json ask for (never
        /// on the command line: Prometheus sends it with authorization.credentials_file).
        #[arg(long, value_name = "FILE")]
        bearer_token_file: Option<PathBuf>,
    },
    /// Obtain a new token for one credential (exit 0 done, 1 failed or refused, 3 its file could not be used, 4 no such profile).
    Refresh {
        /// Its profile name, or its id as `list --json` prints it.
        profile: String,
        /// The row after it as JSON.
        #[arg(long)]
        json: bool,
        /// Print the token itself on stdout (with --json, as `token`), for a pipe; journalled by fingerprint.
        #[arg(long)]
        print_token: bool,
    },
    /// Sign an OIDC profile in from any device (RFC 8628 device authorization): prints a URL and a code to enter there, waits, and keeps the refresh token in $XDG_STATE_HOME/tokentop/logins.json (0600) (exit 0 signed in, 1 failed, refused or expired, 3 its file could not be used, 4 no such profile).
    Login {
        /// Its profile name, or its id as `list --json` prints it.
        profile: String,
        /// The row after it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Decode any token: its header and claims (times as dates and "in 12m"), its signature checked
    /// through the keys its issuer publishes (OIDC discovery, then RFC 8414), expired or not yet
    /// valid said. Reads the token from stdin (at a terminal without echo); an argument works too,
    /// with a warning (it is then in your shell's history).
    ///
    /// Exit status: 0 verified and live; 1 not a JWT; 10 expired or not yet valid; 14 the signature
    /// fails or cannot be checked (alg none, no keys found).
    #[command(verbatim_doc_comment)]
    Decode {
        /// The token (better: on stdin).
        token: Option<String>,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Why is this token refused? Sends it once to a target (--url, else the profile's own: its `probe`
    /// endpoint, its Cloud Run URL, its Databricks workspace, its issuer's userinfo) and names the
    /// cause beside the evidence: the token's facts and the target's status, WWW-Authenticate and error.
    ///
    /// Exit status by cause:
    ///    0  accepted
    ///    1  nothing sent: no token, or no target known
    ///    4  no credential, or more than one, has that name
    ///   10  expired or not yet valid
    ///   11  wrong token for this target: audience, token type, workspace
    ///   12  scope missing
    ///   13  permission denied (IAM or object permission, not the token)
    ///   14  token refused: revoked, invalid, or issuer/key unknown
    ///   15  refused for a reason the doctor cannot name
    ///   16  target unreachable
    #[command(verbatim_doc_comment)]
    Doctor {
        /// Its profile name, or its id as `list --json` prints it.
        profile: String,
        /// Where to send the token (https, or http to loopback).
        #[arg(long)]
        url: Option<String>,
        /// The kind of service, when its host does not say: cloud-run, google-api, databricks, oauth.
        #[arg(long, value_parser = parse_target_kind)]
        kind: Option<tokentop::model::TargetKind>,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke one credential's token, confirmed at the issuer; refused, with the reason and what cuts access instead, where the issuer cannot revoke (exit 0 revoked, 1 failed or refused, 3 its file could not be used, 4 no such profile).
    Revoke {
        /// Its profile name, or its id as `list --json` prints it.
        profile: String,
        /// The row after it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Narrow one credential's token: fewer scopes (--scope, repeatable) or a Credential Access Boundary (--boundary FILE, google-auth's JSON); prints the downscoped row, PROFILE/downscoped (exit 0 done, 1 failed or refused, 3 its file could not be used, 4 no such profile).
    Downscope {
        /// Its profile name, or its id as `list --json` prints it.
        profile: String,
        /// A scope the new token keeps (repeatable).
        #[arg(
            long = "scope",
            value_name = "SCOPE",
            conflicts_with = "boundary",
            required_unless_present = "boundary"
        )]
        scopes: Vec<String>,
        /// A Credential Access Boundary in google-auth's JSON shape.
        #[arg(long, value_name = "FILE")]
        boundary: Option<PathBuf>,
        /// The row after it as JSON.
        #[arg(long)]
        json: bool,
        /// Print the downscoped token itself on stdout (with --json, as `token`), for a pipe; journalled by fingerprint.
        #[arg(long)]
        print_token: bool,
    },
    /// Run the local identity services (Google with IAM Credentials and STS, Databricks, metadata server) alone, until interrupted.
    Emulator {
        /// Also write sample credential files into this folder.
        #[arg(long, value_name = "DIR")]
        credentials_dir: Option<PathBuf>,
        /// Make an endpoint misbehave, e.g. `google-token=0.3:server-error,slow=2s` (repeatable).
        ///
        /// Endpoints: google-token, google-tokeninfo, google-revoke, google-certs,
        /// google-discovery, databricks-token, databricks-jwks, databricks-discovery,
        /// databricks-host-metadata, databricks-introspect, databricks-scim-me,
        /// metadata-token, iam-credentials, sts, all.
        /// RATE is the probability (0 to 1) that a request is faulted; one of the
        /// FAULTs is then picked at random: server-error, too-many-requests[=SECS],
        /// slow[=250ms|2s], endless-body, reset, truncated-json, malformed-json, html,
        /// echo-secrets, echo-secrets-error, escapes, empty-token, huge-token,
        /// expires-in-string, empty-body, foreign-keys.
        #[arg(long = "fault", value_name = "ENDPOINT=RATE:FAULT[,FAULT...]")]
        faults: Vec<tokentop::emulator::FaultRule>,
    },
}

/// A `--kind` name.
fn parse_target_kind(name: &str) -> Result<tokentop::model::TargetKind, String> {
    tokentop::model::TargetKind::parse(name).ok_or_else(|| {
        let names: Vec<&str> = tokentop::model::TargetKind::ALL
            .iter()
            .map(|k| k.label())
            .collect();
        format!("one of {}", names.join(", "))
    })
}

/// The `[refresh]` table of the user's config.toml (the default policy
/// when there is none).
fn refresh_policy() -> Result<tokentop::model::RefreshPolicy, String> {
    match tokentop::config::default_settings_path() {
        Some(path) => tokentop::sources::refresh_policy::read(&path),
        None => Ok(tokentop::model::RefreshPolicy::default()),
    }
}

/// The engine for one operation from the command line: no token at
/// start, no watching, and the same audit journal as the dashboard.
fn operations(discovery: tokentop::sources::DiscoveryConfig) -> tokentop::engine::EngineConfig {
    let engine = tokentop::engine::EngineConfig::new(discovery, false);
    match tokentop::config::audit_journal_path().map(tokentop::audit::Journal::at) {
        Some(journal) => engine.journal(journal),
        None => engine,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log_guard = cli
        .log_level
        .as_deref()
        .and_then(|level| tokentop::logging::init(level).ok());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokentop: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ui = tokentop::config::UiOptions {
        readonly: cli.readonly,
        files: tokentop::config::UiFiles::read_default(),
        ..tokentop::config::UiOptions::resolve(cli.theme.as_deref(), cli.no_color)
    };
    let profiles = cli.profiles.or_else(|| {
        tokentop::config::default_profiles_path().filter(|p| tokentop::sources::something_at(p))
    });
    let mut discovery = tokentop::sources::DiscoveryConfig::ambient(profiles)
        .with_settings(tokentop::config::default_settings_path());
    discovery.login_store = tokentop::config::login_store_path();
    let result = runtime.block_on(async move {
        match cli.command {
            None => {
                tokentop::launch::dashboard(
                    discovery,
                    ui,
                    tokentop::config::audit_journal_path().map(tokentop::audit::Journal::at),
                )
                .await
            }
            Some(Command::Demo) => tokentop::demo::run(ui).await,
            Some(Command::List {
                json,
                format,
                no_refresh,
                from,
                bearer_token_file,
            }) => {
                let format = if json {
                    tokentop::cli::Format::Json
                } else {
                    format
                };
                match from {
                    Some(url) => {
                        tokentop::cli::list_from(&url, bearer_token_file.as_deref(), format).await
                    }
                    None => tokentop::cli::list(discovery, format, !no_refresh).await,
                }
            }
            Some(Command::Serve {
                listen,
                bearer_token_file,
            }) => {
                let engine = tokentop::engine::EngineConfig::new(discovery, true)
                    .watching()
                    .refresh_policy(refresh_policy()?);
                let engine = match tokentop::config::audit_journal_path() {
                    Some(path) => engine.journal(tokentop::audit::Journal::at(path)),
                    None => engine,
                };
                let options = tokentop::cli::ServeOptions {
                    listen,
                    bearer_token_file,
                };
                tokentop::cli::serve(engine, options).await
            }
            Some(Command::Decode { token, json }) => {
                // A token of no credential: nothing is read from disk.
                let engine = tokentop::engine::EngineConfig::new(
                    tokentop::sources::DiscoveryConfig::default(),
                    false,
                );
                tokentop::cli::decode(engine, token, json).await
            }
            Some(Command::Doctor {
                profile,
                url,
                kind,
                json,
            }) => {
                let ask = tokentop::model::DoctorAsk { url, kind };
                tokentop::cli::doctor(operations(discovery), &profile, ask, json).await
            }
            Some(Command::Login { profile, json }) => {
                tokentop::cli::operate(
                    operations(discovery),
                    tokentop::cli::Operation::Login,
                    &profile,
                    tokentop::cli::Output {
                        json,
                        print_token: false,
                    },
                )
                .await
            }
            Some(Command::Refresh {
                profile,
                json,
                print_token,
            }) => {
                tokentop::cli::operate(
                    operations(discovery),
                    tokentop::cli::Operation::Refresh,
                    &profile,
                    tokentop::cli::Output { json, print_token },
                )
                .await
            }
            Some(Command::Downscope {
                profile,
                scopes,
                boundary,
                json,
                print_token,
            }) => {
                let ask = match boundary {
                    Some(path) => {
                        tokentop::model::Downscope::Boundary(tokentop::cli::boundary_file(&path)?)
                    }
                    None => tokentop::model::Downscope::Scopes(scopes),
                };
                tokentop::cli::operate(
                    operations(discovery),
                    tokentop::cli::Operation::Downscope(ask),
                    &profile,
                    tokentop::cli::Output { json, print_token },
                )
                .await
            }
            Some(Command::Revoke { profile, json }) => {
                tokentop::cli::operate(
                    operations(discovery),
                    tokentop::cli::Operation::Revoke,
                    &profile,
                    tokentop::cli::Output {
                        json,
                        print_token: false,
                    },
                )
                .await
            }
            Some(Command::Emulator {
                credentials_dir,
                faults,
            }) => tokentop::demo::serve_emulator(credentials_dir, faults).await,
        }
    });
    // A credential file on a hung mount may still hold a reading thread:
    // do not wait for it to exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tokentop: {e}");
            ExitCode::FAILURE
        }
    }
}
