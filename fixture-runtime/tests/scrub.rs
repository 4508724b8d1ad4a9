//! The scrubber against realistic (and obviously fake) samples of every
//! credential kind it knows, against benign look-alikes that must come out
//! byte for byte, and against the project's own files.
//!
//! Token-shaped strings are assembled at run time from parts, so this
//! source holds no literal that a secret scanner would flag.

use std::collections::BTreeSet;
use std::fs;

use fixture_runtime::scrub::{placeholder, scrub, ScrubConfig, Scrubber};
use proptest::prelude::*;

/// `prefix` followed by `body` repeated, cut to `len` characters after it.
fn fake(prefix: &str, body: &str, len: usize) -> String {
    let mut token = prefix.to_owned();
    while token.len() < prefix.len() + len {
        token.push_str(body);
    }
    token.truncate(prefix.len() + len);
    token
}

const HEX: &str = "0f1e2d3c4b5a6978";
const ALNUM: &str = "FaKe0sAmPlE1nOtReAl9";

/// A token that is the whole secret, shown in prose and in JSON.
fn token(kind: &'static str, secret: String) -> Vec<(&'static str, String, String)> {
    let p = placeholder(kind);
    vec![
        (
            kind,
            format!("before {secret} after"),
            format!("before {p} after"),
        ),
        (
            kind,
            format!("{{\"text\":\"got {secret}\"}}"),
            format!("{{\"text\":\"got {p}\"}}"),
        ),
    ]
}

/// A secret inside a longer text: `template` with `{}` where it stands.
fn inside(kind: &'static str, template: &str, secret: &str) -> (&'static str, String, String) {
    (
        kind,
        template.replace("{}", secret),
        template.replace("{}", &placeholder(kind)),
    )
}

