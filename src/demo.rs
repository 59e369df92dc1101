//! `tokentop demo` and `tokentop emulator`: the embedded identity services with
//! sample profiles in a private temporary folder. No real credential file is
//! read or written.

use crate::audit::Journal;
use crate::config::UiOptions;
use crate::emulator::{
    DatabricksSpSpec, Emulator, EmulatorOptions, ExternalAccountSpec, FaultRule, GoogleUserSpec,
    ImpersonationGrant, PoolProviderSpec, ServiceAccountSpec, SubjectSource, SubjectTokenSpec,
};
use crate::sources::{DiscoveryConfig, GoogleEnv};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Runs the dashboard on a fresh emulator with the sample profiles.
pub async fn run(ui: UiOptions) -> Result<ExitCode, String> {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .map_err(|e| format!("emulator: {e}"))?;
    // The sample keys live here: private to the user (0700), removed on
    // every way out the dashboard has (q, Ctrl-C, SIGINT, SIGTERM, SIGHUP, SIGQUIT).
    let dir = private_tempdir().map_err(|e| format!("temporary folder: {e}"))?;
    let (profiles, settings) = seed(&emulator, dir.path())
        .and_then(|profiles| seed_federated(&emulator, dir.path(), &profiles).map(|()| profiles))
        .and_then(|profiles| {
            seed_databricks_users(&emulator, dir.path(), &profiles).map(|()| profiles)
        })
        .and_then(|profiles| {
            seed_doctor(&emulator, dir.path(), &profiles).map(|settings| (profiles, settings))
        })
        .map_err(|e| format!("{}: {e}", dir.path().display()))?;
    // The sample profiles, and the emulator's metadata server as a
    // Dataproc worker sees its own: never the user's real files.
    let discovery = DiscoveryConfig {
        profiles_file: Some(profiles),
        // The sample folder's config.toml trusts the emulator's Cloud Run.
        settings_file: Some(settings),
        google: Some(GoogleEnv {
            metadata_host: Some(emulator.metadata_host()),
            ..GoogleEnv::default()
        }),
        // The sample Databricks config and CLI cache are the sample folder's.
        databricks: Some(crate::sources::DatabricksEnv {
            vars: Vec::new(),
            home: Some(dir.path().to_path_buf()),
        }),
        ..DiscoveryConfig::default()
    };
    let journal = Journal::at(dir.path().join("audit.jsonl"));
    let result = crate::launch::dashboard(discovery, ui, Some(journal)).await;
    emulator.shutdown().await;
    result
}

/// A fresh temporary folder only the user can enter.
fn private_tempdir() -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("tokentop-demo-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    builder.tempdir()
}

/// Registers the sample principals with `emulator`, writes their credential
/// files (mode 0600) and a profiles file into `dir`, and returns the profiles
/// file's path. lakehouse-batch's tokens live 100 s: long enough to watch,
/// short enough to see auto-refresh renew them.
pub fn seed(emulator: &Emulator, dir: &Path) -> std::io::Result<PathBuf> {
    seed_with(emulator, dir, Duration::from_secs(100))
}

