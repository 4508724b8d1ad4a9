//! The scrubber against realistic (and obviously fake) token formats, and
//! against the project's own files, where it must change nothing.
//!
//! Token-shaped strings are assembled at run time so this source holds no
//! literal that a secret scanner would flag.

use std::fs;
use std::path::Path;

use fixture_runtime::scrub::{scrub, Scrubber};

fn fake(prefix: &str, body: &str, len: usize) -> String {
    let mut token = prefix.to_owned();
    while token.len() < prefix.len() + len {
        token.push_str(body);
    }
    token.truncate(prefix.len() + len);
    token
}

/// `(kind, secret)` pairs, one or more per kind.
fn vectors() -> Vec<(&'static str, String)> {
    vec![
        (
            "anthropic-key",
            fake(&["sk", "ant", "api03-"].join("-"), "FAKE0fake1", 95),
        ),
        (
            "openai-key",
            fake(&["sk", "proj-"].join("-"), "FakeKey000", 48),
        ),
        ("openai-key", fake("sk-", "T3stOnly99", 48)),
        (
            "github-token",
            fake(&["gh", "p_"].concat(), "FAKEfake00", 36),
        ),
        (
            "github-token",
            fake(&["gh", "s_"].concat(), "AppTok3n00", 36),
        ),
        (
            "github-token",
            fake(&["gh", "u_"].concat(), "UserTok000", 36),
        ),
        (
            "github-token",
            fake(&["github", "_pat_"].concat(), "11FAKE0_x9", 82),
        ),
        ("aws-access-key", ["AKIA", "IOSFODNN7", "EXAMPLE"].concat()),
        (
            "slack-token",
            format!(
                "{}-123456789012-{}",
                ["xo", "xb"].concat(),
                fake("", "FakeSlack0", 24)
            ),
        ),
        (
            "google-api-key",
            fake(&["AI", "za"].concat(), "FakeGoogle_-0", 35),
        ),
        (
            "stripe-key",
            fake(&["sk", "_live_"].concat(), "FakeStripe", 24),
        ),
        (
            "stripe-key",
            fake(&["rk", "_test_"].concat(), "FakeStripe", 24),
        ),
        (
            "jwt",
            [
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
                "eyJzdWIiOiJmYWtlLXVzZXIiLCJpYXQiOjB9",
                "ZmFrZS1zaWduYXR1cmUtbm90LXJlYWwtMDAwMDAw",
            ]
            .join("."),
        ),
    ]
}

#[test]
fn every_kind_becomes_its_placeholder_in_context() {
    for (kind, secret) in vectors() {
        let text = format!("before {secret} after\n\"token\":\"{secret}\"");
        let want = format!("before <redacted:{kind}> after\n\"token\":\"<redacted:{kind}>\"");
        assert_eq!(scrub(&text), want, "{kind}");
        let finding = Scrubber::global().find(&text).expect(kind);
        assert_eq!((finding.kind, finding.offset), (kind, 7), "{kind}");
    }
}

#[test]
fn pem_private_keys_plain_and_json_escaped() {
    let begin = ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat();
    let end = ["-----END RSA ", "PRIVATE KEY-----"].concat();
    let plain = format!("key:\n{begin}\nMIIEfakeFAKEfake\nAAAA==\n{end}\nrest");
    assert_eq!(scrub(&plain), "key:\n<redacted:private-key>\nrest");
    let escaped = format!("{{\"content\":\"{begin}\\nMIIEfake\\n{end}\\n\"}}");
    assert_eq!(
        scrub(&escaped),
        "{\"content\":\"<redacted:private-key>\\n\"}"
    );
    let bare = [
        "-----BEGIN ",
        "PRIVATE KEY-----\nabc\n-----END ",
        "PRIVATE KEY-----",
    ]
    .concat();
    assert_eq!(scrub(&bare), "<redacted:private-key>");
}