/// `(kind, text, scrubbed)`: at least one sample per kind.
fn samples() -> Vec<(&'static str, String, String)> {
    let mut all = Vec::new();
    let mut tokens = |kind, secret| all.extend(token(kind, secret));
    tokens(
        "anthropic-key",
        fake(&["sk", "ant", "api03-"].join("-"), "FAKE0fake1", 95),
    );
    tokens(
        "openai-key",
        fake(&["sk", "proj-"].join("-"), "FakeKey000", 48),
    );
    tokens("openai-key", fake("sk-", "T3stOnly99", 48));
    tokens("github-token", fake(&["gh", "p_"].concat(), ALNUM, 36));
    tokens("github-token", fake(&["gh", "s_"].concat(), ALNUM, 36));
    tokens(
        "github-token",
        fake(&["github", "_pat_"].concat(), "11FAKE0_x9", 82),
    );
    tokens("gitlab-token", fake(&["gl", "pat-"].concat(), ALNUM, 20));
    tokens("gitlab-token", fake(&["gl", "rt-"].concat(), ALNUM, 20));
    tokens(
        "aws-access-key",
        ["AK", "IA", &fake("", "FAKE0SAMPLE1", 16)].concat(),
    );
    tokens(
        "slack-token",
        format!(
            "{}-123456789012-{}",
            ["xo", "xb"].concat(),
            fake("", ALNUM, 24)
        ),
    );
    tokens("google-api-key", fake(&["AI", "za"].concat(), ALNUM, 35));
    tokens(
        "google-oauth-secret",
        fake(&["GOC", "SPX-"].concat(), ALNUM, 28),
    );
    tokens("stripe-key", fake(&["sk", "_live_"].concat(), ALNUM, 24));
    tokens("stripe-key", fake(&["rk", "_test_"].concat(), ALNUM, 24));
    tokens(
        "stripe-webhook-secret",
        fake(&["wh", "sec_"].concat(), ALNUM, 32),
    );
    tokens(
        "jwt",
        [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "eyJzdWIiOiJmYWtlLXVzZXIiLCJpYXQiOjB9",
            "ZmFrZS1zaWduYXR1cmUtbm90LXJlYWwtMDAwMDAw",
        ]
        .join("."),
    );
    tokens("npm-token", fake(&["np", "m_"].concat(), ALNUM, 36));
    tokens(
        "pypi-token",
        fake(&["py", "pi-", "AgEIcHlwaS5vcmc"].concat(), ALNUM, 64),
    );
    tokens(
        "huggingface-token",
        fake(&["h", "f_"].concat(), "FakeHuggingFace", 34),
    );
    tokens(
        "digitalocean-token",
        fake(&["do", "p_v1_"].concat(), HEX, 64),
    );
    tokens("doppler-token", fake(&["dp", ".pt."].concat(), ALNUM, 43));
    tokens("twilio-api-key", fake(&["S", "K"].concat(), HEX, 32));
    tokens(
        "sendgrid-key",
        format!(
            "{}.{}",
            fake(&["S", "G."].concat(), ALNUM, 22),
            fake("", ALNUM, 43)
        ),
    );
    tokens("mailgun-key", fake(&["ke", "y-"].concat(), HEX, 32));
    tokens("mailchimp-key", format!("{}-us6", fake("", HEX, 32)));
    tokens("shopify-token", fake(&["shp", "at_"].concat(), HEX, 32));
    tokens("square-token", fake(&["sq0", "atp-"].concat(), ALNUM, 22));
    tokens("databricks-token", fake(&["da", "pi"].concat(), HEX, 32));
    tokens(
        "atlassian-token",
        fake(&["ATA", "TT3"].concat(), "FaKe_0-sample=", 186),
    );
    tokens("linear-key", fake(&["lin", "_api_"].concat(), ALNUM, 40));
    tokens(
        "postman-key",
        format!(
            "{}-{}",
            fake(&["PM", "AK-"].concat(), HEX, 24),
            fake("", HEX, 34)
        ),
    );
    tokens(
        "grafana-token",
        format!(
            "{}_{}",
            fake(&["gl", "sa_"].concat(), ALNUM, 32),
            fake("", HEX, 8)
        ),
    );
    tokens("vault-token", fake(&["hv", "s."].concat(), ALNUM, 95));
    tokens(
        "terraform-token",
        format!("{}.atlasv1.{}", fake("", ALNUM, 14), fake("", ALNUM, 64)),
    );
    tokens(
        "telegram-bot-token",
        format!("1234567890:{}", fake("AA", ALNUM, 33)),
    );
    tokens("pulumi-token", fake(&["pu", "l-"].concat(), HEX, 40));
    tokens("rubygems-key", fake(&["ruby", "gems_"].concat(), HEX, 48));
    tokens("groq-key", fake(&["gs", "k_"].concat(), ALNUM, 52));
    tokens("supabase-token", fake(&["sb", "p_"].concat(), HEX, 40));
    tokens(
        "newrelic-key",
        fake(&["NR", "AK-"].concat(), "FAKE0SAMPLE1", 27),
    );
    tokens("sentry-token", fake(&["sntr", "yu_"].concat(), HEX, 64));
    tokens(
        "age-secret-key",
        fake(
            &["AGE-SECRET", "-KEY-1"].concat(),
            "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
            58,
        ),
    );
    tokens(
        "dynatrace-token",
        format!(
            "{}.{}",
            fake(&["dt0", "c01."].concat(), "FAKE0SAMPLE1", 24),
            fake("", "FAKE0SAMPLE1", 64)
        ),
    );
    tokens("flyio-token", fake(&["fo", "1_"].concat(), ALNUM, 43));
    tokens(
        "planetscale-token",
        fake(&["pscale", "_pw_"].concat(), ALNUM, 40),
    );
    tokens("heroku-key", fake(&["HR", "KU-AA"].concat(), ALNUM, 58));
    tokens(
        "nuget-key",
        fake(&["oy", "2"].concat(), "fake0sample1notreal9", 43),
    );
    all.push(inside(
        "slack-webhook",
        "url: https://{}\n",
        &format!(
            "hooks.slack.com/services/T00000000/B00000000/{}",
            fake("", ALNUM, 24)
        ),
    ));
    all.push(inside(
        "discord-webhook",
        "url: https://{}\n",
        &format!(
            "discord.com/api/webhooks/123456789012345678/{}",
            fake("", ALNUM, 68)
        ),
    ));
    all.push(inside(
        "aws-secret-key",
        "[default]\naws_secret_access_key = {}\n",
        &fake("", "Fak3/Secr3t+Key0", 40),
    ));
    all.push(inside(
        "aws-secret-key",
        "export AWS_SECRET_ACCESS_KEY=\"{}\"",
        &fake("", "Fak3/Secr3t+Key0", 40),
    ));
    let account_key = format!("{}==", fake("", "FaKe0+sAmPlE/1", 86));
    all.push(inside(
        "azure-storage-key",
        "DefaultEndpointsProtocol=https;AccountName=fake;AccountKey={};EndpointSuffix=core.windows.net",
        &account_key,
    ));
    all.push(inside(
        "azure-sas-key",
        "Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={}",
        &format!("{}=", fake("", "FaKe0+sAmPlE/1", 43)),
    ));
    all.push(inside(
        "azure-sas-token",
        "https://fake.blob.core.windows.net/c/f.txt?sv=2022-11-02&sp=r&sig={}",
        &format!("{}%3D", fake("", "FaKe0sAmPlE1%2B", 44)),
    ));
    all.push(inside(
        "azure-client-secret",
        "the new client secret is {} (rotate it yearly)",
        &format!("abc8Q~{}", fake("", "FaKe0_sAmPlE.1~", 34)),
    ));
    for (kind, template) in [
        (
            "postgres-url",
            "DATABASE_URL=postgres://app:{}@db.internal:5432/app",
        ),
        (
            "postgres-url",
            "url = \"postgresql+psycopg://app:{}@db/app\"",
        ),
        ("mysql-url", "mysql://root:{}@127.0.0.1:3306/shop"),
        (
            "mongodb-url",
            "mongodb+srv://reader:{}@cluster0.fake.mongodb.net/db",
        ),
        ("redis-url", "REDIS_URL=redis://:{}@cache:6379/0"),
        ("amqp-url", "amqps://guest:{}@rabbit.internal/vhost"),
        (
            "url-password",
            "git clone https://user:{}@git.example.com/repo.git",
        ),
    ] {
        all.push(inside(kind, template, "S3cr3t-Passw0rd"));
    }
    let header = fake("", "Fak3.Val-ue_", 32);
    all.push(inside("authorization", "Authorization: Bearer {}", &header));
    all.push(inside(
        "authorization",
        "{\"authorization\": \"Basic {}\"}",
        &header,
    ));
    all.push(inside("authorization", "authorization: {}\n", &header));
    all.push(inside(
        "bearer-token",
        "curl -H 'X-Auth: bearer {}'",
        &header,
    ));
    for template in [
        "API_KEY={}",
        "export OPENAI_KEY=\"{}\"",
        "{\"client_secret\": \"{}\"}",
        "db_password: {}\n",
        "password = '{}'",
        "apiKey: \"{}\",",
        "{\"cmd\":\"MY_SECRET=\\\"{}\\\" run\"}",
        "SECRET_KEY_BASE={}\n",
        "PGPASSWORD={} psql",
        "token := \"{}\"",
    ] {
        all.push(inside("secret-assignment", template, "xK9#mQ2vL7pR4wZ"));
    }
    all.push(inside("secret-assignment", "DB_PASSWORD='{}'", "hunter22"));
    let begin = ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat();
    let end = ["-----END RSA ", "PRIVATE KEY-----"].concat();
    all.push(inside(
        "private-key",
        "key:\n{}\nrest",
        &format!("{begin}\nMIIEfakeFAKEfake\nAAAA==\n{end}"),
    ));
    all.push(inside(
        "private-key",
        "{\"content\":\"{}\\n\"}",
        &format!("{begin}\\nMIIEfake\\n{end}"),
    ));
    all.push(inside(
        "private-key",
        "$ head -3 id_ed25519\n{}",
        &format!(
            "{}\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAMwAAAAtzc2gt",
            ["-----BEGIN OPENSSH ", "PRIVATE KEY-----"].concat()
        ),
    ));
    all
}