/// [`seed`] with lakehouse-batch's tokens living `batch_lifetime` (a test
/// that waits for renewals waits less).
pub fn seed_with(
    emulator: &Emulator,
    dir: &Path,
    batch_lifetime: Duration,
) -> std::io::Result<PathBuf> {
    let minutes = |m: u64| Duration::from_secs(m * 60);
    let user = emulator.add_google_user(GoogleUserSpec {
        email: "oncall@acme.example".into(),
        scopes: vec![
            CLOUD_PLATFORM.into(),
            "https://www.googleapis.com/auth/userinfo.email".into(),
            "openid".into(),
        ],
        access_token_lifetime: minutes(8),
    });
    let etl = emulator.add_google_service_account(ServiceAccountSpec {
        email: "dataproc-etl@acme-data.iam.gserviceaccount.com".into(),
        project_id: "acme-data".into(),
        access_token_lifetime: minutes(55),
    });
    let invoker = emulator.add_google_service_account(ServiceAccountSpec {
        email: "orders-invoker@acme-data.iam.gserviceaccount.com".into(),
        project_id: "acme-data".into(),
        access_token_lifetime: minutes(3),
    });
    let lake = emulator.add_databricks_service_principal(DatabricksSpSpec {
        application_id: "6d3c3f4e-1111-2222-3333-444455556666".into(),
        access_token_lifetime: minutes(30),
    });
    let batch = emulator.add_databricks_service_principal(DatabricksSpSpec {
        application_id: "9f1e2d3c-aaaa-bbbb-cccc-ddddeeeeffff".into(),
        access_token_lifetime: batch_lifetime,
    });
    write_private(&dir.join("oncall-adc.json"), &user.to_string())?;
    write_private(&dir.join("dataproc-etl.json"), &etl.to_string())?;
    write_private(&dir.join("orders-invoker.json"), &invoker.to_string())?;
    let host = emulator.databricks_url();
    write_private(
        &dir.join("databrickscfg"),
        &format!(
            "[lakehouse]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n\n[batch]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n",
            lake.client_id, lake.client_secret, batch.client_id, batch.client_secret
        ),
    )?;
    let g = emulator.google_url();
    let google_endpoints = format!(
        "[profile.endpoints]\ntoken = \"{g}/token\"\ntokeninfo = \"{g}/tokeninfo\"\nrevoke = \"{g}/revoke\"\njwks = \"{g}/oauth2/v3/certs\"\n"
    );
    // The doctor's targets: Cloud Storage's bucket list for the project.
    let buckets = format!("probe = \"{g}/storage/v1/b?project=acme-data\"\n");
    let profiles = format!(
        "# Sample profiles for `tokentop demo`, pointing at the embedded emulator.\n\n\
         [[profile]]\nname = \"etl-dataproc\"\nplatform = \"dataproc\"\ngoogle_credentials = \"dataproc-etl.json\"\nscopes = [\"{CLOUD_PLATFORM}\"]\n{google_endpoints}{buckets}\n\
         [[profile]]\nname = \"nightly-dataflow\"\nplatform = \"dataflow\"\ngoogle_credentials = \"oncall-adc.json\"\n{google_endpoints}{buckets}\n\
         [[profile]]\nname = \"orders-api\"\nplatform = \"cloud-run\"\ngoogle_credentials = \"orders-invoker.json\"\naudience = \"{ORDERS_API}\"\n{google_endpoints}\n\
         [[profile]]\nname = \"lakehouse\"\nplatform = \"databricks\"\ndatabricks_config = \"databrickscfg\"\ndatabricks_profile = \"lakehouse\"\n\n\
         [[profile]]\nname = \"lakehouse-batch\"\nplatform = \"databricks\"\ndatabricks_config = \"databrickscfg\"\ndatabricks_profile = \"batch\"\n"
    );
    let path = dir.join("profiles.toml");
    write_private(&path, &profiles)?;
    Ok(path)
}

/// The Cloud Run service `orders-api` stands for.
const ORDERS_API: &str = "https://orders-api-x7k2q-uc.a.run.app";

