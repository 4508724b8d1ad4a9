//! The built-in rules: one entry per credential kind, in priority order
//! (where two match at the same place, the earlier one wins).
//!
//! Formats follow what the providers document and what gitleaks, GitHub
//! secret scanning, trufflehog and detect-secrets detect; `docs/SCENARIOS.md`
//! lists each kind with its shape and reference. A group named `secret` is
//! the part replaced (the rest of the match, such as `AccountKey=`, stays);
//! without one the whole match is. `\b` is an ASCII word boundary.

/// What a match must also pass to count as a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// The pattern says it all.
    None,
    /// A value assigned to a secret-named key: the name, the value's
    /// shape and its entropy decide (see `value.rs`).
    Assignment,
    /// The value of an `Authorization` header without a known scheme: it
    /// holds a digit and is not a bare scheme word.
    Authorization,
    /// A `bearer` token: it holds a digit.
    Bearer,
    /// A value that may be a reference (`${...}`, `%s`, `{name}`).
    NotReference,
}

/// One built-in rule.
pub(crate) struct Rule {
    pub kind: &'static str,
    pub check: Check,
    /// Literals of which every match holds one: only lines holding one
    /// are searched. Keywords are given lower-case, Capitalised and
    /// UPPER-case.
    pub anchors: &'static [&'static str],
    pub pattern: &'static str,
}

const fn rule(
    kind: &'static str,
    check: Check,
    anchors: &'static [&'static str],
    pattern: &'static str,
) -> Rule {
    Rule {
        kind,
        check,
        anchors,
        pattern,
    }
}

/// Characters of a URL's user and password: no separators, no quotes.
macro_rules! url_rule {
    ($kind:literal, $scheme:literal) => {
        rule(
            $kind,
            Check::NotReference,
            &["://"],
            concat!(
                r"\b",
                $scheme,
                r#"://[^\s:@/'"<>`]*:(?P<secret>[^\s@/'"<>`]+)@"#
            ),
        )
    };
}

/// A PEM private key, to its `END` line, also with JSON-escaped newlines;
/// a block cut short (no `END` line) to the end of its base64. Searched
/// anchored at each `-----BEGIN `, as the only rule that spans lines; its
/// body holds no `--`, so no search runs past the next block.
pub(crate) const PRIVATE_KEY: Rule = rule(
    "private-key",
    Check::None,
    &["-----BEGIN "],
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:(?:[A-Za-z0-9+/=\s\\:,.]|-[A-Za-z0-9])*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|(?:\s|\\[nr])*[A-Za-z0-9+/]{16}(?:[A-Za-z0-9+/=\s\\:,.]|-[A-Za-z0-9])*)",
);