#[test]
fn every_kind_has_a_sample_and_each_sample_scrubs_as_expected() {
    let samples = samples();
    for (kind, text, want) in &samples {
        assert_eq!(&scrub(text), want, "{kind}: {text}");
        let finding = Scrubber::global().find(text).expect(kind);
        assert_eq!(finding.kind, *kind, "{text}");
    }
    let sampled: BTreeSet<&str> = samples.iter().map(|(kind, _, _)| *kind).collect();
    let known: BTreeSet<&str> = Scrubber::global().kinds().into_iter().collect();
    assert_eq!(sampled, known, "every kind has a sample, and only those");
    assert!(known.len() >= 40, "{} kinds", known.len());
}

#[test]
fn the_reported_leaks_are_caught() {
    // The kinds a user found leaking: each is one of the samples above.
    let leaked = [
        "azure-storage-key",
        "npm-token",
        "pypi-token",
        "huggingface-token",
        "gitlab-token",
        "digitalocean-token",
        "twilio-api-key",
        "url-password",
        "aws-secret-key",
    ];
    let samples = samples();
    for kind in leaked {
        let (_, text, want) = samples
            .iter()
            .find(|(k, _, _)| *k == kind)
            .expect("sampled");
        assert_eq!(&scrub(text), want);
    }
}

