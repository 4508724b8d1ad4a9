//! Variables a runbook's steps use as `{{name}}`: built-ins, the suite's
//! extras, captures from earlier steps, and `{{port:NAME}}`, a port free on
//! 127.0.0.1 chosen on first use and kept for the rest of the run.
//!
//! A value is data, never syntax, wherever it lands: a shell script gets a
//! reference to an environment variable holding it ([`Vars::shell`]), a URL
//! gets it percent-encoded past its authority ([`Vars::url`]), a header
//! refuses line breaks ([`Vars::header`]), JSON gets it escaped inside
//! strings ([`Vars::json`]). Only expected text and reports see it as is.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::shell::{self, Quoting};

/// `{{name}}` or `{{port:NAME}}`, spaces allowed inside the braces.
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z0-9_-]+))?\s*\}\}")
        .expect("valid regex")
});

/// The environment variable a shell step reads `{{name}}` from.
pub fn env_name(name: &str) -> String {
    format!("FIXTURE_KIT_VAR_{name}")
}

/// Checks, when a runbook is parsed, that every variable of a `sh` script
/// can be given to the shell; `Err` holds the 0-based line within the
/// script and what to do.
pub fn check_shell(script: &str) -> Result<(), (usize, String)> {
    let spans: Vec<Range<usize>> = VARIABLE.find_iter(script).map(|m| m.range()).collect();
    shell::quoting(script, &spans)
        .map(drop)
        .map_err(|err| (script[..err.at].matches('\n').count(), err.message))
}

/// A `sh` script with its variables turned into references, and the
/// environment variables holding their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The script text.
    pub text: String,
    /// `FIXTURE_KIT_VAR_name` → value, for every variable used.
    pub env: Vec<(String, String)>,
}

/// Why a text could not be filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unfilled {
    /// A `{{name}}` nothing defined (or a bad `{{x:y}}`).
    Unknown(String),
    /// A value that cannot stand where it is (a NUL byte for the shell, a
    /// line break in a header, a variable the shell would not expand).
    Unusable(String),
}

impl Unfilled {
    /// What is wrong and what to do.
    pub fn message(&self) -> &str {
        match self {
            Unfilled::Unknown(message) | Unfilled::Unusable(message) => message,
        }
    }
}

/// What a `{{...}}` stands for.
enum Resolved {
    /// A port this run chose: digits, safe anywhere.
    Port(u16),
    /// A named value, from anywhere.
    Value { name: String, value: String },
}

impl Resolved {
    fn text(&self) -> String {
        match self {
            Resolved::Port(port) => port.to_string(),
            Resolved::Value { value, .. } => value.clone(),
        }
    }
}

/// The values known at one point of a run.
#[derive(Debug, Default)]
pub struct Vars {
    values: BTreeMap<String, String>,
    ports: BTreeMap<String, u16>,
}

impl Vars {
    /// Sets (or replaces) a variable.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_owned(), value.into());
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Replaces every `{{...}}` in `text` by its value as is, for expected
    /// text, paths and reports; `Err` names the first unknown variable and
    /// the ones that are known.
    pub fn substitute(&mut self, text: &str) -> Result<String, String> {
        self.expand(text, |_, resolved, _| Ok(resolved.text()))
            .map_err(|err| err.message().to_owned())
    }

    /// Turns `script` into one that reads each value from an environment
    /// variable, quoted for where it stands: the value never becomes
    /// script text. Ports are written out.
    pub fn shell(&mut self, script: &str) -> Result<Script, Unfilled> {
        let spans: Vec<Range<usize>> = VARIABLE.find_iter(script).map(|m| m.range()).collect();
        let quoting =
            shell::quoting(script, &spans).map_err(|err| Unfilled::Unusable(err.message))?;
        let mut env: Vec<(String, String)> = Vec::new();
        let mut index = 0;
        let text = self.expand(script, |_, resolved, _| {
            let quote = quoting.get(index).copied().unwrap_or(Quoting::Bare);
            index += 1;
            match resolved {
                Resolved::Port(port) => Ok(port.to_string()),
                Resolved::Value { name, value } => {
                    if value.contains('\0') {
                        return Err(format!(
                            "`{{{{{name}}}}}` holds a NUL byte, which no command can be \
                             given (environment variables end at NUL)"
                        ));
                    }
                    let var = env_name(&name);
                    if !env.iter().any(|(n, _)| *n == var) {
                        env.push((var.clone(), value));
                    }
                    Ok(quote.reference(&var))
                }
            }
        })?;
        Ok(Script { text, env })
    }