/// The rules that match within one line, most specific first.
pub(crate) const RULES: &[Rule] = &[
    rule(
        "anthropic-key",
        Check::None,
        &["sk-ant-"],
        r"\bsk-ant-[A-Za-z0-9_-]{20,}",
    ),
    rule(
        "openai-key",
        Check::None,
        &["sk-"],
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
    ),
    rule(
        "github-token",
        Check::None,
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})",
    ),
    rule(
        "gitlab-token",
        Check::None,
        &[
            "glpat-",
            "gldt-",
            "glrt-",
            "glptt-",
            "glsoat-",
            "glcbt-",
            "glffct-",
            "gloas-",
            "glimt-",
            "glagent-",
            "GR1348941",
        ],
        r"\b(?:(?:glpat|gldt|glrt|glptt|glsoat|glcbt|glffct|gloas|glimt|glagent)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})",
    ),
    rule(
        "aws-access-key",
        Check::None,
        &[
            "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA", "A3T",
        ],
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b",
    ),
    rule(
        "aws-secret-key",
        Check::None,
        &["aws", "Aws", "AWS"],
        r#"\b(?i:aws)[A-Za-z0-9_.-]{0,20}(?i:secret)[A-Za-z0-9_.-]{0,20}(?:\\?["'])?\s*(?::=|=>|[:=])\s*(?:\\?["'])?(?P<secret>[A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|(?m:$))"#,
    ),
    rule(
        "slack-token",
        Check::None,
        &["xox", "xapp-"],
        r"\b(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,})",
    ),
    rule(
        "slack-webhook",
        Check::None,
        &["hooks.slack.com/"],
        r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}",
    ),
    rule(
        "google-api-key",
        Check::None,
        &["AIza"],
        r"\bAIza[0-9A-Za-z_-]{35}",
    ),
    rule(
        "google-oauth-secret",
        Check::None,
        &["GOCSPX-"],
        r"\bGOCSPX-[A-Za-z0-9_-]{28}",
    ),
    rule(
        "stripe-key",
        Check::None,
        &["sk_", "rk_", "pk_"],
        r"\b(?:sk|rk|pk)_(?:live|test|prod)_[0-9A-Za-z]{16,}",
    ),
    rule(
        "stripe-webhook-secret",
        Check::None,
        &["whsec_"],
        r"\bwhsec_[A-Za-z0-9+/=]{32,}",
    ),
    rule(
        "jwt",
        Check::None,
        &["eyJ"],
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ),
    rule(
        "npm-token",
        Check::None,
        &["npm_"],
        r"\bnpm_[A-Za-z0-9]{36}\b",
    ),
    rule(
        "pypi-token",
        Check::None,
        &["pypi-AgE"],
        r"\bpypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,}",
    ),
    rule(
        "huggingface-token",
        Check::None,
        &["hf_", "api_org_"],
        r"\b(?:hf_|api_org_)[A-Za-z]{34}\b",
    ),
    rule(
        "digitalocean-token",
        Check::None,
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        r"\bdo[opr]_v1_[a-f0-9]{64}\b",
    ),
    rule(
        "doppler-token",
        Check::None,
        &["dp."],
        r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b",
    ),
    rule(
        "twilio-api-key",
        Check::None,
        &["SK"],
        r"\bSK[0-9a-fA-F]{32}\b",
    ),
    rule(
        "sendgrid-key",
        Check::None,
        &["SG."],
        r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
    ),
    rule(
        "mailgun-key",
        Check::None,
        &["key-"],
        r"\bkey-[0-9a-f]{32}\b",
    ),
    rule(
        "mailchimp-key",
        Check::None,
        &["-us"],
        r"\b[0-9a-f]{32}-us[0-9]{1,2}\b",
    ),
    rule(
        "shopify-token",
        Check::None,
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
    ),
    rule(
        "square-token",
        Check::None,
        &["EAAA", "sq0atp-", "sq0csp-"],
        r"\b(?:EAAA[A-Za-z0-9_-]{22,60}|sq0atp-[A-Za-z0-9_-]{22,60}|sq0csp-[A-Za-z0-9_-]{43})",
    ),
    rule(
        "databricks-token",
        Check::None,
        &["dapi"],
        r"\bdapi[a-f0-9]{32}(?:-[0-9])?\b",
    ),
    rule(
        "atlassian-token",
        Check::None,
        &["ATATT3"],
        r"\bATATT3[A-Za-z0-9_=-]{180,}",
    ),
    rule(
        "linear-key",
        Check::None,
        &["lin_api_"],
        r"\blin_api_[A-Za-z0-9]{40}\b",
    ),
    rule(
        "postman-key",
        Check::None,
        &["PMAK-"],
        r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b",
    ),
    rule(
        "grafana-token",
        Check::None,
        &["glc_", "glsa_"],
        r"\b(?:glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})",
    ),
    rule(
        "vault-token",
        Check::None,
        &["hvs.", "hvb."],
        r"\bhv[sb]\.[A-Za-z0-9_-]{90,}",
    ),
    rule(
        "terraform-token",
        Check::None,
        &[".atlasv1."],
        r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}",
    ),
    rule(
        "telegram-bot-token",
        Check::None,
        &[":AA"],
        r"\b[0-9]{8,10}:AA[A-Za-z0-9_-]{33}\b",
    ),
    rule(
        "discord-webhook",
        Check::None,
        &["/api/webhooks/"],
        r"discord(?:app)?\.com/api/webhooks/[0-9]+/[A-Za-z0-9_-]{60,}",
    ),
    rule(
        "pulumi-token",
        Check::None,
        &["pul-"],
        r"\bpul-[a-f0-9]{40}\b",
    ),
    rule(
        "rubygems-key",
        Check::None,
        &["rubygems_"],
        r"\brubygems_[a-f0-9]{48}\b",
    ),
    rule(
        "groq-key",
        Check::None,
        &["gsk_"],
        r"\bgsk_[A-Za-z0-9]{52}\b",
    ),
    rule(
        "supabase-token",
        Check::None,
        &["sbp_"],
        r"\bsbp_[a-f0-9]{40}\b",
    ),
    rule(
        "newrelic-key",
        Check::None,
        &["NRAK-"],
        r"\bNRAK-[A-Z0-9]{27}\b",
    ),
    rule(
        "sentry-token",
        Check::None,
        &["sntrys_", "sntryu_"],
        r"\b(?:sntrys_[A-Za-z0-9+/=_-]{40,}|sntryu_[a-f0-9]{64}\b)",
    ),
    rule(
        "age-secret-key",
        Check::None,
        &["AGE-SECRET-KEY-1"],
        r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
    ),
    rule(
        "dynatrace-token",
        Check::None,
        &["dt0c01."],
        r"\bdt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b",
    ),
    rule(
        "flyio-token",
        Check::None,
        &["fo1_"],
        r"\bfo1_[A-Za-z0-9_-]{43}\b",
    ),
    rule(
        "planetscale-token",
        Check::None,
        &["pscale_"],
        r"\bpscale_(?:pw|tkn|oauth)_[A-Za-z0-9=._-]{32,64}\b",
    ),
    rule(
        "heroku-key",
        Check::None,
        &["HRKU-"],
        r"\bHRKU-AA[A-Za-z0-9_-]{58}\b",
    ),
    rule("nuget-key", Check::None, &["oy2"], r"\boy2[a-z0-9]{43}\b"),
    rule(
        "azure-storage-key",
        Check::None,
        &["AccountKey="],
        r"AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)",
    ),
    rule(
        "azure-sas-key",
        Check::None,
        &["SharedAccessKey="],
        r"SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{43}=)",
    ),
    rule(
        "azure-sas-token",
        Check::None,
        &["sig="],
        r"[?&]sig=(?P<secret>[A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})",
    ),
    rule(
        "azure-client-secret",
        Check::None,
        &["Q~"],
        r#"(?:(?m:^)|[\\'"`\s>=:(,)])(?P<secret>[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:(?m:$)|[\\'"`\s<),])"#,
    ),
    url_rule!("postgres-url", r"postgres(?:ql)?(?:\+[a-z0-9]+)?"),
    url_rule!("mysql-url", r"mysql(?:\+[a-z0-9]+)?"),
    url_rule!("mongodb-url", r"mongodb(?:\+srv)?"),
    url_rule!("redis-url", r"rediss?"),
    url_rule!("amqp-url", r"amqps?"),
    url_rule!("url-password", r"[a-z][a-z0-9+.-]*"),
    rule(
        "authorization",
        Check::None,
        &["authorization", "Authorization", "AUTHORIZATION"],
        r#"(?i:\bauthorization\b\\?["']?\s*[:=]\s*\\?["']?(?:bearer|basic|token|digest|negotiate|ntlm)[ \t]+)(?P<secret>[A-Za-z0-9._~+/-]{8,}=*)"#,
    ),
    rule(
        "authorization",
        Check::Authorization,
        &["authorization", "Authorization", "AUTHORIZATION"],
        r#"(?i:\bauthorization\b\\?["']?\s*[:=]\s*\\?["']?)(?P<secret>[A-Za-z0-9._~+/-]{8,}=*(?:[ \t]+[A-Za-z0-9._~+/,-]+=*)*)"#,
    ),
    rule(
        "bearer-token",
        Check::Bearer,
        &["bearer", "Bearer", "BEARER"],
        r"(?i:\bbearer\s+)(?P<secret>[A-Za-z0-9._~+/-]{16,}=*)",
    ),
    rule(
        "secret-assignment",
        Check::Assignment,
        &[
            "key",
            "Key",
            "KEY",
            "secret",
            "Secret",
            "SECRET",
            "token",
            "Token",
            "TOKEN",
            "pass",
            "Pass",
            "PASS",
            "pwd",
            "Pwd",
            "PWD",
            "credential",
            "Credential",
            "CREDENTIAL",
        ],
        r#"(?:\\?["'])?\b(?P<name>[A-Za-z0-9_.-]*(?i:key|secret|token|pass|pwd|credential)[A-Za-z0-9_.-]*)(?:\\?["'])?[ \t]*(?::=|=>|[:=])[ \t]*(?P<quote>\\?["'`])?(?P<secret>[^\s"'`\\<>$={}()\[\],;|&:]+={0,2})"#,
    ),
];