/// Texts that look like secrets, or like assignments of them, and are not.
fn look_alikes() -> Vec<String> {
    let mut texts: Vec<String> = [
        // Hashes, digests, ids, checksums, data.
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "commit 4b58e96a1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
        "checksum = \"5d0b37f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3\"",
        "\"integrity\": \"sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==\"",
        "\"id\": \"123e4567-e89b-12d3-a456-426614174000\"",
        "\"data\": \"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"",
        "etag: W/\"0815f0c2b8c1d2e3f4a5b6c7d8e9f0a1\"",
        // References to secrets held elsewhere.
        "token: ${{ secrets.GITHUB_TOKEN }}",
        "API_KEY=os.environ['API_KEY']",
        "api_key = os.environ.get(\"API_KEY\")",
        "const token = process.env.GITHUB_TOKEN;",
        "password = getpass()",
        "password = getpass.getpass(\"Password: \")",
        "API_KEY=$API_KEY",
        "TOKEN=\"${TOKEN}\"",
        "password: \"{{ vault_db_password }}\"",
        "api_key = \"<your-token-here>\"",
        "API_KEY=<your key here>",
        "password: %(db_password)s",
        "postgres://app:${DB_PASSWORD}@db/app",
        "redis://:%s@cache:6379",
        // Short, low-entropy or non-literal values of secret-named keys.
        "PASSWORD_MIN_LENGTH=12",
        "MAX_TOKENS=4096",
        "\"max_tokens\": 100, \"input_tokens\": 3",
        "token_type: bearer",
        "SECRET_NAME=prod-db",
        "password: String,",
        "fn check(token: &str, secret: Option<String>) {}",
        "let token = get_token();",
        "if password == expected {",
        "self.token = token",
        "password=args.password",
        "key: value",
        "sort_key = \"created_at\"",
        "password = \"********\"",
        "TOKEN=xxxxxxxxxxxx",
        "secret = true",
        "GITHUB_TOKEN=abc",
        // Words and URLs that are no credentials.
        "Bearer tokens are checked; bearer authentication-mechanisms",
        "Authorization: required for every endpoint",
        "Authorization: `Bearer` values",
        "https://example.com:8080/path?q=1",
        "git@github.com:org/repo.git",
        "postgres://localhost:5432/app",
        "scikit sk-learn task-1 ghp_short AKIA12 SKIP",
        "msg_01XyZ toolu_01abc session_id",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----",
        "const HEADER: &str = \"-----BEGIN PRIVATE KEY-----\";",
        "HOTKEY=F5 MONKEY=banana TURNKEY=yes",
        "const KEYWORDS: &[&str] = &[\"as\"];",
        "PWD=/home/user/project OLDPWD=/tmp",
        "author: \"Jane Doe <jane@example.com>\"",
    ]
    .map(str::to_owned)
    .to_vec();
    // Every placeholder, in the shapes its rule matches, scrubs to itself.
    for kind in Scrubber::global().kinds() {
        let p = placeholder(kind);
        texts.push(format!(
            "API_KEY={p} \"password\": \"{p}\" Authorization: Bearer {p}"
        ));
        texts.push(format!(
            "https://user:{p}@host Authorization: Negotiate {p}"
        ));
        texts.push(format!("AccountKey={p};sig={p}"));
    }
    texts
}

