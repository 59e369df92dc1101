//! One test per cause the doctor names, through `diagnose`.

use crate::model::decoded::SignatureCheck;
use crate::model::diagnosis::{Cause, Target, TokenFacts, diagnose};
use crate::model::probe::{ProbeResponse, TargetKind};
use crate::model::token::TokenRole;
use chrono::{DateTime, Duration, TimeZone, Utc};

const RUN: &str = "https://orders-x7k2q-uc.a.run.app";
const WORKSPACE: &str = "1234567890123456";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

fn id_token(aud: &str) -> TokenFacts {
    TokenFacts {
        role: Some(TokenRole::Id),
        fingerprint: "sha256:abcd".into(),
        jwt: true,
        issuer: Some("https://accounts.google.com".into()),
        audience: vec![aud.into()],
        expires_at: Some(now() + Duration::minutes(30)),
        not_before: Some(now() - Duration::minutes(30)),
        subject: Some("invoker@acme.iam.gserviceaccount.com".into()),
        signature: Some(SignatureCheck::Verified {
            kid: "k1".into(),
            jwks_url: "https://www.googleapis.com/oauth2/v3/certs".into(),
        }),
        ..TokenFacts::default()
    }
}

fn access_token(scopes: &[&str]) -> TokenFacts {
    TokenFacts {
        role: Some(TokenRole::Access),
        fingerprint: "sha256:ef01".into(),
        scopes: scopes.iter().map(|s| (*s).to_string()).collect(),
        expires_at: Some(now() + Duration::minutes(30)),
        subject: Some("etl@acme.iam.gserviceaccount.com".into()),
        ..TokenFacts::default()
    }
}

fn target(kind: TargetKind, url: &str) -> Target {
    Target {
        url: url.into(),
        kind,
        expected_audience: (kind == TargetKind::CloudRun).then(|| url.to_string()),
        workspace_id: (kind == TargetKind::Databricks).then(|| WORKSPACE.to_string()),
    }
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> ProbeResponse {
    ProbeResponse::read(
        status,
        |name| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_string())
        },
        body,
    )
}

const RUN_401: &str = "<html><head><title>401 Unauthorized</title></head><body><h1>Error: Unauthorized</h1><h2>Your client does not have permission to the requested URL <code>/</code>.</h2></body></html>";
const RUN_403: &str = "<html><head><title>403 Forbidden</title></head><body><h1>Error: Forbidden</h1><h2>Your client does not have permission to get URL <code>/</code> from this server.</h2></body></html>";

fn google_error(code: u16, status: &str, message: &str, reason: &str, extra: &str) -> String {
    format!(
        r#"{{"error":{{"code":{code},"message":"{message}","status":"{status}","details":[{{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"{reason}","domain":"googleapis.com","metadata":{{{extra}}}}}]}}}}"#
    )
}

fn cause(facts: &TokenFacts, target: &Target, r: &ProbeResponse) -> Cause {
    diagnose(facts, target, r, now()).cause
}

#[test]
fn a_2xx_is_accepted_with_the_time_left() {
    let d = diagnose(
        &id_token(RUN),
        &target(TargetKind::CloudRun, RUN),
        &answer(200, &[], "hello"),
        now(),
    );
    assert_eq!(d.cause, Cause::Accepted);
    assert!(d.evidence[0].contains("30m00s"), "{d:?}");
    assert_eq!(d.cause.class(), 0);
}

#[test]
fn expired_is_judged_by_the_servers_clock() {
    // Locally 10 s left, but the server's clock is a minute ahead.
    let mut facts = id_token(RUN);
    facts.expires_at = Some(now() + Duration::seconds(10));
    let date = [("date", "Mon, 30 Nov 2026 12:01:00 GMT")];
    let d = diagnose(
        &facts,
        &target(TargetKind::CloudRun, RUN),
        &answer(401, &date, RUN_401),
        now(),
    );
    assert_eq!(d.cause, Cause::Expired);
    assert_eq!(d.summary, "expired 50s ago");
    assert!(d.evidence.iter().any(|e| e.contains("60s behind")), "{d:?}");
    assert_eq!(d.cause.class(), 10);
}

#[test]
fn a_token_from_the_future_is_not_yet_valid() {
    let mut facts = access_token(&[]);
    facts.not_before = Some(now() + Duration::minutes(5));
    let d = diagnose(
        &facts,
        &target(TargetKind::OAuth, "https://api.example"),
        &answer(
            401,
            &[("www-authenticate", "Bearer error=\"invalid_token\"")],
            "",
        ),
        now(),
    );
    assert_eq!(d.cause, Cause::NotYetValid);
    assert_eq!(d.summary, "not valid for another 5m00s");
}

