//! Rule `scope`: declared `refactor-only` and `docs-only` scopes, and the
//! config whitelist (always on for patches). What each recognises is
//! listed in `docs/RULES.md`.

use std::collections::BTreeSet;

use crate::constraints::Scope;
use crate::contract::{PlannerOutput, TaskType};
use crate::rule::{Rule, Violation};
use crate::rules::patch::{Change, HunkLine, Patch};

/// `refactor-only`: every planner task is a refactor.
pub fn plan(plan: &PlannerOutput, scope: Option<Scope>, file: &str) -> Vec<Violation> {
    if scope != Some(Scope::RefactorOnly) {
        return Vec::new();
    }
    plan.tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| task.kind != TaskType::Refactor)
        .map(|(i, task)| {
            Violation::new(
                Rule::Scope,
                format!(
                    "task `{}` has type `{}` but the fixture is refactor-only",
                    task.id,
                    task.kind.as_str()
                ),
            )
            .at(format!("{file}: tasks[{i}].type"))
        })
        .collect()
}

/// The declared scope and the config whitelist, over a patch; without a
/// whitelist (`None`: the task's design lists the configuration files,
/// which the `pipeline` rule checks), configuration files are not checked.
pub fn patch(
    patch: &Patch,
    scope: Option<Scope>,
    whitelist: Option<&[String]>,
    file: &str,
) -> Vec<Violation> {
    let mut violations = whitelist
        .map(|whitelist| config(patch, whitelist, file))
        .unwrap_or_default();
    match scope {
        Some(Scope::RefactorOnly) => violations.extend(refactor_only(patch, file)),
        Some(Scope::DocsOnly) => violations.extend(docs_only(patch, file)),
        None => {}
    }
    violations
}

fn config(patch: &Patch, whitelist: &[String], file: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    for fp in &patch.files {
        for path in fp.paths() {
            if is_config(path) && !whitelist.iter().any(|w| w == path) {
                violations.push(
                    Violation::new(
                        Rule::Scope,
                        format!("`{path}` is a configuration file that is not whitelisted"),
                    )
                    .at(format!("{file}:{}", fp.line))
                    .hint(format!(
                        "list it in `config_whitelist` in fixture.json if the task asks for it: \
                         \"config_whitelist\": [\"{path}\"]"
                    )),
                );
            }
        }
    }
    violations
}

fn refactor_only(patch: &Patch, file: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut added = BTreeSet::new();
    let mut removed = BTreeSet::new();
    for fp in &patch.files {
        if let Change::Create(path) | Change::Copy { to: path, .. } = &fp.change {
            violations.push(
                Violation::new(
                    Rule::Scope,
                    format!("refactor-only, but the patch adds file `{path}`"),
                )
                .at(format!("{file}:{}", fp.line)),
            );
        }
        let path = fp.display_path();
        for hunk in &fp.hunks {
            for line in &hunk.lines {
                match line {
                    HunkLine::Add(t) => added.extend(
                        exported_names(path, t)
                            .into_iter()
                            .map(|n| (n, hunk.line, path)),
                    ),
                    HunkLine::Remove(t) => removed.extend(exported_names(path, t)),
                    HunkLine::Context(_) => {}
                }
            }
        }
    }
    let mut reported = BTreeSet::new();
    for (name, line, path) in added {
        if !removed.contains(&name) && reported.insert(name.clone()) {
            violations.push(
                Violation::new(
                    Rule::Scope,
                    format!("refactor-only, but the patch exports a new name `{name}` in `{path}`"),
                )
                .at(format!("{file}:{line}"))
                .hint("a refactor keeps the public names; move or rewrite code without adding exports"),
            );
        }
    }
    violations
}