#[test]
fn look_alikes_come_out_byte_for_byte() {
    for text in look_alikes() {
        assert_eq!(scrub(&text), text);
        assert_eq!(Scrubber::global().find(&text), None, "{text}");
    }
}

#[test]
fn the_same_secret_gets_the_same_placeholder_and_scrubbing_is_idempotent() {
    let secret = fake(&["gh", "p_"].concat(), ALNUM, 36);
    let text = format!("a {secret} b {secret}\nGITHUB_TOKEN={secret}");
    let once = scrub(&text);
    let p = placeholder("github-token");
    assert_eq!(once, format!("a {p} b {p}\nGITHUB_TOKEN={p}"));
    // Pieces scrubbed apart give what the whole gives.
    let pieces: Vec<String> = text.split('\n').map(scrub).collect();
    assert_eq!(pieces.join("\n"), once);

    let all: String = samples()
        .into_iter()
        .map(|(_, text, _)| format!("{text}\n"))
        .collect();
    let once = scrub(&all);
    assert_eq!(scrub(&all), once, "deterministic");
    assert_eq!(scrub(&once), once, "idempotent");
    assert_eq!(Scrubber::global().find(&once), None);
}

/// A secret that ends inside a word leaves the rest of the word after its
/// placeholder's `>`: what follows is judged as the scrubbed text shows
/// it, so a name that starts there (`_KEYAccountKey=`) is one on the first
/// pass, not only on the second. One that starts inside a word takes the
/// word's start with it, and what comes before a secret is judged as
/// ending at the placeholder's `<`.
#[test]
fn what_follows_a_placeholder_is_judged_as_the_scrubbed_text_shows_it() {
    let begin = ["-----BEGIN ", "PRIVATE KEY-----"].concat();
    let google = fake(&["AI", "za"].concat(), ALNUM, 35);
    let cases = [
        // A PEM block cut short ends its base64 at the `_` of `API_KEY`.
        (
            [
                begin.as_str(),
                "password",
                "password",
                "API_KEY",
                "AccountKey=",
                &["gh", "p_"].concat(),
                "@host",
                "@host",
                "=",
                "API_KEY",
                "API_KEY",
            ]
            .concat(),
            format!(
                "{}_KEYAccountKey={}API_KEYAPI_KEY",
                placeholder("private-key"),
                placeholder("secret-assignment")
            ),
        ),
        (
            [
                begin.as_str(),
                "password",
                "password",
                "_",
                "AccountKey=",
                "b-a_L0A+",
            ]
            .concat(),
            format!(
                "{}_AccountKey={}",
                placeholder("private-key"),
                placeholder("secret-assignment")
            ),
        ),
        // A token of fixed length, with more of the word after it.
        (
            format!("{google}Xsecret_token=Zq9xLm2Pw7Rt"),
            format!(
                "{}Xsecret_token={}",
                placeholder("google-api-key"),
                placeholder("secret-assignment")
            ),
        ),
        // A secret that starts inside a word takes the word's start: a
        // token before it would otherwise end at the placeholder's `<`.
        (
            format!(
                "{}hooks.slack.com/services/T00000000/B00000000/{}",
                fake(&["S", "K"].concat(), HEX, 32),
                fake("", ALNUM, 24)
            ),
            placeholder("slack-webhook"),
        ),
        // A value that runs on into a secret ends at its placeholder's `<`.
        (
            format!(
                "got abc8Q~{}.{}",
                fake("", "FaKe0_sAmPlE.1~", 30),
                fake(&["gh", "p_"].concat(), ALNUM, 36)
            ),
            format!(
                "got {}{}",
                placeholder("azure-client-secret"),
                placeholder("github-token")
            ),
        ),
        (
            format!(
                "got abc8Q~{}.{begin}\nMIIEfake\n{}",
                fake("", "FaKe0_sAmPlE.1~", 30),
                ["-----END ", "PRIVATE KEY-----"].concat()
            ),
            format!(
                "got {}{}",
                placeholder("azure-client-secret"),
                placeholder("private-key")
            ),
        ),
    ];
    for (text, want) in cases {
        let once = scrub(&text);
        assert_eq!(once, want, "{text}");
        assert_eq!(scrub(&once), once, "{text}");
        assert_eq!(Scrubber::global().find(&once), None, "{once}");
    }
}

