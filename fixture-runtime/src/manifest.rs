//! The file the build script writes and `#[fixture_suite]` reads.
//!
//! One line per entry, fields separated by a tab (`→` below), sorted; the macro crate parses it
//! without depending on this crate, so the format stays this plain:
//!
//! ```text
//! fixture-kit manifest 1
//! fixture→<test name>→<topic/task/agent>→<flags>
//! pipeline→<test name>→<topic/task>
//! problem→<path>→<message>
//! ```
//!
//! `flags` is `-` or `verify` (the fixture holds a `verify.rs`). A
//! `pipeline` line is a task's `pipeline` test (`rules::pipeline`). Scenario
//! and runbook suites write `case→<test name>→<key>` lines instead of
//! `fixture` lines; the key is passed back to the runtime as is.

use std::fmt::Write as _;
use std::path::Path;

use crate::discover::FixtureTree;
use crate::messages::new_command;

/// The first line of every manifest.
pub const HEADER: &str = "fixture-kit manifest 1";

/// Renders a discovered tree. Fixtures without a golden become problems
/// unless `allow_missing_golden` (an update run records them).
pub fn render(tree: &FixtureTree, root: &str, allow_missing_golden: bool) -> String {
    let mut out = format!("{HEADER}\n");
    for fixture in &tree.fixtures {
        if !fixture.has_golden && !allow_missing_golden {
            let golden = fixture.id.agent.golden_kind().file_name();
            let _ = writeln!(
                out,
                "problem\t{root}/{}/{golden}\tmissing golden: write it (`{}` adds a skeleton \
                 to fill in); a suite whose runner runs a real agent records it with \
                 `UPDATE_GOLDENS=1 cargo test {}`",
                fixture.id,
                new_command(Path::new(root), &fixture.id),
                fixture.id.test_name()
            );
            continue;
        }
        let flags = if fixture.has_local_verify {
            "verify"
        } else {
            "-"
        };
        let _ = writeln!(
            out,
            "fixture\t{}\t{}\t{flags}",
            fixture.id.test_name(),
            fixture.id
        );
    }
    for task in tree.pipeline_tasks() {
        let _ = writeln!(out, "pipeline\t{}\t{task}", task.test_name());
    }
    for problem in &tree.problems {
        let message = problem.message.replace(['\t', '\n'], " ");
        let _ = writeln!(out, "problem\t{}\t{message}", problem.path.display());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Discovered, FixtureId};

    #[test]
    fn a_missing_golden_says_to_write_it_and_when_recording_works() {
        let tree = FixtureTree {
            fixtures: vec![Discovered {
                id: FixtureId::parse("t/task-1/planner").unwrap(),
                has_golden: false,
                has_local_verify: false,
            }],
            problems: Vec::new(),
        };
        assert_eq!(
            render(&tree, "cases", false),
            format!(
                "{HEADER}\nproblem\tcases/t/task-1/planner/expected.json\tmissing golden: \
                 write it (`fixture-kit new t/task-1 --agents planner --root cases` adds a \
                 skeleton to fill in); a suite whose runner runs a real agent records it with \
                 `UPDATE_GOLDENS=1 cargo test t::task_1::planner`\n"
            )
        );
        assert_eq!(
            render(&tree, "cases", true),
            format!("{HEADER}\nfixture\tt::task_1::planner\tt/task-1/planner\t-\n")
        );
    }
}
