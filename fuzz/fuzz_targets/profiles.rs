//! `sources::profiles::parse` (TOML) on arbitrary text.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tokentop::sources::profiles::parse;

const PATH: &str = "/fuzz/profiles.toml";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse(&text, Path::new(PATH)) {
        Ok(file) => {
            for profile in &file.profiles {
                // Relative credential paths are resolved next to the file.
                for p in [&profile.google_credentials, &profile.databricks_config]
                    .into_iter()
                    .flatten()
                {
                    assert!(p.is_absolute(), "{p:?}");
                }
            }
        }
        Err(e) => {
            common::assert_names_path(&e, PATH);
            assert_eq!(e.profile, None);
            // `line N: ...` names a line that exists.
            if let Some(rest) = e.message.strip_prefix("line ") {
                let n: usize = rest
                    .split(':')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("no line number in {:?}", e.message));
                assert!(
                    n >= 1 && n <= text.split('\n').count(),
                    "{n} in {:?}",
                    e.message
                );
            }
        }
    }
});
