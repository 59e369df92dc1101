//! Fixture rows and reports with fixed ids, times and fingerprints, so
//! snapshots are stable.

#![allow(dead_code)] // each test binary uses its own subset

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use tokentop::engine::protocol::Update;
use tokentop::model::{
    Capabilities, CredentialId, DecodeReport, DecodedBody, FixedClock, Kind, Platform, Problem,
    ProviderError, Row, SignatureCheck, Status, TokenRole,
};
use tokentop::tui::app::App;
use tokentop::tui::event::Event;
use tokentop::tui::keymap::Keymap;
use tokentop::tui::theme::Themes;

/// 2026-11-25 10:00:00 UTC.
pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_600_800, 0).expect("valid")
}

pub const CLOUD: &str = "https://www.googleapis.com/auth/cloud-platform";

fn row(
    profile: &str,
    platform: Platform,
    kind: Kind,
    principal: &str,
    lifetime_s: i64,
    left_s: i64,
) -> Row {
    let now = t0();
    Row {
        id: CredentialId(format!("/fixtures/{profile}.json#{profile}")),
        profile: profile.into(),
        platform,
        kind,
        principal: principal.into(),
        source: format!("/fixtures/{profile}.json"),
        trusted_endpoints: Vec::new(),
        token_role: Some(TokenRole::Access),
        fingerprint: Some(format!("sha256:{:08x}", profile.len() * 0x1f2e3d)),
        issued_at: Some(now - Duration::seconds(lifetime_s - left_s)),
        expires_at: Some(now + Duration::seconds(left_s)),
        scopes: vec![CLOUD.into()],
        audience: None,
        credential_type: kind.google_type(),
        active_adc: false,
        shadowed_by: None,
        project: None,
        quota_project: None,
        gcloud_account: None,
        gcloud_configurations: Vec::new(),
        gcloud_active: false,
        details: Vec::new(),
        derived_from: None,
        depends_on: None,
        host: None,
        auth_type: None,
        account_id: None,
        workspace_id: None,
        cloud: None,
        configured_scopes: None,
        active: false,
        tokens: Vec::new(),
        status: Status::Live,
        error: None,
        fix: None,
        warning: None,
        busy: None,
        capabilities: Capabilities {
            refresh_blocked: None,
            revoke_blocked: (platform == Platform::Databricks)
                .then_some("Databricks has no token revocation endpoint"),
            downscope_blocked: None,
        },
        auto_refresh: false,
    }
}

/// Five rows: fresh, expiring, stale, expired, and one whose refresh failed.
pub fn rows() -> Vec<Row> {
    let mut run = row(
        "orders-api",
        Platform::CloudRun,
        Kind::ServiceAccountIdToken,
        "orders-invoker@acme-data.iam.gserviceaccount.com",
        180,
        170,
    );
    run.token_role = Some(TokenRole::Id);
    run.scopes = vec![];
    run.audience = Some("https://orders-api-x7k2q-uc.a.run.app".into());
    let mut lake = row(
        "lakehouse",
        Platform::Databricks,
        Kind::DatabricksM2m,
        "6d3c3f4e-1111-2222-3333-444455556666",
        1800,
        1500,
    );
    lake.scopes = vec!["all-apis".into()];
    lake.audience = Some("1234567890123456".into());
    let mut flow = row(
        "nightly-dataflow",
        Platform::Dataflow,
        Kind::User,
        "oncall@acme.example",
        3600,
        420,
    );
    flow.error = Some(Problem::Provider {
        op: "refresh",
        error: ProviderError::Rejected {
            endpoint: "https://oauth2.googleapis.com/token".into(),
            status: 400,
            error: Some("invalid_grant".into()),
            message: "invalid_grant: Token has been expired or revoked.".into(),
        },
    });
    vec![
        row(
            "etl-dataproc",
            Platform::Dataproc,
            Kind::ServiceAccount,
            "dataproc-etl@acme-data.iam.gserviceaccount.com",
            3300,
            3000,
        ),
        flow,
        run,
        lake,
        row(
            "old-adc",
            Platform::Gcp,
            Kind::User,
            "me@acme.example",
            3600,
            -90,
        ),
    ]
}

/// A dashboard fed the fixture rows, on a clock stopped at [`t0`].
pub fn app() -> App {
    app_on(Arc::new(FixedClock::at(t0())))
}

/// A dashboard fed the fixture rows, on `clock`.
pub fn app_on(clock: Arc<FixedClock>) -> App {
    let mut app = App::new(
        Keymap::default_keys().expect("keymap"),
        Themes::built_in().expect("themes"),
        clock,
    );
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows: rows(),
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    app
}

/// A verified JWT decode report for `id`.
pub fn jwt_report(id: &CredentialId) -> DecodeReport {
    let exp = t0().timestamp() + 170;
    DecodeReport {
        id: id.clone(),
        profile: "orders-api".into(),
        fingerprint: "sha256:0badc0de".into(),
        body: DecodedBody::Jwt {
            header: serde_json::json!({"alg": "RS256", "kid": "g-key-1", "typ": "JWT"}),
            claims: serde_json::json!({
                "aud": "https://orders-api-x7k2q-uc.a.run.app",
                "azp": "104882374601227389183",
                "email": "orders-invoker@acme-data.iam.gserviceaccount.com",
                "email_verified": true,
                "exp": exp,
                "iat": exp - 180,
                "iss": "https://accounts.google.com",
                "sub": "104882374601227389183",
            }),
            signature: SignatureCheck::Verified {
                kid: "g-key-1".into(),
                jwks_url: "https://www.googleapis.com/oauth2/v3/certs".into(),
            },
        },
    }
}

/// The doctor's report for `id`: an ID token minted for another Cloud Run
/// service, refused with Cloud Run's 401 page (the rules name the cause).
pub fn doctor_report(id: &CredentialId) -> tokentop::model::DoctorReport {
    use tokentop::model::{ProbeResponse, Target, TargetKind, TokenFacts};
    let service = "https://orders-api-x7k2q-uc.a.run.app";
    let token = TokenFacts {
        role: Some(TokenRole::Id),
        fingerprint: "sha256:0badc0de".into(),
        jwt: true,
        issuer: Some("https://accounts.google.com".into()),
        audience: vec!["https://billing-x7k2q-uc.a.run.app".into()],
        expires_at: Some(t0() + Duration::seconds(170)),
        not_before: Some(t0() - Duration::seconds(10)),
        subject: Some("orders-invoker@acme-data.iam.gserviceaccount.com".into()),
        signature: Some(SignatureCheck::Verified {
            kid: "g-key-1".into(),
            jwks_url: "https://www.googleapis.com/oauth2/v3/certs".into(),
        }),
        ..TokenFacts::default()
    };
    let target = Target {
        url: format!("{service}/orders"),
        kind: TargetKind::CloudRun,
        expected_audience: Some(service.into()),
        workspace_id: None,
    };
    let page = "<html><head><title>401 Unauthorized</title></head><body><h1>Error: Unauthorized</h1></body></html>";
    let response = ProbeResponse::read(
        401,
        |name| (name == "date").then(|| "Wed, 25 Nov 2026 10:00:03 GMT".to_string()),
        page,
    );
    let diagnosis = tokentop::model::diagnose(&token, &target, &response, t0());
    tokentop::model::DoctorReport {
        id: id.clone(),
        profile: "orders-api".into(),
        at: t0(),
        target: Some(target),
        token,
        response: Some(response),
        diagnosis,
    }
}
