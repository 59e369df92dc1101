//! A Databricks workspace's token endpoint found as databricks-sdk finds
//! it, over real HTTP against the emulator: the host's metadata, then the
//! OIDC discovery document, each asked once for many grants; a host
//! without metadata still works, and a broken discovery document is named.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/settle.rs"]
mod settle;

use listing::tokentop;
use std::time::Duration;
use tokentop::emulator::{
    DatabricksSpSpec, Emulator, EmulatorOptions, Fault, FaultEndpoint, FaultPlan,
};

/// An emulator with one service principal, and a home whose
/// `.databrickscfg` has it as `[etl]`.
async fn workspace() -> (Emulator, tempfile::TempDir) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let sp = emulator.add_databricks_service_principal(DatabricksSpSpec {
        application_id: "5c0ffee0-0000-4000-8000-000000000001".into(),
        access_token_lifetime: Duration::from_secs(3600),
    });
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[etl]\nhost = {}\nclient_id = {}\nclient_secret = {}\n",
            emulator.databricks_url(),
            sp.client_id,
            sp.client_secret
        ),
    )
    .expect("write");
    (emulator, home)
}

fn requests(emulator: &Emulator, endpoint: FaultEndpoint) -> u64 {
    emulator.fault_stats().endpoint(endpoint).requests
}

fn always(endpoint: FaultEndpoint, emulator: &Emulator) {
    emulator.set_faults(
        endpoint,
        FaultPlan {
            rate: 1.0,
            faults: vec![Fault::ServerError],
        },
    );
}

#[tokio::test]
async fn the_token_endpoint_is_discovered_once_for_many_grants() {
    let (emulator, home) = workspace().await;
    let mut handle = settle::databricks_engine(home.path(), false);
    let id = settle::first_id(&mut handle, "etl").await;
    for _ in 0..3 {
        let row = settle::refreshed(&mut handle, &id).await;
        assert!(row.error.is_none(), "{:?}", row.error);
    }
    assert_eq!(requests(&emulator, FaultEndpoint::DatabricksToken), 3);
    assert_eq!(
        requests(&emulator, FaultEndpoint::DatabricksHostMetadata),
        1,
        "the host's metadata is asked once"
    );
    assert_eq!(
        requests(&emulator, FaultEndpoint::DatabricksDiscovery),
        1,
        "the discovery document is asked once"
    );
    handle.shutdown().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_host_without_metadata_uses_the_documented_oidc_and_a_broken_document_is_named() {
    let (emulator, home) = workspace().await;
    always(FaultEndpoint::DatabricksHostMetadata, &emulator);
    let run = tokentop(home.path(), &["refresh", "etl", "--json"], &[]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert!(requests(&emulator, FaultEndpoint::DatabricksHostMetadata) >= 1);
    assert_eq!(requests(&emulator, FaultEndpoint::DatabricksDiscovery), 1);

    emulator.clear_faults();
    always(FaultEndpoint::DatabricksDiscovery, &emulator);
    let tokens_before = requests(&emulator, FaultEndpoint::DatabricksToken);
    let run = tokentop(home.path(), &["refresh", "etl", "--json"], &[]).await;
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    let row: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let error = row["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("oauth-authorization-server") && error.contains("HTTP 50"),
        "the failing document is named: {row}"
    );
    assert_eq!(
        requests(&emulator, FaultEndpoint::DatabricksToken),
        tokens_before,
        "no secret is sent to a guessed endpoint"
    );
    emulator.shutdown().await;
}