#[test]
fn cloud_run_with_another_audience_is_the_audience() {
    let d = diagnose(
        &id_token("https://billing-x7k2q-uc.a.run.app"),
        &target(TargetKind::CloudRun, RUN),
        &answer(401, &[], RUN_401),
        now(),
    );
    assert_eq!(d.cause, Cause::WrongAudience);
    assert!(
        d.evidence
            .iter()
            .any(|e| e.contains("billing-x7k2q") && e.starts_with("token aud"))
    );
    assert!(d.evidence.iter().any(|e| e.contains(RUN)));
    // The fix names the audience to set.
    assert!(
        d.evidence
            .iter()
            .any(|e| e.starts_with("fix:") && e.contains(&format!("audience = \"{RUN}\""))),
        "{:?}",
        d.evidence
    );
    assert_eq!(d.cause.class(), 11);
}

#[test]
fn cloud_run_audience_ignores_a_trailing_slash() {
    let d = diagnose(
        &id_token(&format!("{RUN}/")),
        &target(TargetKind::CloudRun, RUN),
        &answer(403, &[], RUN_403),
        now(),
    );
    assert_eq!(d.cause, Cause::Permission, "{d:?}");
}

#[test]
fn an_access_token_sent_to_cloud_run_is_the_wrong_type() {
    for status in [401, 403] {
        let d = diagnose(
            &access_token(&["https://www.googleapis.com/auth/cloud-platform"]),
            &target(TargetKind::CloudRun, RUN),
            &answer(status, &[], RUN_401),
            now(),
        );
        assert_eq!(d.cause, Cause::WrongTokenType, "HTTP {status}");
        assert!(d.summary.contains("needs an ID token"));
    }
}

#[test]
fn cloud_run_403_for_a_good_token_is_iam() {
    let d = diagnose(
        &id_token(RUN),
        &target(TargetKind::CloudRun, RUN),
        &answer(403, &[], RUN_403),
        now(),
    );
    assert_eq!(d.cause, Cause::Permission);
    assert!(d.summary.contains("roles/run.invoker"), "{}", d.summary);
    assert!(d.summary.contains("invoker@acme"));
    assert_eq!(d.cause.class(), 13);
}

#[test]
fn a_signature_that_does_not_verify_is_an_unknown_issuer_or_key() {
    let mut facts = id_token(RUN);
    facts.signature = Some(SignatureCheck::Failed {
        reason: "no key with kid k9".into(),
    });
    let d = diagnose(
        &facts,
        &target(TargetKind::CloudRun, RUN),
        &answer(401, &[], RUN_401),
        now(),
    );
    assert_eq!(d.cause, Cause::UnknownIssuer);
    assert!(d.evidence.iter().any(|e| e.contains("kid k9")));
    assert_eq!(d.cause.class(), 14);
}

#[test]
fn google_insufficient_scope_names_both_sides() {
    let header = r#"Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/devstorage.read_only https://www.googleapis.com/auth/cloud-platform""#;
    let body = google_error(
        403,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        "",
    );
    let d = diagnose(
        &access_token(&["https://www.googleapis.com/auth/userinfo.email"]),
        &target(
            TargetKind::GoogleApi,
            "https://storage.googleapis.com/storage/v1/b",
        ),
        &answer(403, &[("www-authenticate", header)], &body),
        now(),
    );
    assert_eq!(d.cause, Cause::ScopeMissing);
    assert!(d.evidence.iter().any(|e| e.contains("userinfo.email")));
    assert!(
        d.evidence
            .iter()
            .any(|e| e.starts_with("target takes") && e.contains("devstorage.read_only"))
    );
    assert_eq!(d.cause.class(), 12);
}

#[test]
fn google_iam_permission_is_not_the_token() {
    let body = google_error(
        403,
        "PERMISSION_DENIED",
        "Permission 'storage.buckets.list' denied on resource (or it may not exist).",
        "IAM_PERMISSION_DENIED",
        r#""permission":"storage.buckets.list""#,
    );
    let d = diagnose(
        &access_token(&["https://www.googleapis.com/auth/cloud-platform"]),
        &target(
            TargetKind::GoogleApi,
            "https://storage.googleapis.com/storage/v1/b",
        ),
        &answer(403, &[], &body),
        now(),
    );
    assert_eq!(d.cause, Cause::Permission);
    assert!(d.summary.contains("storage.buckets.list"), "{}", d.summary);
    assert!(d.evidence[0].contains("permission denied = IAM"));
}

#[test]
fn a_disabled_api_is_said_as_such() {
    let body = google_error(
        403,
        "PERMISSION_DENIED",
        "Cloud Storage API has not been used in project 32555940559 before or it is disabled.",
        "SERVICE_DISABLED",
        "",
    );
    let d = diagnose(
        &access_token(&["https://www.googleapis.com/auth/cloud-platform"]),
        &target(
            TargetKind::GoogleApi,
            "https://storage.googleapis.com/storage/v1/b",
        ),
        &answer(403, &[], &body),
        now(),
    );
    assert_eq!(d.cause, Cause::Permission);
    assert!(d.summary.contains("quota project"));
}

