//! The key set cache end to end: the emulator's key sets answer with
//! `Cache-Control: max-age=3600` (as Google's do), so decoding the same
//! issuer's tokens again does not fetch them again; a token signed with a
//! key the cached set lacks (after a rotation) fetches them once more.

#[path = "support/settle.rs"]
mod settle;

use tokentop::emulator::{Emulator, EmulatorOptions, FaultEndpoint};
use tokentop::engine::protocol::{Command, Update};
use tokentop::model::{DecodedBody, SignatureCheck};

async fn verified_kid(
    handle: &mut tokentop::engine::EngineHandle,
    id: &tokentop::model::CredentialId,
) -> String {
    handle
        .commands
        .send(Command::Decode(id.clone()))
        .await
        .expect("send");
    loop {
        if let Update::Decoded(report) = settle::next(handle).await
            && report.id == *id
        {
            match report.body {
                DecodedBody::Jwt {
                    signature: SignatureCheck::Verified { kid, .. },
                    ..
                } => return kid,
                other => panic!("not verified: {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn keys_are_fetched_once_per_max_age_and_again_for_an_unknown_kid() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
    let discovery = tokentop::sources::DiscoveryConfig {
        profiles_file: Some(profiles),
        ..tokentop::sources::DiscoveryConfig::default()
    };
    let mut handle = tokentop::engine::start(
        tokentop::engine::EngineConfig::new(discovery, false),
        std::sync::Arc::new(tokentop::model::SystemClock),
    )
    .expect("engine");
    // lakehouse holds a workspace-signed at+jwt.
    let rows = settle::first_rows(&mut handle).await;
    let named = |profile: &str| {
        rows.iter()
            .find(|r| r.profile == profile)
            .map(|r| r.id.clone())
            .expect("row")
    };
    let (id, batch) = (named("lakehouse"), named("lakehouse-batch"));
    let row = settle::refreshed(&mut handle, &id).await;
    assert!(row.error.is_none(), "{:?}", row.error);
    let certs = || {
        emulator
            .fault_stats()
            .endpoint(FaultEndpoint::DatabricksJwks)
            .requests
    };

    let first = verified_kid(&mut handle, &id).await;
    for _ in 0..3 {
        assert_eq!(verified_kid(&mut handle, &id).await, first);
    }
    assert_eq!(certs(), 1, "four decodes within max-age, one fetch");

    // New keys (the old ones gone); a token minted now names a kid the
    // cached set does not have: fetched once more, then cached again.
    emulator.rotate_signing_keys(false).expect("rotate");
    let row = settle::refreshed(&mut handle, &batch).await;
    assert!(row.error.is_none(), "{:?}", row.error);
    let second = verified_kid(&mut handle, &batch).await;
    assert_ne!(first, second);
    assert_eq!(verified_kid(&mut handle, &batch).await, second);
    assert_eq!(certs(), 2, "one more fetch for the unknown kid");
    handle.shutdown().await;
    emulator.shutdown().await;
}
