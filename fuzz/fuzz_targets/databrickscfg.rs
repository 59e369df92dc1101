//! `sources::databrickscfg::parse` (INI as configparser reads it, then
//! every profile resolved as databricks-sdk resolves it) on arbitrary text.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tokentop::sources::DatabricksEnv;
use tokentop::sources::databrickscfg::{Logins, parse};

const PATH: &str = "/fuzz/.databrickscfg";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (credentials, errors) = parse(
        &text,
        Path::new(PATH),
        &DatabricksEnv::default(),
        &Logins::default(),
    );
    for e in &errors {
        common::assert_names_path(e, PATH);
        if let Some(name) = &e.profile {
            // Messages are made printable: a section name with a control
            // character in it is quoted with the character written out.
            let shown = tokentop::model::printable(name);
            assert!(
                e.message.starts_with(&format!("profile [{shown}]: ")),
                "{e:?}"
            );
            assert!(!e.message.chars().any(char::is_control), "{e:?}");
        }
    }
    for c in &credentials {
        let host = &c.context.databricks.as_ref().expect("a Databricks profile").host;
        // The host is kept as databricks-sdk keeps it (a query, a quoted
        // or commented value included: the SDK does not check it; a request
        // to a host that is not a URL is refused when it is made); the
        // endpoints are built from it without its query.
        assert!(!host.is_empty());
        let base = host.split('?').next().unwrap_or_default();
        assert!(c.endpoints.token.starts_with(base), "{:?}", c.endpoints);
        let (material, old, new) = common::swap_secrets(&c.material);
        let swapped = tokentop::model::Credential {
            material,
            ..c.clone()
        };
        common::assert_same_but_fingerprints(&format!("{c:?}"), &old, &format!("{swapped:?}"), &new);
    }
});
