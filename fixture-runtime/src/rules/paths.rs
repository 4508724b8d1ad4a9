//! Rule `path-safety`: no absolute paths, no paths that leave the
//! repository, nothing under a forbidden path. Patterns match whole path
//! components, never substrings: `dist/` forbids `dist/app.js` and
//! `web/dist/app.js` but not `src/distance.ts`.

use crate::constraints::ForbiddenPaths;
use crate::contract::json::nearest;
use crate::rule::{Rule, Violation};

/// The shared default list: directories end in `/`; `*` stands for any
/// text within one component.
pub const DEFAULT_FORBIDDEN: [&str; 7] = [
    "dist/",
    "build/",
    ".swarm/",
    ".git/",
    "node_modules/",
    ".env",
    ".env.*",
];

/// The forbidden patterns in force: the defaults less `allow`, plus `add`.
/// An `allow` entry that is no default pattern is an error (it would
/// silently allow nothing).
pub fn forbidden(declared: &ForbiddenPaths) -> Result<Vec<String>, Violation> {
    if let Some(unknown) = declared
        .allow
        .iter()
        .find(|a| !DEFAULT_FORBIDDEN.contains(&a.as_str()))
    {
        let near = nearest(unknown, &DEFAULT_FORBIDDEN)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        return Err(Violation::new(
            Rule::Layout,
            format!(
                "`forbidden_paths.allow` names `{unknown}`, which is not a default forbidden \
                 pattern{near}"
            ),
        )
        .at(crate::constraints::FILE)
        .hint(format!("the defaults are {}", DEFAULT_FORBIDDEN.join(", "))));
    }
    let mut patterns: Vec<String> = DEFAULT_FORBIDDEN
        .iter()
        .filter(|p| !declared.allow.iter().any(|a| a == *p))
        .map(|p| (*p).to_owned())
        .collect();
    patterns.extend(declared.add.iter().cloned());
    Ok(patterns)
}

/// Checks one path an output touches. `location` says where it was found
/// (`expected.json: tasks[2].file`, `expected.patch:14`).
pub fn check(path: &str, patterns: &[String], location: &str) -> Option<Violation> {
    let fail = |message: String, hint: &str| {
        Some(
            Violation::new(Rule::PathSafety, message)
                .at(location.to_owned())
                .hint(hint),
        )
    };
    if path.starts_with('/')
        || path.starts_with('\\')
        || path.get(1..3) == Some(":\\")
        || path.get(1..3) == Some(":/")
    {
        return fail(
            format!("`{path}` is an absolute path"),
            "use a path relative to the repository root",
        );
    }
    if path.split(['/', '\\']).any(|c| c == "..") {
        return fail(
            format!("`{path}` leaves the repository (`..`)"),
            "use a path inside the repository, without `..`",
        );
    }
    let pattern = patterns.iter().find(|p| matches(p, path))?;
    fail(
        format!("`{path}` is under forbidden path `{pattern}`"),
        "outputs must not touch this path; a fixture that needs it can list it in \
         `forbidden_paths.allow` in fixture.json",
    )
}

/// Why git refuses to read or write `path` from a patch (`git apply`'s
/// `invalid path`), if it does: an empty component (`src//a.txt`, a
/// trailing `/`), a `.` component (`./src/a.txt`), or a `.git` component
/// (in any case, and as NTFS spells it: `.git.`, `git~1`). Absolute paths
/// and `..` are left to [`check`], which refuses them for every output.
pub fn spelling(path: &str) -> Option<&'static str> {
    if path.starts_with('/') || path.split('/').any(|c| c == "..") {
        return None;
    }
    if path.is_empty() {
        return Some("it is empty");
    }
    path.split('/').find_map(|component| {
        let bare = component.trim_end_matches([' ', '.']);
        match component {
            "" if path.ends_with('/') => Some("it ends with `/`"),
            "" => Some("it has an empty component (`//`)"),
            "." => Some("it has a `.` component"),
            _ if bare.eq_ignore_ascii_case(".git") || component.eq_ignore_ascii_case("git~1") => {
                Some("it has a `.git` component")
            }
            _ => None,
        }
    })
}