    /// Fills in a URL: as is up to the end of its authority (a base URL or
    /// a host), percent-encoded after it (a path segment, a query value).
    pub fn url(&mut self, url: &str) -> Result<String, Unfilled> {
        let past_authority = |before: &str| {
            before
                .find("://")
                .is_some_and(|scheme| before[scheme + 3..].contains(['/', '?', '#']))
        };
        self.expand(url, |span, resolved, before| {
            let value = resolved.text();
            if past_authority(before) {
                Ok(percent_encode(&value))
            } else if before.contains("://") && value.contains(['/', '?', '#', '@']) {
                Err(format!(
                    "`{}` stands in a URL's host and holds `/`, `?`, `#` or `@`, which would \
                     change where the request goes: capture only the host",
                    &url[span]
                ))
            } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                Err(format!(
                    "`{}` holds a space or a control character, which cannot stand in a \
                     URL's scheme or host: capture only the host, or put it after the \
                     host, where it is percent-encoded",
                    &url[span]
                ))
            } else {
                Ok(value)
            }
        })
    }

    /// Fills in a header value, refusing a value that would end the header.
    pub fn header(&mut self, value: &str) -> Result<String, Unfilled> {
        self.expand(value, |span, resolved, _| {
            let text = resolved.text();
            if text.contains(['\r', '\n', '\0']) {
                Err(format!(
                    "`{}` holds a line break or NUL byte, which would end the header: \
                     a header takes one line",
                    &value[span]
                ))
            } else {
                Ok(text)
            }
        })
    }

    /// Fills in JSON text: inside a string a value is escaped; elsewhere it
    /// is written as is when it is JSON itself (`42`, `true`, `{...}`), else
    /// as a JSON string.
    pub fn json(&mut self, text: &str) -> Result<String, Unfilled> {
        let in_string = string_positions(text);
        self.expand(text, |span, resolved, _| {
            let value = resolved.text();
            let quoted = serde_json::to_string(&value).expect("a string serializes");
            if in_string(span.start) {
                Ok(quoted[1..quoted.len() - 1].to_owned())
            } else if serde_json::from_str::<serde_json::Value>(&value).is_ok() {
                Ok(value)
            } else {
                Ok(quoted)
            }
        })
    }

    /// Replaces every `{{...}}` by what `place` makes of it.
    fn expand(
        &mut self,
        text: &str,
        mut place: impl FnMut(Range<usize>, Resolved, &str) -> Result<String, String>,
    ) -> Result<String, Unfilled> {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for caps in VARIABLE.captures_iter(text) {
            let whole = caps.get(0).expect("group 0 is the match");
            out.push_str(&text[last..whole.start()]);
            last = whole.end();
            let resolved = self
                .resolve(&caps[1], caps.get(2).map(|m| m.as_str()), whole.as_str())
                .map_err(Unfilled::Unknown)?;
            let placed = place(whole.range(), resolved, &out).map_err(Unfilled::Unusable)?;
            out.push_str(&placed);
        }
        out.push_str(&text[last..]);
        Ok(out)
    }

    fn resolve(
        &mut self,
        name: &str,
        label: Option<&str>,
        whole: &str,
    ) -> Result<Resolved, String> {
        match label {
            Some(label) if name == "port" => self.port(label).map(Resolved::Port),
            Some(_) => Err(format!(
                "`{whole}` is not a variable: only `port` takes a label, as in `{{{{port:web}}}}`"
            )),
            None => match self.get(name) {
                Some(value) => Ok(Resolved::Value {
                    name: name.to_owned(),
                    value: value.to_owned(),
                }),
                None => {
                    let known: Vec<String> =
                        self.values.keys().map(|k| format!("{{{{{k}}}}}")).collect();
                    Err(format!(
                        "unknown variable `{{{{{name}}}}}`: no earlier step captured it; \
                         known here: {}, and `{{{{port:NAME}}}}`",
                        known.join(", ")
                    ))
                }
            },
        }
    }

    /// The port bound to `label`, choosing a free one on first use.
    fn port(&mut self, label: &str) -> Result<u16, String> {
        if let Some(port) = self.ports.get(label) {
            return Ok(*port);
        }
        // Bounded: a fresh ephemeral port is almost never one we hold.
        for _ in 0..20 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .map_err(|err| format!("cannot find a free port on 127.0.0.1: {err}"))?
                .port();
            if !self.ports.values().any(|p| *p == port) {
                self.ports.insert(label.to_owned(), port);
                return Ok(port);
            }
        }
        Err("cannot find a free port on 127.0.0.1 that this run does not hold yet".to_owned())
    }
}

