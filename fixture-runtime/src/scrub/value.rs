//! The checks a match passes before it counts as a secret: whether a name
//! says "secret", whether a value is a literal rather than a reference to
//! one, and how random it is. Each runs on one match, in time linear in it.

/// How a secret-named key's value is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    /// `password`, `passwd`, `passphrase`, `db_pass`: people choose these,
    /// so the bar is lower.
    Password,
    /// `token`, `secret`, `api_key`, `credentials`: machine-made values.
    Other,
}

/// Minimum length and Shannon entropy (bits per character) of a value
/// assigned to a password-named key, and to any other secret-named key.
/// detect-secrets flags hex strings from 3.0 bits; gitleaks' generic rule
/// asks 3.5 of values of 10 characters or more.
pub(crate) const PASSWORD_MIN: (usize, f64) = (6, 2.0);
pub(crate) const SECRET_MIN: (usize, f64) = (8, 3.0);

/// Words that, after the secret word, make a name describe the secret
/// rather than hold it: `PASSWORD_MIN_LENGTH`, `token_type`, `SECRET_NAME`.
const METADATA: &[&str] = &[
    "count",
    "description",
    "dir",
    "enabled",
    "endpoint",
    "env",
    "expires",
    "expiry",
    "field",
    "file",
    "format",
    "header",
    "hint",
    "host",
    "id",
    "kind",
    "label",
    "len",
    "length",
    "lifetime",
    "limit",
    "max",
    "min",
    "mode",
    "name",
    "param",
    "path",
    "pattern",
    "placeholder",
    "policy",
    "prefix",
    "regex",
    "required",
    "size",
    "ttl",
    "type",
    "uri",
    "url",
    "var",
];

/// Words before `key` that make it a credential: `api_key`, `SIGNING_KEY`.
const KEY_QUALIFIERS: &[&str] = &[
    "access",
    "account",
    "api",
    "app",
    "auth",
    "client",
    "consumer",
    "encryption",
    "license",
    "master",
    "private",
    "secret",
    "service",
    "session",
    "signing",
];

/// Values that are words of a language or a config format, not secrets.
const LITERALS: &[&str] = &[
    "false",
    "nil",
    "none",
    "null",
    "optional",
    "required",
    "true",
    "undefined",
];

/// Whether `value`, assigned to the key `name`, is a literal secret. The
/// value is `quoted` or not, and `next` is the character after it.
pub(crate) fn assignment(name: &str, value: &str, quoted: bool, next: Option<char>) -> bool {
    let Some(kind) = secret_name(name) else {
        return false;
    };
    // `getpass()`, `os.environ['X']`, `Option<String>`: code, not a value.
    if !quoted && matches!(next, Some('(' | '[' | '{' | '<')) {
        return false;
    }
    if is_reference(value)
        || LITERALS.contains(&value.to_ascii_lowercase().as_str())
        || !value.bytes().any(|b| b.is_ascii_alphabetic())
        || is_code_path(value)
    {
        return false;
    }
    // An unquoted word or identifier (`String`, `next_token`) is code.
    if !quoted
        && value
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
    {
        return false;
    }
    let (min_len, min_bits) = match kind {
        Name::Password => PASSWORD_MIN,
        Name::Other => SECRET_MIN,
    };
    value.chars().count() >= min_len && shannon_entropy(value) >= min_bits
}

/// An `Authorization` value without a known scheme: a credential holds a
/// digit, and a bare scheme word (`Negotiate` before a placeholder) is none.
pub(crate) fn authorization(value: &str) -> bool {
    const SCHEMES: &[&str] = &["basic", "bearer", "digest", "negotiate", "ntlm", "token"];
    value.bytes().any(|b| b.is_ascii_digit())
        && !SCHEMES.contains(&value.to_ascii_lowercase().as_str())
}

/// A bearer token holds a digit (prose such as "bearer authentication-mechanisms" does not).
pub(crate) fn bearer(value: &str) -> bool {
    value.bytes().any(|b| b.is_ascii_digit())
}

/// A URL's password that is a literal, not `${DB_PASSWORD}` or `%s`.
pub(crate) fn not_reference(value: &str) -> bool {
    !is_reference(value)
}

