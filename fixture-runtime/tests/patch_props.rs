//! Property tests of the patch parser and applier: no input panics or
//! overflows the stack, every problem is a `patch-validity` or
//! `patch-apply` violation, and a patch made from two texts turns the first
//! into the second. Bounded so CI stays fast; set `PROPTEST_CASES` for a
//! longer run.

use proptest::prelude::*;

use fixture_runtime::repo::Repo;
use fixture_runtime::rules::{apply, patch};
use fixture_runtime::Rule;

/// Lines a patch is made of, and a few that break it.
fn patch_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("diff --git a/x b/x".to_owned()),
        Just("diff --git a/x b/y".to_owned()),
        Just("diff --git \"a/\\303\\251\" \"b/\\303\\251\"".to_owned()),
        Just("--- a/x".to_owned()),
        Just("+++ b/x".to_owned()),
        Just("--- /dev/null".to_owned()),
        Just("+++ /dev/null".to_owned()),
        Just("new file mode 100644".to_owned()),
        Just("deleted file mode 100644".to_owned()),
        Just("old mode 100644".to_owned()),
        Just("new mode 100755".to_owned()),
        Just("rename from x".to_owned()),
        Just("rename to y".to_owned()),
        Just("copy from x".to_owned()),
        Just("copy to y".to_owned()),
        Just("index 0000000..1111111 100644".to_owned()),
        Just("Binary files a/x and b/x differ".to_owned()),
        Just("\\ No newline at end of file".to_owned()),
        (0usize..4, 0usize..4, 0usize..4, 0usize..4)
            .prop_map(|(a, b, c, d)| format!("@@ -{a},{b} +{c},{d} @@")),
        Just("@@ -99999999999999999999999 +1 @@".to_owned()),
        "[ +-][a-c]{0,2}",
        "[é\t\r][a-c]{0,2}",
        Just(String::new()),
        ".{0,8}",
    ]
}

fn patch_text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(patch_line(), 0..40),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf, last)| {
            let mut text = lines.join(if crlf { "\r\n" } else { "\n" });
            if last {
                text.push('\n');
            }
            text
        })
}

fn repo() -> Repo {
    Repo::from_files([("x", "a\nb\nc\n"), ("y", "")])
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a\n", "b\n", "c\n", "\n", "a", "d\r\n"]),
        0..30,
    )
    .prop_map(|lines| lines.concat())
}

/// 512 cases each, or `PROPTEST_CASES`.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(512);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parsing_and_applying_never_panic(text in patch_text()) {
        let (parsed, violations) = patch::parse_recovering(&text, "p");
        prop_assert!(violations.iter().all(|v| v.rule == Rule::PatchValidity));
        prop_assert_eq!(patch::parse(&text, "p").is_ok(), violations.is_empty());
        if let Err(failed) = apply::apply(&parsed, &repo(), "p") {
            prop_assert!(failed.iter().all(|v| v.rule == Rule::PatchApply));
        }
    }

    #[test]
    fn any_text_parses_without_panicking(text in any::<String>()) {
        let (parsed, _) = patch::parse_recovering(&text, "p");
        let _ = apply::apply(&parsed, &repo(), "p");
    }

    #[test]
    fn a_patch_of_two_texts_turns_one_into_the_other(old in text(), new in text()) {
        let diff = diffy::create_patch(&old, &new).to_string();
        prop_assume!(old != new);
        let body = diff.split_once("+++ modified\n").map(|(_, body)| body).unwrap();
        let text = format!("diff --git a/f b/f\n--- a/f\n+++ b/f\n{body}");
        let parsed = patch::parse(&text, "p").unwrap();
        let patched = apply::apply(&parsed, &Repo::from_files([("f", old.as_str())]), "p").unwrap();
        prop_assert_eq!(patched.text("f"), Some(new.as_str()));
    }
}

/// Huge inputs finish with a normal report: nothing recurses per line or
/// hunk, and nothing is quadratic in the shapes below.
#[test]
fn huge_patches_finish() {
    let lines = 200_000;
    let file: String = (0..lines).map(|i| format!("{i}\n")).collect();
    let mut text = format!("diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,{lines} +1,{lines} @@\n");
    for i in 0..lines {
        text.push_str(&format!("{}{i}\n", if i % 2 == 0 { '-' } else { ' ' }));
        if i % 2 == 0 {
            text.push_str(&format!("+{i}!\n"));
        }
    }
    let parsed = patch::parse(&text, "p").unwrap();
    let repo = Repo::from_files([("f", file.as_str())]);
    assert!(apply::apply(&parsed, &repo, "p").is_ok());
    // 50,000 hunk headers whose counts their bodies never reach.
    let broken = format!(
        "diff --git a/f b/f\n--- a/f\n+++ b/f\n{}",
        "@@ -1,9 +1,9 @@\n-0\n".repeat(50_000)
    );
    let (_, violations) = patch::parse_recovering(&broken, "p");
    assert_eq!(violations.len(), 50_000);
}
