//! Variables a runbook's steps use as `{{name}}`: built-ins, the suite's
//! extras, captures from earlier steps, and `{{port:NAME}}`, a port free on
//! 127.0.0.1 chosen on first use and kept for the rest of the run.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// `{{name}}` or `{{port:NAME}}`, spaces allowed inside the braces.
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z0-9_-]+))?\s*\}\}")
        .expect("valid regex")
});

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

    /// Replaces every `{{...}}` in `text`; `Err` names the first unknown
    /// variable and the ones that are known.
    pub fn substitute(&mut self, text: &str) -> Result<String, String> {
        let mut error = None;
        let replaced = VARIABLE.replace_all(text, |caps: &Captures| {
            let name = &caps[1];
            let result = match caps.get(2) {
                Some(label) if name == "port" => self.port(label.as_str()).map(|p| p.to_string()),
                Some(_) => Err(format!(
                    "`{}` is not a variable: only `port` takes a label, as in `{{{{port:web}}}}`",
                    &caps[0]
                )),
                None => self.get(name).map(str::to_owned).ok_or_else(|| {
                    let known: Vec<String> =
                        self.values.keys().map(|k| format!("{{{{{k}}}}}")).collect();
                    format!(
                        "unknown variable `{{{{{name}}}}}`: no earlier step captured it; \
                         known here: {}, and `{{{{port:NAME}}}}`",
                        known.join(", ")
                    )
                }),
            };
            result.unwrap_or_else(|message| {
                error.get_or_insert(message);
                String::new()
            })
        });
        match error {
            Some(message) => Err(message),
            None => Ok(replaced.into_owned()),
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