fn docs_only(patch: &Patch, file: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    for fp in &patch.files {
        let path = fp.display_path();
        if fp.paths().iter().all(|p| is_doc_file(p)) {
            continue;
        }
        if !matches!(fp.change, Change::Modify(_)) {
            violations.push(
                Violation::new(
                    Rule::Scope,
                    format!(
                        "docs-only, but the patch creates, deletes or moves source file `{path}`"
                    ),
                )
                .at(format!("{file}:{}", fp.line)),
            );
            continue;
        }
        let code = fp.hunks.iter().find_map(|hunk| {
            hunk.lines.iter().find_map(|line| match line {
                HunkLine::Add(t) | HunkLine::Remove(t) if !is_comment(path, t) => {
                    Some((hunk.line, t))
                }
                _ => None,
            })
        });
        if let Some((line, text)) = code {
            violations.push(
                Violation::new(
                    Rule::Scope,
                    format!(
                        "docs-only, but `{path}` changes code: `{}`",
                        text.trim_end()
                    ),
                )
                .at(format!("{file}:{line}"))
                .hint("change only comments, doc comments and documentation files"),
            );
        }
    }
    violations
}

fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or("", |(_, ext)| ext)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Documentation files: `.md`, `.mdx`, `.markdown`, `.rst`, `.adoc`,
/// `.txt`, anything under a `docs/` or `doc/` folder, and `README*`,
/// `CHANGELOG*`, `CONTRIBUTING*`, `LICENSE*` files.
pub fn is_doc_file(path: &str) -> bool {
    let name = file_name(path).to_ascii_uppercase();
    matches!(
        extension(path),
        "md" | "mdx" | "markdown" | "rst" | "adoc" | "txt"
    ) || path
        .split('/')
        .rev()
        .skip(1)
        .any(|c| c == "docs" || c == "doc")
        || ["README", "CHANGELOG", "CONTRIBUTING", "LICENSE"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// Whether an added or removed line is blank or a comment in `path`'s
/// language: `//`, `/*`, `*` (inside block comments) for C-family
/// languages (including Rust, TypeScript, JavaScript, Go, Java, Kotlin,
/// Swift, C#); `#` for Python, Ruby, shell, YAML and TOML; `--` for SQL
/// and Lua. Other languages have no comments the kit recognises.
pub fn is_comment(path: &str, line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() {
        return true;
    }
    let prefixes: &[&str] = match extension(path) {
        "rs" | "ts" | "tsx" | "js" | "jsx" | "mjs" | "cjs" | "go" | "java" | "kt" | "swift"
        | "c" | "h" | "cc" | "cpp" | "hpp" | "cs" | "scala" | "dart" | "php" => &["//", "/*", "*"],
        "py" | "rb" | "sh" | "bash" | "yml" | "yaml" | "toml" => &["#"],
        "sql" | "lua" => &["--"],
        _ => &[],
    };
    prefixes.iter().any(|p| t.starts_with(p))
}

/// Configuration and other non-source files: anything under `.github/`,
/// `.circleci/`, `.gitlab/`, `config/`, `configs/`, `migrations/`,
/// `deploy/`; files ending in `.yml`, `.yaml`, `.toml`, `.ini`, `.cfg`,
/// `.conf`, `.properties`, `.lock`, `.sql` under a migrations folder, or
/// `.json` at the repository root; `.env` files; lock files; manifests and
/// tool configs (`package.json`, `Cargo.toml`, `go.mod`, `go.sum`,
/// `Dockerfile`, `docker-compose.*`, `Makefile`, `tsconfig*.json`,
/// `*.config.{js,ts,mjs,cjs}`, `.eslintrc*`, `.prettierrc*`, `.npmrc`,
/// `.nvmrc`, `.editorconfig`, `.gitignore`, `.gitlab-ci.yml`,
/// `requirements*.txt`, `pyproject.toml`, `Gemfile`).
pub fn is_config(path: &str) -> bool {
    const DIRS: [&str; 7] = [
        ".github",
        ".circleci",
        ".gitlab",
        "config",
        "configs",
        "migrations",
        "deploy",
    ];
    const NAMES: [&str; 16] = [
        "package.json",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "Cargo.lock",
        "go.mod",
        "go.sum",
        "Dockerfile",
        "Makefile",
        "Gemfile",
        "Gemfile.lock",
        "poetry.lock",
        "composer.json",
        "composer.lock",
        "pyproject.toml",
        "Pipfile",
    ];
    const PREFIXES: [&str; 8] = [
        "tsconfig",
        ".eslintrc",
        ".prettierrc",
        "docker-compose",
        "requirements",
        ".env.",
        ".npmrc",
        ".nvmrc",
    ];
    let name = file_name(path);
    let ext = extension(path);
    let dirs: Vec<&str> = path.split('/').rev().skip(1).collect();
    dirs.iter().any(|d| DIRS.contains(d))
        || NAMES.contains(&name)
        || PREFIXES.iter().any(|p| name.starts_with(p))
        || matches!(
            name,
            ".env" | ".editorconfig" | ".gitignore" | ".gitlab-ci.yml"
        )
        || matches!(
            ext,
            "yml" | "yaml" | "toml" | "ini" | "cfg" | "conf" | "properties" | "lock"
        )
        || (ext == "json" && dirs.is_empty())
        || ["js", "ts", "mjs", "cjs"]
            .iter()
            .any(|e| name.ends_with(&format!(".config.{e}")))
}

/// Names a line exports, by `path`'s language: TypeScript/JavaScript
/// `export` declarations and `export { a, b as c }` lists; Rust `pub`
/// items and fields (not `pub(crate)` and the like); Python top-level
/// `def`/`class` whose name does not start with `_`; Go top-level `func`,
/// `type`, `var`, `const` with a capitalised name.
pub fn exported_names(path: &str, line: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            .collect()
    };
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    // The first word that is no keyword of `skip`, as a name.
    let first_name = |rest: &str, skip: &[&str]| -> Vec<String> {
        rest.split_whitespace()
            .find(|w| !skip.contains(w))
            .map(ident)
            .filter(|n| !n.is_empty())
            .into_iter()
            .collect()
    };
    let t = line.trim();
    match extension(path) {
        "ts" | "tsx" | "js" | "jsx" | "mjs" | "cjs" => {
            let Some(rest) = t.strip_prefix("export ") else {
                return Vec::new();
            };
            let rest = rest.trim_start();
            if let Some(list) = rest.strip_prefix('{') {
                let list = list.split('}').next().unwrap_or_default();
                return list
                    .split(',')
                    .filter_map(|item| {
                        let name = item.rsplit(" as ").next()?.trim();
                        let name = name.strip_prefix("type ").unwrap_or(name).trim();
                        (!name.is_empty()).then(|| ident(name))
                    })
                    .collect();
            }
            if rest.starts_with("default") {
                return vec!["default".into()];
            }
            let skip = [
                "declare",
                "async",
                "abstract",
                "function",
                "function*",
                "class",
                "const",
                "let",
                "var",
                "interface",
                "type",
                "enum",
                "namespace",
            ];
            first_name(rest, &skip)
        }
        "rs" => {
            let Some(rest) = t.strip_prefix("pub ") else {
                return Vec::new();
            };
            let skip = [
                "async", "unsafe", "const", "extern", "\"C\"", "fn", "struct", "enum", "trait",
                "type", "static", "mod", "union", "use", "mut",
            ];
            let first = words(rest).into_iter().next().unwrap_or_default();
            if first == "use" {
                return vec![rest.trim_end_matches(';').trim().to_owned()];
            }
            if first.ends_with(':') && !skip.contains(&first.as_str()) {
                return vec![ident(&first)];
            }
            first_name(rest, &skip)
        }
        "py" => {
            let rest = line
                .strip_prefix("def ")
                .or_else(|| line.strip_prefix("async def "))
                .or_else(|| line.strip_prefix("class "));
            rest.map(ident)
                .filter(|n| !n.is_empty() && !n.starts_with('_'))
                .into_iter()
                .collect()
        }
        "go" => {
            let rest = ["func ", "type ", "var ", "const "]
                .iter()
                .find_map(|k| line.strip_prefix(k));
            let Some(mut rest) = rest else {
                return Vec::new();
            };
            if rest.starts_with('(') {
                rest = rest.split_once(')').map_or("", |(_, r)| r).trim_start();
            }
            let name = ident(rest);
            name.chars()
                .next()
                .filter(|c| c.is_uppercase())
                .map(|_| name.clone())
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::patch::parse;

    fn messages(patch_text: &str, scope: Option<Scope>, whitelist: &[&str]) -> Vec<String> {
        let whitelist: Vec<String> = whitelist.iter().map(|s| (*s).to_owned()).collect();
        patch(
            &parse(patch_text, "p").unwrap(),
            scope,
            Some(&whitelist),
            "p",
        )
        .iter()
        .map(ToString::to_string)
        .collect()
    }

    fn modify(path: &str, removed: &str, added: &str) -> String {
        format!("diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-{removed}\n+{added}\n")
    }

    #[test]
    fn exported_names_by_language() {
        assert_eq!(
            exported_names("a.ts", "export function parseDate(s) {"),
            ["parseDate"]
        );
        assert_eq!(exported_names("a.ts", "export const MAX = 3;"), ["MAX"]);
        assert_eq!(exported_names("a.ts", "export { a, b as c };"), ["a", "c"]);
        assert_eq!(exported_names("a.ts", "export default App;"), ["default"]);
        assert!(exported_names("a.ts", "function local() {").is_empty());
        assert_eq!(exported_names("a.rs", "pub fn run() {"), ["run"]);
        assert_eq!(exported_names("a.rs", "pub async fn go() {"), ["go"]);
        assert_eq!(exported_names("a.rs", "    pub name: String,"), ["name"]);
        assert!(exported_names("a.rs", "pub(crate) fn hidden() {").is_empty());
        assert_eq!(exported_names("a.py", "def handler(event):"), ["handler"]);
        assert!(exported_names("a.py", "def _private():").is_empty());
        assert!(exported_names("a.py", "    def method(self):").is_empty());
        assert_eq!(
            exported_names("a.go", "func (s *Server) Start() error {"),
            ["Start"]
        );
        assert!(exported_names("a.go", "func start() {").is_empty());
    }

    #[test]
    fn refactor_only_allows_moving_exports_but_not_new_ones() {
        let moved = modify(
            "src/a.ts",
            "export function f() {",
            "export function f(): void {",
        );
        assert!(messages(&moved, Some(Scope::RefactorOnly), &[]).is_empty());
        let renamed = modify("src/a.ts", "export function f() {", "export function g() {");
        let all = messages(&renamed, Some(Scope::RefactorOnly), &[]);
        assert!(
            all[0].contains("exports a new name `g` in `src/a.ts`"),
            "{all:?}"
        );
        let created = "diff --git a/src/n.ts b/src/n.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/n.ts\n@@ -0,0 +1 @@\n+const x = 1;\n";
        assert!(
            messages(created, Some(Scope::RefactorOnly), &[])[0].contains("adds file `src/n.ts`")
        );
    }

    #[test]
    fn docs_only_allows_comments_and_doc_files() {
        assert!(messages(
            &modify("src/a.ts", "// old", "/** new */"),
            Some(Scope::DocsOnly),
            &[]
        )
        .is_empty());
        assert!(messages(&modify("README.md", "x", "y"), Some(Scope::DocsOnly), &[]).is_empty());
        assert!(messages(
            &modify("src/a.py", "# a", "# b"),
            Some(Scope::DocsOnly),
            &[]
        )
        .is_empty());
        let all = messages(
            &modify("src/a.ts", "// old", "const x = 2;"),
            Some(Scope::DocsOnly),
            &[],
        );
        assert!(
            all[0].contains("docs-only, but `src/a.ts` changes code: `const x = 2;`"),
            "{all:?}"
        );
    }

    #[test]
    fn config_files_need_the_whitelist() {
        let ci = modify(".github/workflows/ci.yml", "a", "b");
        assert!(messages(&ci, None, &[])[0].contains(
            "`.github/workflows/ci.yml` is a configuration file that is not whitelisted"
        ));
        assert!(messages(&ci, None, &[".github/workflows/ci.yml"]).is_empty());
        for path in [
            "package.json",
            "db/migrations/001.sql",
            "Cargo.lock",
            "tsconfig.json",
            "vite.config.ts",
            "app.yaml",
        ] {
            assert!(is_config(path), "{path}");
        }
        for path in [
            "src/config.ts",
            "src/data/users.json",
            "src/configure.ts",
            "README.md",
            "src/app.ts",
        ] {
            assert!(!is_config(path), "{path}");
        }
    }
}