#[test]
fn google_401_after_the_issuer_forgot_it_is_revoked() {
    let mut facts = access_token(&["https://www.googleapis.com/auth/cloud-platform"]);
    facts.issuer_says_active = Some(false);
    let body = google_error(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials.",
        "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        "",
    );
    let google = target(TargetKind::GoogleApi, "https://storage.googleapis.com/x");
    let d = diagnose(&facts, &google, &answer(401, &[], &body), now());
    assert_eq!(d.cause, Cause::Revoked);
    assert_eq!(d.cause.class(), 14);
    // Without the issuer's word it is only "rejected".
    facts.issuer_says_active = None;
    assert_eq!(
        cause(&facts, &google, &answer(401, &[], &body)),
        Cause::Rejected
    );
}

#[test]
fn an_id_token_sent_to_a_google_api_is_the_wrong_type() {
    let body = google_error(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials.",
        "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        "",
    );
    let d = diagnose(
        &id_token(RUN),
        &target(TargetKind::GoogleApi, "https://storage.googleapis.com/x"),
        &answer(401, &[], &body),
        now(),
    );
    assert_eq!(d.cause, Cause::WrongTokenType);
    assert!(d.summary.contains("needs an access token"));
}

#[test]
fn databricks_invalid_access_token_is_a_rejection_not_a_permission() {
    let body = r#"{"error_code":403,"message":"Invalid access token."}"#;
    let d = diagnose(
        &access_token(&["all-apis"]),
        &target(
            TargetKind::Databricks,
            "https://adb-1.azuredatabricks.net/api",
        ),
        &answer(
            403,
            &[("x-databricks-reason-phrase", "Invalid access token.")],
            body,
        ),
        now(),
    );
    assert_eq!(d.cause, Cause::Rejected);
    assert!(d.evidence[0].contains("not a permission problem"));
}

#[test]
fn databricks_token_of_another_workspace() {
    let mut facts = access_token(&["all-apis"]);
    facts.audience = vec!["999".into()];
    let d = diagnose(
        &facts,
        &target(
            TargetKind::Databricks,
            "https://adb-1.azuredatabricks.net/api",
        ),
        &answer(
            403,
            &[],
            r#"{"error_code":"PERMISSION_DENIED","message":"Invalid access token."}"#,
        ),
        now(),
    );
    assert_eq!(d.cause, Cause::WrongWorkspace);
    assert!(d.evidence.iter().any(|e| e.contains(WORKSPACE)));
    let org = answer(
        403,
        &[],
        r#"{"error_code":403,"message":"Invalid access to Org: 42"}"#,
    );
    let workspace = target(TargetKind::Databricks, "https://x.cloud.databricks.com");
    assert_eq!(
        cause(&access_token(&[]), &workspace, &org),
        Cause::WrongWorkspace
    );
}

#[test]
fn databricks_thirty_second_margin_is_expiry() {
    let d = diagnose(
        &access_token(&["all-apis"]),
        &target(TargetKind::Databricks, "https://x.cloud.databricks.com"),
        &answer(
            403,
            &[],
            r#"{"error_code":403,"message":"Token is expiring within 30 seconds. (token expired)"}"#,
        ),
        now(),
    );
    assert_eq!(d.cause, Cause::Expired);
    assert!(d.summary.contains("30 s"));
}

#[test]
fn databricks_unsupported_credential_is_the_wrong_type() {
    let mut pat = access_token(&[]);
    pat.role = Some(TokenRole::Pat);
    let d = diagnose(
        &pat,
        &target(
            TargetKind::Databricks,
            "https://accounts.cloud.databricks.com/api/2.0/accounts/a/scim/v2/Me",
        ),
        &answer(
            401,
            &[],
            r#"{"error_code":401,"message":"Credential was not sent or was of an unsupported type for this API. [ReqId: 1]"}"#,
        ),
        now(),
    );
    assert_eq!(d.cause, Cause::WrongTokenType);
    assert!(d.evidence[0].contains("pat token"));
}

#[test]
fn databricks_scopes_and_object_permissions() {
    let workspace = target(TargetKind::Databricks, "https://x.cloud.databricks.com");
    let scopes = answer(
        403,
        &[],
        r#"{"error_code":"PERMISSION_DENIED","message":"Provided OAuth token does not have required scopes: clusters"}"#,
    );
    let d = diagnose(&access_token(&["sql"]), &workspace, &scopes, now());
    assert_eq!(d.cause, Cause::ScopeMissing);
    assert!(d.evidence.iter().any(|e| e == "target takes: clusters"));
    let object = answer(
        403,
        &[],
        r#"{"error_code":"PERMISSION_DENIED","message":"User a@b does not have permission to list clusters."}"#,
    );
    assert_eq!(
        cause(&access_token(&["all-apis"]), &workspace, &object),
        Cause::Permission
    );
}