#[test]
fn user_patterns_and_allowed_values() {
    let config = ScrubConfig::new()
        .pattern("acme-token", r"\bacme_[0-9a-f]{16}\b")
        .pattern("acme-pin", r"pin=(?P<secret>[0-9]{6})")
        .allow(r"AKIA[A-Z0-9]*EXAMPLE");
    let scrubber = Scrubber::with_config(&config).unwrap();
    let example = ["AK", "IAIOSFODNN7", "EXAMPLE"].concat();
    let real = ["AK", "IA", "FAKE0SAMPLE1FAKE"].concat();
    let text = format!("acme_0123456789abcdef pin=123456 {example} {real}");
    assert_eq!(
        scrubber.scrub(&text),
        format!(
            "<redacted:acme-token> pin=<redacted:acme-pin> {example} <redacted:aws-access-key>"
        )
    );
    assert_eq!(scrubber.kinds()[..2], ["acme-token", "acme-pin"]);
    // Without the configuration, the built-in rules alone.
    assert!(scrub(&text).starts_with("acme_0123456789abcdef pin=123456 <redacted:aws-access-key>"));

    // A pattern without a literal prefix is searched everywhere.
    let anywhere =
        Scrubber::with_config(&ScrubConfig::new().pattern("pin", r"[0-9]{6}-pin")).unwrap();
    assert_eq!(anywhere.scrub("x 123456-pin y"), "x <redacted:pin> y");
    assert_eq!(
        anywhere.scrub(&format!("{real}\n")),
        "<redacted:aws-access-key>\n"
    );
}

#[test]
fn bad_configurations_are_errors_naming_the_entry() {
    let cases = [
        (
            ScrubConfig::new().pattern("Acme Token", "acme_[0-9]+"),
            "patterns[0].kind",
        ),
        (
            ScrubConfig::new().pattern("acme", "acme_[0-9"),
            "patterns[0].regex",
        ),
        (
            ScrubConfig::new().pattern("acme", "x*"),
            "patterns[0].regex",
        ),
        (
            ScrubConfig::new()
                .pattern("ok", "ok_[0-9]+")
                .pattern("loop", r"<redacted:[a-z]+>"),
            "patterns[1].regex",
        ),
        (ScrubConfig::new().allow("(unclosed"), "allow[0]"),
    ];
    for (config, path) in cases {
        let err = Scrubber::with_config(&config).err().expect(path);
        assert_eq!(err.path, path, "{err}");
    }
}

/// Shapes that make a naive scanner backtrack or rescan: each, 64 KiB
/// long, finishes and scrubs idempotently (no timing is asserted; the
/// scrubber bench measures them at 1 and 4 MB, see `BENCHMARKS.md`).
#[test]
fn adversarial_shapes_finish() {
    let begin = ["-----BEGIN ", "PRIVATE KEY-----"].concat();
    for unit in [
        "token:".to_owned(),
        "API_KEY=A_KEY=".to_owned(),
        "Authorization=abcdefgh ".to_owned(),
        format!("{begin}\nAAAA"),
        begin.clone(),
        "https://u:p".to_owned(),
        "key ".to_owned(),
        "a".to_owned(),
        "sk-".to_owned(),
    ] {
        let text = unit.repeat((64 << 10) / unit.len());
        let once = scrub(&text);
        assert_eq!(scrub(&once), once, "{unit}");
    }
}

