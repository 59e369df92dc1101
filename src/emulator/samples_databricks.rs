//! The Databricks part of the sample credentials: `databrickscfg` with an
//! M2M, a PAT, a U2M and an account-level U2M profile, and the token caches
//! of both U2M logins under `DIR/home` (the home directory a client under
//! test should be given).

use std::io;
use std::path::Path;
use std::time::Duration;

use super::samples::{create_private_dir, write_private};
use super::{DatabricksSpSpec, Emulator, keys};

/// The user of the sample PAT and of both sample U2M logins.
pub const SAMPLE_DATABRICKS_USER: &str = "sample-user@example.test";

/// Registers a service principal, a never-expiring PAT and two U2M logins
/// (workspace and account) of [`SAMPLE_DATABRICKS_USER`]; writes
/// `databrickscfg` into `dir` with the profiles `m2m` (`client_id`,
/// `client_secret`), `pat` (`token`), `u2m` (`auth_type = databricks-cli`)
/// and `account` (`account_id`, `auth_type = databricks-cli` and the
/// account's `discovery_url`, which a loopback host cannot imply), all with
/// `host` = the workspace URL; and writes the CLI cache and the Python SDK
/// cache of `u2m` and `account` under `dir/home`.
pub fn write(emulator: &Emulator, dir: &Path) -> io::Result<()> {
    let sp = emulator.add_databricks_service_principal(DatabricksSpSpec {
        application_id: keys::random_uuid(),
        access_token_lifetime: Duration::from_hours(1),
    });
    let (pat, _) = emulator.add_pat_for(SAMPLE_DATABRICKS_USER, "sample PAT", None, &[]);
    let workspace = emulator.add_u2m_login(SAMPLE_DATABRICKS_USER, &[])?;
    let account = emulator.add_account_u2m_login(SAMPLE_DATABRICKS_USER, &[])?;
    let host = emulator.databricks_url();
    let account_id = emulator.databricks_account_id();
    let discovery = format!(
        "{}/.well-known/oauth-authorization-server",
        emulator.databricks_account_issuer()
    );
    let cfg = format!(
        "# Sample profiles pointing at the tokentop emulator. The U2M profiles'\n\
         # token caches are under home/ (give the client HOME=<this dir>/home).\n\n\
         [m2m]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n\n\
         [pat]\nhost = {host}\ntoken = {pat}\n\n\
         [u2m]\nhost = {host}\nauth_type = databricks-cli\n\n\
         [account]\nhost = {host}\naccount_id = {account_id}\nauth_type = databricks-cli\n\
         discovery_url = {discovery}\n",
        sp.client_id, sp.client_secret
    );
    write_private(dir, "databrickscfg", &cfg)?;
    let home = dir.join("home");
    create_private_dir(&home)?;
    for (profile, login) in [("u2m", &workspace), ("account", &account)] {
        emulator.write_databricks_cli_cache(&home, profile, login)?;
        emulator.write_databricks_sdk_cache(&home, profile, login)?;
    }
    Ok(())
}
