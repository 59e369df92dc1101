//! The emulator against its own wire contract, over real HTTP on loopback.

mod common;
mod databricks;
mod databricks_caches;
mod databricks_common;
mod databricks_grants;
mod databricks_pat;
mod databricks_u2m;
mod faults_body;
mod faults_plan;
mod faults_wire;
mod google_info;
mod google_token;
mod iam_common;
mod iam_credentials;
mod iam_id_token;
mod key_rotation;
mod lifecycle;
mod metadata;
mod probe_databricks;
mod probe_run;
mod probe_storage;
mod samples;
mod sts_downscope;
mod sts_federation;
mod sts_revoke;
