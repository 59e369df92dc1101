//! Who may use whom: reads src/ and fails, naming the offending lines, when a
//! module reaches into one the layer table (src/lib.rs) forbids.

use std::path::{Path, PathBuf};

/// Module -> the `crate::` paths it may use (besides its own).
const RULES: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("net", &["model"]),
    ("files", &[]),
    ("config", &["files"]),
    ("audit", &["files"]),
    ("logging", &["config", "files"]),
    ("sources", &["model", "files"]),
    ("inspect", &["model", "net"]),
    ("providers", &["model", "net", "inspect", "files"]),
    (
        "engine",
        &["model", "net", "sources", "providers", "inspect", "audit"],
    ),
    ("tui", &["model", "engine::protocol"]),
    (
        "cli",
        &[
            "model",
            "net",
            "engine::protocol",
            "engine::start",
            "engine::EngineConfig",
            "sources",
            "files",
        ],
    ),
    ("emulator", &[]),
    (
        "launch",
        &["audit", "config", "engine", "model", "sources", "tui"],
    ),
    (
        "demo",
        &["audit", "config", "emulator", "launch", "sources"],
    ),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/tui/app.rs` -> `tui`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel
        .components()
        .next()
        .expect("component")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::...` path in code (not comments) with its line number.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let path: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            // `crate::{a, b}` names several modules at once: reported as `{`.
            let path = if path.is_empty() && after.starts_with('{') {
                "{".to_string()
            } else {
                path
            };
            found.push((n + 1, path.trim_end_matches(':').to_string()));
            rest = after;
        }
    }
    found
}

#[test]
fn modules_use_only_what_the_layer_table_allows() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    assert!(all.len() > 20, "read {} files", all.len());
    let mut violations = Vec::new();
    for file in &all {
        let module = module_of(&src, file);
        if module == "main" || module == "lib" {
            continue;
        }
        let allowed = RULES
            .iter()
            .find(|(m, _)| *m == module)
            .unwrap_or_else(|| {
                panic!(
                    "{}: module `{module}` is not in the layer table",
                    file.display()
                )
            })
            .1;
        let text = std::fs::read_to_string(file).expect("read");
        for (line, path) in crate_paths(&text) {
            let ok = !path.contains('{')
                && (path == module
                    || path.starts_with(&format!("{module}::"))
                    || allowed
                        .iter()
                        .any(|a| path == *a || path.starts_with(&format!("{a}::"))));
            if !ok {
                violations.push(format!(
                    "{}:{line}: `{module}` uses crate::{path}",
                    file.display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_must() {
    let found = crate_paths(
        "use crate::tui::app::App; // crate::net in a comment\nlet x = crate::model::Secret::new(y);",
    );
    assert_eq!(
        found,
        vec![
            (1, "tui::app::App".to_string()),
            (2, "model::Secret::new".to_string())
        ]
    );
    assert_eq!(
        crate_paths("use crate::{model, net};"),
        vec![(1, "{".to_string())]
    );
    assert_eq!(
        crate_paths("use crate::model::{Row, Secret};"),
        vec![(1, "model".to_string())]
    );
}