/// Every byte but the unreserved ones of RFC 3986 as `%XX`.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether a byte offset of JSON text lies inside a string literal.
fn string_positions(text: &str) -> impl Fn(usize) -> bool {
    let mut inside = vec![false; text.len() + 1];
    let mut in_string = false;
    let mut escaped = false;
    for (at, byte) in text.bytes().enumerate() {
        inside[at] = in_string;
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        }
    }
    move |at| inside.get(at).copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::Vars;

    #[test]
    fn substitutes_known_variables() {
        let mut vars = Vars::default();
        vars.set("tmp", "/t");
        vars.set("session_id", "s-1");
        assert_eq!(
            vars.substitute("cd {{tmp}} && x {{ session_id }}").unwrap(),
            "cd /t && x s-1"
        );
        assert_eq!(vars.substitute("{ not } {{").unwrap(), "{ not } {{");
    }

    #[test]
    fn unknown_variable_is_named_with_the_known_ones() {
        let mut vars = Vars::default();
        vars.set("tmp", "/t");
        let err = vars.substitute("echo {{sesion_id}}").unwrap_err();
        assert!(err.contains("`{{sesion_id}}`"), "{err}");
        assert!(err.contains("{{tmp}}"), "{err}");
        let err = vars.substitute("{{tmp:x}}").unwrap_err();
        assert!(err.contains("only `port` takes a label"), "{err}");
    }

    #[test]
    fn shell_values_are_references_never_text() {
        let mut vars = Vars::default();
        vars.set("v", "1.2\"; touch X; echo \"");
        let script = vars
            .shell("echo {{v}} \"at {{v}}\" '{{v}}' {{port:web}}")
            .unwrap();
        assert!(!script.text.contains("touch"), "{}", script.text);
        assert_eq!(
            script.env,
            [(
                "FIXTURE_KIT_VAR_v".to_owned(),
                "1.2\"; touch X; echo \"".to_owned()
            )]
        );
        assert!(script
            .text
            .starts_with("echo \"${FIXTURE_KIT_VAR_v}\" \"at ${FIXTURE_KIT_VAR_v}\" ''\"${FIXTURE_KIT_VAR_v}\"'' "));
        vars.set("nul", "a\0b");
        let err = vars.shell("echo {{nul}}").unwrap_err();
        assert!(err.message().contains("NUL byte"), "{err:?}");
        assert_eq!(
            super::check_shell("true\ncat <<'EOF'\n{{v}}\nEOF")
                .unwrap_err()
                .0,
            2
        );
    }

    #[test]
    fn urls_headers_and_json_get_values_as_data() {
        let mut vars = Vars::default();
        vars.set("id", "a/../b?x=1 #");
        vars.set("base", "http://127.0.0.1:9");
        assert_eq!(
            vars.url("{{base}}/s/{{id}}?q={{id}}").unwrap(),
            "http://127.0.0.1:9/s/a%2F..%2Fb%3Fx%3D1%20%23?q=a%2F..%2Fb%3Fx%3D1%20%23"
        );
        assert!(vars.url("http://{{id}}/").is_err());
        vars.set("host", "evil.test/x?");
        assert!(vars.url("http://{{host}}:1/").is_err());
        vars.set("evil", "x\r\nSet-Cookie: a=b");
        let err = vars.header("Bearer {{evil}}").unwrap_err();
        assert!(err.message().contains("line break"), "{err:?}");
        vars.set("quote", "1.2\", \"admin\": true, \"x\": \"");
        let json = vars.json(r#"{"v": "{{quote}}", "n": {{quote}}}"#).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["v"], "1.2\", \"admin\": true, \"x\": \"");
        assert_eq!(parsed["n"], parsed["v"]);
        assert!(parsed.get("admin").is_none());
        vars.set("n", "42");
        assert_eq!(vars.json("{\"n\": {{n}}}").unwrap(), "{\"n\": 42}");
    }

    #[test]
    fn ports_are_free_distinct_and_stable() {
        let mut vars = Vars::default();
        let a = vars.substitute("{{port:web}}").unwrap();
        let b = vars.substitute("{{port:api}}").unwrap();
        assert_ne!(a, b);
        assert_eq!(vars.substitute("{{port:web}}").unwrap(), a);
        let port: u16 = a.parse().unwrap();
        assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
    }
}
