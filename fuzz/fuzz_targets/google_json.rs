//! `sources::google_json::parse` on arbitrary text.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tokentop::model::Material;
use tokentop::sources::google_json::{GoogleFile, parse};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse(&text, Path::new("fuzz.json")) {
        Ok(file) => {
            match &file.material {
                Material::GoogleServiceAccount { client_email, .. } => {
                    assert_eq!(&file.principal, client_email);
                }
                Material::GoogleImpersonated { target, .. } => {
                    assert_eq!(&file.principal, target);
                }
                _ => {}
            }
            let (material, old, new) = common::swap_secrets(&file.material);
            let swapped = GoogleFile {
                material,
                ..file.clone()
            };
            common::assert_same_but_fingerprints(
                &format!("{file:?}"),
                &old,
                &format!("{swapped:?}"),
                &new,
            );
        }
        Err(e) => {
            common::assert_names_path(&e, "fuzz.json");
            assert_eq!(e.profile, None);
        }
    }
});