/// What the doctor (`p`) finds in the demo: the emulator's Cloud Run
/// service takes `orders-api`'s audience from its invoker, and not
/// `billing-api`'s (an audience mistake to diagnose); the ETL account may
/// list the project's buckets (the on-call user may not: IAM). The
/// service's loopback URL is trusted by the sample folder's own
/// `config.toml`, which is returned.
pub fn seed_doctor(emulator: &Emulator, dir: &Path, profiles: &Path) -> std::io::Result<PathBuf> {
    let run = emulator.run_url();
    emulator.add_run_audience(ORDERS_API);
    emulator.grant_run_invoker("orders-invoker@acme-data.iam.gserviceaccount.com");
    emulator.grant_iam(
        "dataproc-etl@acme-data.iam.gserviceaccount.com",
        "acme-data",
        "storage.buckets.list",
    );
    let settings = dir.join("config.toml");
    write_private(&settings, &format!("trusted_endpoints = [\"{run}\"]\n"))?;
    let text = std::fs::read_to_string(profiles)?;
    // orders-api is sent to the emulator's service, not its real URL.
    let orders = format!("audience = \"{ORDERS_API}\"\n[profile.endpoints]\n");
    let mut text = text.replacen(&orders, &format!("{orders}probe = \"{run}/orders\"\n"), 1);
    let g = emulator.google_url();
    text.push_str(&format!(
        "\n[[profile]]\nname = \"billing-api\"\nplatform = \"cloud-run\"\ngoogle_credentials = \"orders-invoker.json\"\n\
         audience = \"https://billing-api-x7k2q-uc.a.run.app\"\n[profile.endpoints]\ntoken = \"{g}/token\"\n\
         jwks = \"{g}/oauth2/v3/certs\"\nprobe = \"{run}/invoices\"\n"
    ));
    // Any OIDC issuer: the workspace's own, with a client of its.
    let client = emulator.add_databricks_service_principal(DatabricksSpSpec {
        application_id: "0b1d2c3e-4f50-6172-8394-a5b6c7d8e9f0".into(),
        access_token_lifetime: Duration::from_secs(20 * 60),
    });
    write_private(&dir.join("reports-oidc.secret"), &client.client_secret)?;
    let host = emulator.databricks_url();
    text.push_str(&format!(
        "\n[[profile]]\nname = \"reports-oidc\"\nplatform = \"oidc\"\nissuer = \"{host}/oidc\"\n\
         client_id = \"{}\"\nclient_secret_file = \"reports-oidc.secret\"\nscopes = [\"all-apis\"]\n\
         [profile.endpoints]\nprobe = \"{host}/api/2.0/preview/scim/v2/Me\"\n",
        client.client_id
    ));
    write_private(profiles, &text)?;
    Ok(settings)
}

/// Adds what most Databricks users have: a personal access token that
/// never expires (the risk it is), and a `databricks auth login` whose
/// token the CLI caches under `dir` (the demo's home for Databricks).
pub fn seed_databricks_users(
    emulator: &Emulator,
    dir: &Path,
    profiles: &Path,
) -> std::io::Result<()> {
    let host = emulator.databricks_url();
    let (pat, _) = emulator.add_pat("analytics notebook", None, &[]);
    let login = emulator.add_u2m_login("oncall@acme.example", &[])?;
    emulator.write_databricks_cli_cache(dir, "dev", &login)?;
    let config = dir.join("databrickscfg");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str(&format!(
        "\n[analytics-pat]\nhost = {host}\ntoken = {pat}\n\n[dev]\nhost = {host}\nauth_type = databricks-cli\n"
    ));
    write_private(&config, &text)?;
    let mut text = std::fs::read_to_string(profiles)?;
    for name in ["analytics-pat", "dev"] {
        text.push_str(&format!(
            "\n[[profile]]\nname = \"{name}\"\nplatform = \"databricks\"\ndatabricks_config = \"databrickscfg\"\ndatabricks_profile = \"{name}\"\n"
        ));
    }
    write_private(profiles, &text)
}

