//! `sources::databrickscfg::parse` (INI) on arbitrary text.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tokentop::model::Material;
use tokentop::sources::databrickscfg::{DatabricksProfile, parse};

const PATH: &str = "/fuzz/.databrickscfg";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (profiles, errors) = parse(&text, Path::new(PATH));
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
    for p in &profiles {
        assert!(!p.host.is_empty() && !p.host.ends_with('/'), "{:?}", p.host);
        assert!(!p.client_id.is_empty());
        let Material::DatabricksM2m { client_id, .. } = &p.material else {
            panic!("a Databricks profile with other material: {p:?}");
        };
        assert_eq!(client_id, &p.client_id);
        let (material, old, new) = common::swap_secrets(&p.material);
        let swapped = DatabricksProfile {
            material,
            ..p.clone()
        };
        common::assert_same_but_fingerprints(
            &format!("{p:?}"),
            &old,
            &format!("{swapped:?}"),
            &new,
        );
    }
});
