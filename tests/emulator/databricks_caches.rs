//! The on-disk token caches the emulator writes for a login (wire.md §3.7),
//! and the Databricks part of `write_samples`.

use super::{common, databricks_common};

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use databricks_common::*;
use serde_json::{Value, json};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn cli_cache_has_the_profile_and_host_keys_and_keeps_others() {
    let emu = start().await;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".databricks");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("token-cache.json"),
        r#"{"version":1,"tokens":{"other":{"access_token":"x","token_type":"Bearer"}}}"#,
    )
    .unwrap();
    let ws = emu.add_u2m_login("alice@example.test", &[]).unwrap();
    let acct = emu
        .add_account_u2m_login("alice@example.test", &[])
        .unwrap();
    let path = emu
        .write_databricks_cli_cache(home.path(), "dev", &ws)
        .unwrap();
    emu.write_databricks_cli_cache(home.path(), "acct", &acct)
        .unwrap();
    assert_eq!(path, dir.join("token-cache.json"));
    assert_eq!(mode(&path), 0o600);

    let cache = read_json(&path);
    assert_eq!(cache["version"], 1);
    let tokens = cache["tokens"].as_object().unwrap();
    let mut keys: Vec<&str> = tokens.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let host = emu.databricks_url();
    let account_key = emu.databricks_account_issuer();
    let mut expected = vec!["acct", "dev", "other", host.as_str(), account_key.as_str()];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(tokens["dev"], tokens[host.as_str()]);
    assert_eq!(tokens["acct"], tokens[account_key.as_str()]);
    let dev = tokens["dev"].as_object().unwrap();
    let mut fields: Vec<&str> = dev.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["access_token", "expiry", "refresh_token", "token_type"]
    );
    assert_eq!(dev["access_token"], ws.access_token.as_str());
    assert_eq!(dev["refresh_token"], ws.refresh_token.as_str());
    assert_eq!(dev["token_type"], "Bearer");
    let expiry = chrono::DateTime::parse_from_rfc3339(dev["expiry"].as_str().unwrap()).unwrap();
    assert_eq!(std::time::SystemTime::from(expiry), ws.expiry);
    assert_eq!(tokens["acct"]["access_token"], acct.access_token.as_str());

    // Without a profile only the host key is written.
    let fresh = tempfile::tempdir().unwrap();
    let path = emu
        .write_databricks_cli_cache(fresh.path(), "", &ws)
        .unwrap();
    assert_eq!(mode(&fresh.path().join(".databricks")), 0o700);
    let keys: Vec<String> = read_json(&path)["tokens"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, [host]);
    // A file that is not a cache is not overwritten.
    std::fs::write(&path, "not json").unwrap();
    assert!(
        emu.write_databricks_cli_cache(fresh.path(), "dev", &ws)
            .is_err()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not json");
    emu.shutdown().await;
}

