//! Many credentials at once: a `.databrickscfg` with one M2M profile per
//! service principal registered on the emulator.

use std::time::Duration;
use tokentop::emulator::{DatabricksSpSpec, Emulator};

/// Registers `count` service principals (ids `PREFIX-N`) and returns the
/// `.databrickscfg` text naming them `[pN]`.
pub fn databricks_profiles(emulator: &Emulator, count: usize, prefix: &str) -> String {
    let mut cfg = String::new();
    for n in 0..count {
        let sp = emulator.add_databricks_service_principal(DatabricksSpSpec {
            application_id: format!("{prefix}-{n}"),
            access_token_lifetime: Duration::from_secs(3600),
        });
        cfg.push_str(&format!(
            "[p{n}]\nhost = {}\nclient_id = {}\nclient_secret = {}\n\n",
            emulator.databricks_url(),
            sp.client_id,
            sp.client_secret
        ));
    }
    cfg
}
