//! Sample credential files: private from birth, never written through a
//! planted symlink; and the `tokentop emulator` command line that writes them.

use super::common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::Value;

const NAMES: [&str; 8] = [
    "google_user.json",
    "google_sa.json",
    "google_impersonated.json",
    "google_subject_token.jwt",
    "google_external_account.json",
    "google_workforce_user.json",
    "databrickscfg",
    "urls.json",
];
const VICTIM_TEXT: &str = "precious, must not change\n";

/// Plants `dir/NAME -> outside/NAME.victim` for every sample name.
fn plant_symlinks(dir: &Path, outside: &Path) {
    for name in NAMES {
        let victim = outside.join(format!("{name}.victim"));
        std::fs::write(&victim, VICTIM_TEXT).unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join(name)).unwrap();
    }
}

/// Every victim unchanged; every sample a regular 0600 file; no temp file left.
fn assert_private_and_untouched(dir: &Path, outside: &Path) {
    for name in NAMES {
        let victim = outside.join(format!("{name}.victim"));
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            VICTIM_TEXT,
            "{name}"
        );
        let mode = std::fs::metadata(&victim).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{name}: victim mode changed");
        let meta = std::fs::symlink_metadata(dir.join(name)).unwrap();
        assert!(meta.file_type().is_file(), "{name} is not a regular file");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
    }
    let mut entries: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort_unstable();
    // Plus `home`, the folder of the Databricks token caches.
    let mut expected: Vec<String> = NAMES.iter().map(ToString::to_string).collect();
    expected.push("home".into());
    expected.sort_unstable();
    assert_eq!(entries, expected);
}

#[tokio::test]
async fn write_samples_replaces_planted_symlinks_instead_of_following_them() {
    let emu = start().await;
    let root = tempfile::tempdir().unwrap();
    let (dir, outside) = (root.path().join("creds"), root.path().join("outside"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::create_dir(&outside).unwrap();
    plant_symlinks(&dir, &outside);
    emu.write_samples(&dir).unwrap();
    assert_private_and_untouched(&dir, &outside);
    let urls: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("urls.json")).unwrap()).unwrap();
    assert_eq!(urls["google"], emu.google_url());
    let u: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("google_user.json")).unwrap())
            .unwrap();
    assert_eq!(refresh(&emu, &u).await.0, 200);

    // A second run replaces the files again (rename over regular files).
    emu.write_samples(&dir).unwrap();
    assert_private_and_untouched(&dir, &outside);
    emu.shutdown().await;
}

#[tokio::test]
async fn write_samples_creates_missing_folders_owner_only() {
    let emu = start().await;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("a/b");
    emu.write_samples(&dir).unwrap();
    for d in [root.path().join("a"), dir.clone()] {
        let mode = std::fs::metadata(&d).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{}", d.display());
    }
    emu.shutdown().await;
}

/// Kills the emulator process if the test fails before stopping it.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn cli_fault_flag_and_credentials_dir() {
    let root = tempfile::tempdir().unwrap();
    let (dir, outside) = (root.path().join("creds"), root.path().join("outside"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::create_dir(&outside).unwrap();
    plant_symlinks(&dir, &outside);
    let mut child = Reaper(
        Command::new(env!("CARGO_BIN_EXE_tokentop"))
            .args(["emulator", "--credentials-dir"])
            .arg(&dir)
            .args([
                "--fault",
                "google-certs=1:html",
                "--fault",
                "databricks-token=1:too-many-requests=9",
                "--fault",
                "metadata-token=1:server-error",
            ])
            .env_remove("TOKENTOP_LOG")
            .env("XDG_CONFIG_HOME", root.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let child = &mut child.0;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let google = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("google="))
        .unwrap_or_else(|| panic!("no READY line: {line:?}"))
        .to_string();
    let databricks = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("databricks="))
        .unwrap()
        .to_string();
    let fields: Vec<&str> = line.split_whitespace().collect();
    // The original fields first and unchanged; new ones only ever appended.
    assert_eq!(fields.len(), 7, "{line:?}");
    assert!(fields[1].starts_with("google=") && fields[2].starts_with("databricks="));
    let metadata = fields[3]
        .strip_prefix("metadata=")
        .unwrap_or_else(|| panic!("metadata third: {line:?}"));
    assert_eq!(fields[4], format!("sts={google}"), "{line:?}");
    assert_eq!(fields[5], format!("iam={google}"), "{line:?}");
    let run = fields[6]
        .strip_prefix("run=")
        .unwrap_or_else(|| panic!("run seventh: {line:?}"));
    assert!(
        run.starts_with("http://127.0.0.1:") && !run.ends_with('/') && run != google,
        "{line:?}"
    );
    // The Cloud Run listener answers: no token is 403 Forbidden.
    let r = client().get(format!("{run}/")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<h1>Error: Forbidden</h1>")
    );
    let mds = |path: &str| {
        client()
            .get(format!("http://{metadata}/computeMetadata/v1/{path}"))
            .header("Metadata-Flavor", "Google")
            .send()
    };
    assert_eq!(mds("project/project-id").await.unwrap().status(), 200);
    let r = mds("instance/service-accounts/default/token")
        .await
        .unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());

    let r = client()
        .get(format!("{google}/oauth2/v3/certs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    assert!(content_type(&r).starts_with("text/html"));
    let r = client()
        .post(format!("{databricks}/oidc/v1/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "9");
    let r = client()
        .get(format!("{google}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_private_and_untouched(&dir, &outside);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.contains("fault google-certs=1:html"), "{stderr}");
    assert!(
        stderr.contains("google-certs requests=1 html=1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("databricks-token requests=1 too-many-requests=1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("metadata-token requests=1 server-error=1"),
        "{stderr}"
    );
}
