//! Rule `reviewer-consistency`: the decision agrees with the comments, and
//! declared requirements hold.

use crate::constraints::ReviewerRequirements;
use crate::contract::{Decision, ReviewerOutput};
use crate::rule::{Rule, Violation};

/// `reject` and `revise` need a blocking comment, `approve` has none;
/// `require_blocking` demands one; `grounded` demands a `path` and `line`
/// on every comment.
pub fn check(
    review: &ReviewerOutput,
    declared: &ReviewerRequirements,
    file: &str,
) -> Vec<Violation> {
    let blocking = review.comments.iter().filter(|c| c.blocking).count();
    let decision = review.decision.as_str();
    let mut violations = Vec::new();
    let at_decision = format!("{file}: decision");
    match review.decision {
        Decision::Reject | Decision::Revise if blocking == 0 => violations.push(
            Violation::new(
                Rule::ReviewerConsistency,
                format!("decision `{decision}` without a blocking comment"),
            )
            .at(at_decision.clone())
            .hint("say what blocks the change in a comment with `\"blocking\": true`"),
        ),
        Decision::Approve if blocking > 0 => violations.push(
            Violation::new(
                Rule::ReviewerConsistency,
                format!("decision `approve` with {blocking} blocking comment(s)"),
            )
            .at(at_decision.clone())
            .hint("approve only without blocking comments, or decide `revise`/`reject`"),
        ),
        _ => {}
    }
    if declared.require_blocking && blocking == 0 {
        violations.push(
            Violation::new(
                Rule::ReviewerConsistency,
                "a blocking comment is required (`reviewer.require_blocking`), but there is none",
            )
            .at(format!("{file}: comments")),
        );
    }
    if declared.grounded {
        for (i, comment) in review.comments.iter().enumerate() {
            if comment.path.is_none() || comment.line.is_none() {
                violations.push(
                    Violation::new(
                        Rule::ReviewerConsistency,
                        "comment is not grounded: `reviewer.grounded` requires a `path` and a `line`",
                    )
                    .at(format!("{file}: comments[{i}]")),
                );
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Comment;
    use std::num::NonZeroU32;

    fn review(decision: Decision, blocking: &[bool]) -> ReviewerOutput {
        ReviewerOutput {
            decision,
            comments: blocking
                .iter()
                .map(|&b| Comment {
                    message: "m".into(),
                    blocking: b,
                    path: None,
                    line: None,
                })
                .collect(),
        }
    }

    fn count(r: &ReviewerOutput, d: &ReviewerRequirements) -> usize {
        check(r, d, "e").len()
    }

    #[test]
    fn decision_matches_comments() {
        let none = ReviewerRequirements::default();
        assert_eq!(count(&review(Decision::Approve, &[false]), &none), 0);
        assert_eq!(count(&review(Decision::Approve, &[true]), &none), 1);
        assert_eq!(count(&review(Decision::Revise, &[false]), &none), 1);
        assert_eq!(count(&review(Decision::Reject, &[]), &none), 1);
        assert_eq!(count(&review(Decision::Reject, &[true, false]), &none), 0);
    }

    #[test]
    fn declared_requirements() {
        let required = ReviewerRequirements {
            require_blocking: true,
            grounded: false,
        };
        let all = check(&review(Decision::Approve, &[false]), &required, "e");
        assert!(all[0].message.contains("a blocking comment is required"));
        let grounded = ReviewerRequirements {
            require_blocking: false,
            grounded: true,
        };
        let mut r = review(Decision::Revise, &[true, true]);
        r.comments[0].path = Some("a.ts".into());
        r.comments[0].line = NonZeroU32::new(1);
        let all = check(&r, &grounded, "e");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].location.as_deref(), Some("e: comments[1]"));
    }
}