#[test]
fn authorization_and_bearer_values_keep_their_header() {
    let value = fake("", "Fak3.Val-ue_", 32);
    assert_eq!(
        scrub(&format!("Authorization: Bearer {value}")),
        "Authorization: Bearer <redacted:authorization>"
    );
    assert_eq!(
        scrub(&format!("{{\"authorization\": \"Basic {value}\"}}")),
        "{\"authorization\": \"Basic <redacted:authorization>\"}"
    );
    assert_eq!(
        scrub(&format!("curl -H 'X-Auth: bearer {value}'")),
        "curl -H 'X-Auth: bearer <redacted:bearer-token>'"
    );
}

#[test]
fn secret_named_environment_values() {
    let cases = [
        (
            "ANTHROPIC_API_KEY=abc123def",
            "ANTHROPIC_API_KEY=<redacted:secret-env>",
        ),
        (
            "export GITHUB_TOKEN=\"xyz789\"",
            "export GITHUB_TOKEN=\"<redacted:secret-env>\"",
        ),
        (
            "DB_PASSWORD='hunter2'",
            "DB_PASSWORD='<redacted:secret-env>'",
        ),
        (
            "\"AWS_SECRET_ACCESS_KEY\": \"wJalrFAKE\"",
            "\"AWS_SECRET_ACCESS_KEY\": \"<redacted:secret-env>\"",
        ),
        (
            "{\"cmd\":\"MY_SECRET=\\\"v1\\\" run\"}",
            "{\"cmd\":\"MY_SECRET=\\\"<redacted:secret-env>\\\" run\"}",
        ),
        ("APIKEY=abc123def", "APIKEY=<redacted:secret-env>"),
        ("PGPASSWORD=hunter2", "PGPASSWORD=<redacted:secret-env>"),
        (
            "\\\"SLACK_TOKEN\\\": \\\"abc\\\"",
            "\\\"SLACK_TOKEN\\\": \\\"<redacted:secret-env>\\\"",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(scrub(text), want, "{text}");
    }
}

#[test]
fn look_alikes_are_left_alone() {
    for text in [
        "API_KEY=$API_KEY",
        "API_KEY=<your key here>",
        "const KEYWORDS: &[&str] = &[\"as\"];",
        "let token = get_token(); if key == other {}",
        "\"max_tokens\": 100, \"input_tokens\": 3",
        "Bearer tokens are checked; bearer auth",
        "scikit sk-learn task-1 ghp_short AKIA12",
        "msg_01XyZ toolu_01abc session_id",
        "Authorization: `Bearer` values",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "HOTKEY=F5 MONKEY=banana TURNKEY=yes",
    ] {
        assert_eq!(scrub(text), text);
        assert_eq!(Scrubber::global().find(text), None, "{text}");
    }
}

#[test]
fn deterministic_and_idempotent() {
    let text: String = vectors()
        .into_iter()
        .map(|(_, secret)| format!("x {secret} y\nTOKEN=abc\n"))
        .collect();
    let once = scrub(&text);
    assert_eq!(scrub(&text), once);
    assert_eq!(scrub(&once), once);
    assert_eq!(Scrubber::global().find(&once), None);
}

/// Zero false positives: the bundled fixtures and scenarios, the project's
/// own source and its docs come out unchanged. (This file, with its
/// vectors, is not among them.)
#[test]
fn project_files_come_out_unchanged() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut checked = 0;
    for root in [
        "fixtures",
        "scenarios",
        "fixture-runtime/src",
        "fixture-macros/src",
        "fixture-runtime/benches",
        "src",
        "tests",
        "docs",
    ] {
        for entry in walkdir::WalkDir::new(workspace.join(root)).sort_by_file_name() {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(text) = fs::read_to_string(entry.path()) else {
                continue;
            };
            if let Some(finding) = Scrubber::global().find(&text) {
                let line = text[..finding.offset].matches('\n').count() + 1;
                panic!(
                    "{}:{line}: flagged as {}",
                    entry.path().display(),
                    finding.kind
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} files checked");
}