/// Pieces that build credential-like texts: prefixes, names, separators,
/// quotes, placeholders.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("API_KEY".to_owned()),
        Just("password".to_owned()),
        Just("token".to_owned()),
        Just("Authorization: ".to_owned()),
        Just("Bearer ".to_owned()),
        Just("https://u:".to_owned()),
        Just("@host".to_owned()),
        Just(["gh", "p_"].concat()),
        Just(["sk", "-ant-"].concat()),
        Just(["AK", "IA"].concat()),
        Just(["-----BEGIN ", "PRIVATE KEY-----"].concat()),
        Just(["-----END ", "PRIVATE KEY-----"].concat()),
        Just("<redacted:github-token>".to_owned()),
        Just("AccountKey=".to_owned()),
        Just("Q~".to_owned()),
        Just("$".to_owned()),
        "[=:\"' \n\\\\]".prop_map(|s| s),
        "[A-Za-z0-9+/_.-]{1,48}".prop_map(|s| s),
        any::<char>().prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// No input panics, and scrubbing is idempotent: a placeholder is never
    /// scrubbed again, and no secret is left for a second pass.
    #[test]
    fn scrubbing_never_panics_and_is_idempotent(pieces in prop::collection::vec(piece(), 0..40)) {
        let text: String = pieces.concat();
        let once = scrub(&text);
        prop_assert_eq!(scrub(&once), once.clone());
        prop_assert_eq!(Scrubber::global().find(&once), None);
    }

    /// Any string at all: no panic, same output twice.
    #[test]
    fn arbitrary_text_is_handled(text in any::<String>()) {
        let once = scrub(&text);
        prop_assert_eq!(scrub(&text), once.clone());
        prop_assert_eq!(scrub(&once), once);
    }
}

/// A scenario's own `scrub` field, and a suite's, reach its validation.
#[test]
fn scenario_scrub_settings_reach_validation() {
    use fixture_runtime::scenario::{validate, validate_with, Limits};
    let dir = tempfile::tempdir().unwrap();
    let manifest = |scrub: &str| {
        format!(
            "{{\"schema_version\": 1, \"recipe\": {{}}, \"step_sequence\": [], \
             \"recorder\": {{\"name\": \"fixture-kit\", \"version\": \"0\"}}, \
             \"complete\": true{scrub}}}"
        )
    };
    fs::write(dir.path().join("notes.txt"), "id acme_0123456789abcdef\n").unwrap();
    let secrets = |problems: Vec<fixture_runtime::scenario::Problem>| -> Vec<String> {
        problems
            .iter()
            .map(ToString::to_string)
            .filter(|p| p.contains("secret") || p.contains("scrub"))
            .collect()
    };
    fs::write(dir.path().join("scenario.json"), manifest("")).unwrap();
    assert_eq!(
        secrets(validate(dir.path(), &Limits::default())),
        Vec::<String>::new()
    );
    let suite = ScrubConfig::new().pattern("acme-token", r"\bacme_[0-9a-f]{16}\b");
    let found = secrets(validate_with(dir.path(), &Limits::default(), &suite));
    assert!(
        found[0].contains("a secret remains (acme-token)"),
        "{found:?}"
    );

    let own =
        r#", "scrub": {"patterns": [{"kind": "acme-token", "regex": "\\bacme_[0-9a-f]{16}\\b"}]}"#;
    fs::write(dir.path().join("scenario.json"), manifest(own)).unwrap();
    let found = secrets(validate(dir.path(), &Limits::default()));
    assert!(
        found[0].contains("notes.txt:1: a secret remains (acme-token)"),
        "{found:?}"
    );

    let allowed = r#", "scrub": {"patterns": [{"kind": "acme-token", "regex": "\\bacme_[0-9a-f]{16}\\b"}], "allow": ["acme_0123.*"]}"#;
    fs::write(dir.path().join("scenario.json"), manifest(allowed)).unwrap();
    assert_eq!(
        secrets(validate(dir.path(), &Limits::default())),
        Vec::<String>::new()
    );

    let broken = r#", "scrub": {"patterns": [{"kind": "acme", "regex": "acme_[0-9"}]}"#;
    fs::write(dir.path().join("scenario.json"), manifest(broken)).unwrap();
    let found = secrets(validate(dir.path(), &Limits::default()));
    assert!(
        found[0].contains("scrub.patterns[0].regex: does not compile"),
        "{found:?}"
    );
}

/// 512 cases each, or `PROPTEST_CASES` for a longer run.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(512)
}