/// Whether `pattern` matches `path` on whole components: `dir/` (or
/// `a/b/`) matches those directories anywhere in the path; a pattern
/// without a trailing `/` matches the file name (or, with `/` inside, the
/// path's last components).
pub fn matches(pattern: &str, path: &str) -> bool {
    let components: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let is_dir = pattern.ends_with('/');
    let wanted: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    if wanted.is_empty() || components.is_empty() {
        return false;
    }
    if is_dir {
        // Directories: any run of components before the file name (a path
        // ending in `/` is itself a directory).
        let dirs = if path.ends_with('/') {
            &components[..]
        } else {
            &components[..components.len() - 1]
        };
        dirs.windows(wanted.len())
            .any(|run| run.iter().zip(&wanted).all(|(c, w)| glob(w, c)))
    } else {
        components.len() >= wanted.len()
            && components[components.len() - wanted.len()..]
                .iter()
                .zip(&wanted)
                .all(|(c, w)| glob(w, c))
    }
}

/// `*` matches any text within one component.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.len() >= head.len() + tail.len()
                && text.starts_with(head)
                && glob_tail(tail, &text[head.len()..])
        }
    }
}

fn glob_tail(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text.ends_with(pattern);
    }
    (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .any(|i| glob(pattern, &text[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<String> {
        forbidden(&ForbiddenPaths::default()).unwrap()
    }

    fn verdict(path: &str) -> Option<String> {
        check(path, &defaults(), "x").map(|v| v.message)
    }

    #[test]
    fn matches_components_not_substrings() {
        assert_eq!(verdict("src/distance.ts"), None);
        assert_eq!(verdict("src/builder.ts"), None);
        assert_eq!(verdict("docs/dist.md"), None);
        assert_eq!(verdict("src/.environment.ts"), None);
        assert!(verdict("dist/app.js")
            .unwrap()
            .contains("forbidden path `dist/`"));
        assert!(verdict("packages/web/node_modules/x/index.js").is_some());
        assert!(verdict(".env").unwrap().contains("`.env`"));
        assert!(verdict("config/.env.production")
            .unwrap()
            .contains("`.env.*`"));
        assert!(verdict(".git/config").is_some());
        assert!(verdict("build/").is_some());
    }

    #[test]
    fn absolute_and_escaping_paths_are_always_errors() {
        assert!(verdict("/etc/passwd").unwrap().contains("absolute"));
        assert!(verdict("C:\\x").unwrap().contains("absolute"));
        assert!(verdict("../outside.ts")
            .unwrap()
            .contains("leaves the repository"));
        assert!(verdict("src/../../x")
            .unwrap()
            .contains("leaves the repository"));
    }

    #[test]
    fn fixtures_extend_and_narrow_the_list() {
        let declared = ForbiddenPaths {
            add: vec!["secrets/".into(), "*.pem".into()],
            allow: vec!["build/".into()],
        };
        let patterns = forbidden(&declared).unwrap();
        assert!(check("build/out.js", &patterns, "x").is_none());
        assert!(check("secrets/key.txt", &patterns, "x").is_some());
        assert!(check("certs/server.pem", &patterns, "x").is_some());
        assert!(check("dist/app.js", &patterns, "x").is_some());
        let typo = ForbiddenPaths {
            add: vec![],
            allow: vec!["bulid/".into()],
        };
        let err = forbidden(&typo).unwrap_err().to_string();
        assert!(err.contains("did you mean `build/`?"), "{err}");
    }

    #[test]
    fn spelling_follows_git_apply() {
        assert_eq!(spelling("src/a.txt"), None);
        assert_eq!(spelling(".gitignore"), None);
        assert_eq!(spelling("..."), None);
        assert_eq!(
            spelling("src//a.txt"),
            Some("it has an empty component (`//`)")
        );
        assert_eq!(spelling("./src/a.txt"), Some("it has a `.` component"));
        assert_eq!(spelling("src/"), Some("it ends with `/`"));
        assert_eq!(spelling(""), Some("it is empty"));
        assert_eq!(spelling(".GIT/config"), Some("it has a `.git` component"));
        assert_eq!(spelling("a/.git. /x"), Some("it has a `.git` component"));
        assert_eq!(spelling("../x"), None, "left to `check`");
    }

    #[test]
    fn globs() {
        assert!(glob(".env.*", ".env.local"));
        assert!(!glob(".env.*", ".env"));
        assert!(glob("*.pem", "a.pem"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXc"));
    }
}