#[tokio::test]
async fn sdk_cache_is_named_by_the_python_key_hash() {
    let emu = start().await;
    let home = tempfile::tempdir().unwrap();
    let login = emu
        .add_u2m_login("alice@example.test", &["offline_access", "sql", "jobs"])
        .unwrap();
    let path = emu
        .write_databricks_sdk_cache(home.path(), "dev", &login)
        .unwrap();
    // What databricks-sdk-py's TokenCache.filename hashes: json.dumps of
    // {client_id, host, profile, scopes} with sorted keys (the profile's
    // scopes sorted, then offline_access).
    let key = format!(
        r#"{{"client_id": "databricks-cli", "host": "{}", "profile": "dev", "scopes": ["jobs", "sql", "offline_access"]}}"#,
        emu.databricks_url()
    );
    let dir = home.path().join(".config/databricks-sdk-py/oauth");
    assert_eq!(path, dir.join(format!("{}.json", sha256_hex(&key))));
    assert_eq!(mode(&path), 0o600);
    for d in [
        home.path().join(".config"),
        home.path().join(".config/databricks-sdk-py"),
        dir,
    ] {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
    }
    let doc = read_json(&path);
    let token = &doc["token"];
    assert_eq!(token["access_token"], login.access_token.as_str());
    assert_eq!(token["refresh_token"], login.refresh_token.as_str());
    assert_eq!(token["token_type"], "Bearer");
    // A naive local time, as the SDK's datetime.now() + timedelta writes it.
    let naive = chrono::NaiveDateTime::parse_from_str(
        token["expiry"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .unwrap();
    let local = chrono::DateTime::<chrono::Local>::from(login.expiry).naive_local();
    assert_eq!(naive, local);

    let none = emu
        .write_databricks_sdk_cache(
            home.path(),
            "",
            &emu.add_u2m_login("b@example.test", &[]).unwrap(),
        )
        .unwrap();
    let key = format!(
        r#"{{"client_id": "databricks-cli", "host": "{}", "profile": "", "scopes": ["all-apis", "offline_access"]}}"#,
        emu.databricks_url()
    );
    assert!(none.ends_with(format!("{}.json", sha256_hex(&key))));
    emu.shutdown().await;
}

#[tokio::test]
async fn samples_have_four_usable_databricks_profiles_and_their_caches() {
    let emu = start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("creds");
    emu.write_samples(&out).unwrap();
    let ini = ini::Ini::load_from_file(out.join("databrickscfg")).unwrap();
    let names: Vec<&str> = ini.sections().flatten().collect();
    assert_eq!(names, ["m2m", "pat", "u2m", "account"]);
    let host = emu.databricks_url();
    for name in &names {
        assert_eq!(
            ini.section(Some(*name)).unwrap().get("host"),
            Some(host.as_str())
        );
    }
    let m2m = ini.section(Some("m2m")).unwrap();
    let r = client()
        .post(workspace_token_url(&emu))
        .basic_auth(m2m.get("client_id").unwrap(), m2m.get("client_secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pat = ini.section(Some("pat")).unwrap().get("token").unwrap();
    assert_eq!(
        me(&emu, pat).await.1["userName"],
        "sample-user@example.test"
    );
    assert_eq!(
        ini.section(Some("u2m")).unwrap().get("auth_type"),
        Some("databricks-cli")
    );
    let account = ini.section(Some("account")).unwrap();
    assert_eq!(
        account.get("account_id"),
        Some(emu.databricks_account_id().as_str())
    );
    let discovery = account.get("discovery_url").unwrap();
    assert_eq!(
        get_json(discovery).await.1["issuer"],
        emu.databricks_account_issuer()
    );

    let home = out.join("home");
    assert_eq!(mode(&home), 0o700);
    let cli = read_json(&home.join(".databricks/token-cache.json"));
    let u2m = &cli["tokens"]["u2m"];
    assert_eq!(u2m, &cli["tokens"][host.as_str()]);
    assert_eq!(me(&emu, u2m["access_token"].as_str().unwrap()).await.0, 200);
    let (status, body) = u2m_refresh(
        &workspace_token_url(&emu),
        u2m["refresh_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let acct = &cli["tokens"]["account"];
    assert_eq!(
        acct,
        &cli["tokens"][emu.databricks_account_issuer().as_str()]
    );
    let (status, _) = u2m_refresh(
        &account_token_url(&emu),
        acct["refresh_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let sdk: Vec<_> = std::fs::read_dir(home.join(".config/databricks-sdk-py/oauth"))
        .unwrap()
        .map(|e| read_json(&e.unwrap().path()))
        .collect();
    assert_eq!(sdk.len(), 2);
    let mut cached: Vec<&Value> = sdk.iter().map(|d| &d["token"]["access_token"]).collect();
    cached.sort_by_key(|v| v.as_str().map(str::to_string));
    let mut expected = vec![&u2m["access_token"], &acct["access_token"]];
    expected.sort_by_key(|v| v.as_str().map(str::to_string));
    assert_eq!(cached, expected);
    assert_eq!(json!(sdk[0]["token"]["token_type"]), "Bearer");
    emu.shutdown().await;
}