/// Adds the kinds Dataflow and CI use instead of key files: a Dataflow
/// worker's service account impersonated by its launcher, and a CI job's
/// federated identity (a subject token file exchanged at STS, then
/// impersonating a reader), both revocable only by taking the role away.
pub fn seed_federated(emulator: &Emulator, dir: &Path, profiles: &Path) -> std::io::Result<()> {
    let hour = Duration::from_secs(3600);
    let launcher = emulator.add_google_service_account(ServiceAccountSpec {
        email: "dataflow-launcher@acme-data.iam.gserviceaccount.com".into(),
        project_id: "acme-data".into(),
        access_token_lifetime: hour,
    });
    let worker = "dataflow-worker@acme-data.iam.gserviceaccount.com";
    let reader = "ci-reader@acme-data.iam.gserviceaccount.com";
    for target in [worker, reader] {
        let _key = emulator.add_google_service_account(ServiceAccountSpec {
            email: target.into(),
            project_id: "acme-data".into(),
            access_token_lifetime: hour,
        });
    }
    emulator.allow_impersonation(ImpersonationGrant {
        member: "serviceAccount:dataflow-launcher@acme-data.iam.gserviceaccount.com".into(),
        target: worker.into(),
        extended_lifetime: false,
    });
    let pool = emulator.add_pool_provider(PoolProviderSpec {
        audience: "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci/providers/gitlab".into(),
        issuer: "https://gitlab.acme.example".into(),
        allowed_audiences: Vec::new(),
    })?;
    emulator.allow_impersonation(ImpersonationGrant {
        member: pool.all_members(),
        target: reader.into(),
        extended_lifetime: false,
    });
    // A CI job's OIDC token, good for the demo's day.
    let subject = emulator.mint_subject_token(
        &pool.audience,
        SubjectTokenSpec {
            subject: "project_path:acme/etl:ref:main".into(),
            audience: None,
            expires_in: 12 * 3600,
        },
    )?;
    let subject_file = dir.join("ci-oidc-token.jwt");
    write_private(&subject_file, &subject)?;
    let federated = emulator.external_account_file(ExternalAccountSpec {
        audience: pool.audience.clone(),
        source: SubjectSource::File(subject_file),
        impersonate: Some(reader.into()),
        token_lifetime_seconds: None,
        workforce_pool_user_project: None,
    })?;
    let impersonated = emulator.impersonated_service_account_file(&launcher, worker, &[]);
    write_private(&dir.join("dataflow-worker.json"), &impersonated.to_string())?;
    write_private(&dir.join("ci-federated.json"), &federated.to_string())?;
    let mut text = std::fs::read_to_string(profiles)?;
    // Both downscope at the emulator's STS (an access boundary).
    let sts = format!(
        "[profile.endpoints]\nsts = \"{}/v1/token\"\n",
        emulator.sts_url()
    );
    text.push_str(&format!(
        "\n[[profile]]\nname = \"dataflow-worker\"\nplatform = \"dataflow\"\ngoogle_credentials = \"dataflow-worker.json\"\n{sts}\n\
         [[profile]]\nname = \"ci-federated\"\nplatform = \"gcp\"\ngoogle_credentials = \"ci-federated.json\"\n{sts}",
    ));
    write_private(profiles, &text)
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// `tokentop emulator`: serves until interrupted; prints
/// `READY google=<url> databricks=<url> metadata=<host:port> sts=<url> iam=<url> run=<url>`
/// once listening
/// (new fields only ever go at the end). Each fault rule is
/// announced on stderr; at exit the fault counters go to stderr too.
pub async fn serve_emulator(
    credentials_dir: Option<PathBuf>,
    faults: Vec<FaultRule>,
) -> Result<ExitCode, String> {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .map_err(|e| format!("emulator: {e}"))?;
    for rule in faults {
        eprintln!("fault {rule}");
        emulator.set_faults(rule.endpoint, rule.plan);
    }
    if let Some(dir) = &credentials_dir {
        emulator
            .write_samples(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    println!(
        "READY google={} databricks={} metadata={} sts={} iam={} run={}",
        emulator.google_url(),
        emulator.databricks_url(),
        emulator.metadata_host(),
        emulator.sts_url(),
        emulator.iam_credentials_url(),
        emulator.run_url()
    );
    let _ = std::io::stdout().flush();
    terminated().await;
    let stats = emulator.fault_stats();
    if stats.endpoints.values().any(|s| s.injected() > 0) {
        eprint!("{stats}");
    }
    emulator.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT or SIGTERM.
async fn terminated() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