/// `$VAR`, `${VAR}`, `${{ secrets.X }}`, `{{ vault }}`, `<your-token>`,
/// `%s`, `%(name)s`, `{name}`, `#{name}`: names a secret held elsewhere.
fn is_reference(value: &str) -> bool {
    value.starts_with(['$', '<', '{', '%', '@'])
        || value.starts_with("#{")
        || value.contains("${")
        || value.contains("{{")
        || (value.starts_with('*') && value.bytes().all(|b| b == b'*'))
}

/// `self.key`, `config.db.password`, `std::env::var`, `this->token`:
/// identifiers joined by `.`, `::` or `->`.
fn is_code_path(value: &str) -> bool {
    let normalised = value.replace("::", ".").replace("->", ".");
    let mut segments = normalised.split('.');
    let identifier = |s: &str| {
        s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    normalised.contains('.') && segments.all(identifier)
}

/// The kind of secret a key's name says it holds, if any: the last secret
/// word decides, unless a metadata word follows it.
fn secret_name(name: &str) -> Option<Name> {
    let words = words(name);
    let screaming = !name.bytes().any(|b| b.is_ascii_lowercase());
    let mut found = None;
    for (index, word) in words.iter().enumerate() {
        let word = word.as_str();
        let kind = match word {
            "password" | "passwd" | "passphrase" => Some(Name::Password),
            _ if word.ends_with("password") || word.ends_with("passwd") => Some(Name::Password),
            "pass" | "pwd" if words.len() > 1 => Some(Name::Password),
            "secret" | "secrets" | "token" | "credential" | "credentials" => Some(Name::Other),
            "apikey" | "accesskey" | "secretkey" | "privatekey" | "authkey" | "authtoken"
            | "accesstoken" | "refreshtoken" => Some(Name::Other),
            "key"
                if (screaming && words.len() > 1)
                    || index
                        .checked_sub(1)
                        .is_some_and(|before| KEY_QUALIFIERS.contains(&words[before].as_str())) =>
            {
                Some(Name::Other)
            }
            _ => None,
        };
        if let Some(kind) = kind {
            found = Some((index, kind));
        }
    }
    let (index, kind) = found?;
    let described = words[index + 1..]
        .iter()
        .any(|word| METADATA.contains(&word.as_str()));
    (!described).then_some(kind)
}

/// A name's words, lower-cased: split at `_`, `-`, `.` and camelCase
/// humps (`apiKey`, `APIKey` → `api`, `key`).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let hump = i > 0 && c.is_ascii_uppercase() && {
            let before = chars[i - 1];
            before.is_ascii_lowercase()
                || before.is_ascii_digit()
                || (before.is_ascii_uppercase()
                    && chars
                        .get(i + 1)
                        .is_some_and(|after| after.is_ascii_lowercase()))
        };
        if hump && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Shannon entropy of `value` in bits per character, as detect-secrets
/// computes it: `-Σ p(c) log2 p(c)` over the characters it holds.
pub(crate) fn shannon_entropy(value: &str) -> f64 {
    let mut counts = std::collections::BTreeMap::new();
    let mut total = 0usize;
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("PASSWORD_MIN_LENGTH"), ["password", "min", "length"]);
        assert_eq!(words("apiKey"), ["api", "key"]);
        assert_eq!(words("APIKey"), ["api", "key"]);
        assert_eq!(words("db.pass-word"), ["db", "pass", "word"]);
    }

    #[test]
    fn secret_names() {
        for name in [
            "API_KEY",
            "apiKey",
            "APIKEY",
            "PGPASSWORD",
            "db_pass",
            "client_secret",
            "GITHUB_TOKEN",
            "OPENAI_KEY",
            "SECRET_KEY_BASE",
            "aws_secret_access_key",
        ] {
            assert!(secret_name(name).is_some(), "{name}");
        }
        for name in [
            "PASSWORD_MIN_LENGTH",
            "token_type",
            "max_tokens",
            "sort_key",
            "HOTKEY",
            "KEYWORDS",
            "pass",
            "PWD",
            "SECRET_NAME",
            "author",
        ] {
            assert_eq!(secret_name(name), None, "{name}");
        }
    }

    #[test]
    fn entropy_matches_the_definition() {
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert_eq!(shannon_entropy(""), 0.0);
    }
}