#[test]
fn rfc6750_challenges_name_scope_and_invalid_token() {
    let api = target(TargetKind::OAuth, "https://issuer.example/me");
    let scope = answer(
        403,
        &[(
            "www-authenticate",
            r#"Bearer realm="op", error="insufficient_scope", error_description="access token missing 'openid' scope", scope="openid""#,
        )],
        r#"{"error":"insufficient_scope","error_description":"access token missing 'openid' scope"}"#,
    );
    let d = diagnose(&access_token(&["api:read"]), &api, &scope, now());
    assert_eq!(d.cause, Cause::ScopeMissing);
    assert!(d.evidence.iter().any(|e| e == "target takes: openid"));
    let invalid = answer(
        401,
        &[(
            "www-authenticate",
            r#"Bearer realm="op", error="invalid_token", error_description="invalid token provided""#,
        )],
        "",
    );
    let d = diagnose(&access_token(&[]), &api, &invalid, now());
    assert_eq!(d.cause, Cause::Rejected);
    assert!(
        d.summary.contains("invalid token provided"),
        "{}",
        d.summary
    );
}

#[test]
fn a_bare_401_is_unclear_and_a_redirect_is_not_acceptance() {
    let api = target(TargetKind::OAuth, "https://issuer.example/me");
    let d = diagnose(&access_token(&[]), &api, &answer(401, &[], ""), now());
    assert_eq!(d.cause, Cause::Unclear);
    assert_eq!(d.cause.class(), 15);
    let redirect = answer(302, &[("location", "https://login.example/")], "");
    let d = diagnose(&access_token(&[]), &api, &redirect, now());
    assert_eq!(d.cause, Cause::Unclear);
    assert!(d.summary.contains("https://login.example/"));
}

#[test]
fn revoked_here_and_the_audience_rule_for_an_oauth_target() {
    let mut api = target(TargetKind::OAuth, "https://api.example/v1");
    let invalid = answer(
        401,
        &[("www-authenticate", "Bearer error=\"invalid_token\"")],
        "",
    );
    let mut facts = access_token(&[]);
    facts.revoked_here = true;
    assert_eq!(cause(&facts, &api, &invalid), Cause::Revoked);
    api.expected_audience = Some("https://api.example".into());
    facts.audience = vec!["https://other.example".into()];
    assert_eq!(cause(&facts, &api, &invalid), Cause::WrongAudience);
}

#[test]
fn no_answer_is_unreachable() {
    let d = crate::model::Diagnosis::unreachable("connection refused");
    assert_eq!(d.cause, Cause::Unreachable);
    assert_eq!(d.cause.class(), 16);
}

#[test]
fn every_exit_class_is_documented() {
    use Cause::*;
    let all = [
        Accepted,
        Expired,
        NotYetValid,
        WrongAudience,
        WrongTokenType,
        WrongWorkspace,
        ScopeMissing,
        UnknownIssuer,
        Revoked,
        Rejected,
        Permission,
        Unclear,
        Unreachable,
        NotRun,
    ];
    for cause in all {
        assert!(
            Cause::EXIT_CLASSES
                .iter()
                .any(|(code, _)| *code == cause.class()),
            "{cause:?}"
        );
    }
}

#[test]
fn a_live_token_refused_is_another_resources_or_the_wrong_kind() {
    let userinfo = target(TargetKind::OAuth, "http://127.0.0.1:4000/me");
    let invalid = answer(
        401,
        &[(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="invalid token provided""#,
        )],
        "",
    );
    let mut facts = access_token(&["api:read"]);
    facts.issuer_says_active = Some(true);
    let d = diagnose(&facts, &userinfo, &invalid, now());
    assert_eq!(d.cause, Cause::WrongTokenType, "{d:?}");
    assert!(d.evidence.iter().any(|e| e.contains("userinfo")));
    // A JWT for another resource, verified by its issuer's keys.
    let mut jwt = access_token(&["api:read"]);
    jwt.jwt = true;
    jwt.audience = vec!["https://api.tokentop.test".into()];
    jwt.signature = Some(SignatureCheck::Verified {
        kid: "k".into(),
        jwks_url: "http://127.0.0.1:4000/jwks".into(),
    });
    let d = diagnose(&jwt, &userinfo, &invalid, now());
    assert_eq!(d.cause, Cause::WrongAudience, "{d:?}");
    // Its audience naming the target's origin: the kind, not the audience.
    jwt.audience = vec!["http://127.0.0.1:4000".into()];
    assert_eq!(cause(&jwt, &userinfo, &invalid), Cause::WrongTokenType);
}
