//! `fixture-kit review`: walks the pending goldens `UPDATE_GOLDENS=new`
//! wrote, one by one in the terminal, showing each diff, to accept, reject
//! or skip; `--accept` and `--reject` take them all at once.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use console::{style, Key, Term};
use similar::{ChangeTag, TextDiff};

use crate::fixture::display;
use crate::pending::{self, Pending};

/// Flags of `fixture-kit review`.
#[derive(clap::Args)]
pub struct ReviewArgs {
    /// Only the pending goldens whose test name (`topic::task::agent`) or
    /// folder (`topic/task/agent`) contains this.
    filter: Option<String>,
    /// The fixture root.
    #[arg(long, default_value = "fixtures")]
    root: PathBuf,
    /// Accept every pending golden (each replaces its golden) without asking.
    #[arg(long, conflicts_with = "reject")]
    accept: bool,
    /// Reject every pending golden (each is deleted) without asking.
    #[arg(long)]
    reject: bool,
}

/// What becomes of one pending golden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accept,
    Reject,
    Skip,
}

impl Verdict {
    const ALL: [Verdict; 3] = [Verdict::Accept, Verdict::Reject, Verdict::Skip];

    /// What was done, as the report says it.
    fn done(self) -> &'static str {
        match self {
            Verdict::Accept => "accepted",
            Verdict::Reject => "rejected",
            Verdict::Skip => "skipped",
        }
    }
}

/// Runs `review`: exits 2 when a pending golden cannot be read, accepted
/// or rejected, or when asking needs a terminal and there is none.
pub fn run(args: &ReviewArgs) -> ExitCode {
    let found = pending::find(&args.root, args.filter.as_deref());
    if found.is_empty() {
        println!("review: no pending goldens under {}", args.root.display());
        return ExitCode::SUCCESS;
    }
    let all = match (args.accept, args.reject) {
        (true, _) => Some(Verdict::Accept),
        (_, true) => Some(Verdict::Reject),
        _ => None,
    };
    let term = Term::stdout();
    if all.is_none() && !term.is_term() {
        eprintln!(
            "fixture-kit review: {} pending goldens, and no terminal to ask in: run it in a \
             terminal, or pass `--accept` or `--reject`",
            found.len()
        );
        return ExitCode::from(2);
    }
    let mut verdicts = Vec::new();
    for (index, item) in found.iter().enumerate() {
        let verdict = match all {
            Some(verdict) => verdict,
            None => match ask(&term, item, index + 1, found.len()) {
                Ok(Some(verdict)) => verdict,
                Ok(None) => break,
                Err(err) => return failed(item, &err),
            },
        };
        let done = match verdict {
            Verdict::Accept => item.accept(),
            Verdict::Reject => item.reject(),
            Verdict::Skip => Ok(()),
        };
        if let Err(err) = done {
            return failed(item, &err);
        }
        verdicts.push(verdict);
        println!("{} {}", verdict.done(), display(&item.path));
    }
    let counts = Verdict::ALL.map(|kind| {
        let count = verdicts.iter().filter(|v| **v == kind).count();
        format!("{count} {}", kind.done())
    });
    let left = pending::find(&args.root, None).len();
    println!("review: {}; {left} pending left", counts.join(", "));
    ExitCode::SUCCESS
}

fn failed(item: &Pending, err: &io::Error) -> ExitCode {
    eprintln!("fixture-kit review: {}: {err}", display(&item.path));
    ExitCode::from(2)
}

/// Shows `item`'s diff and reads a verdict key; `None` to stop.
fn ask(term: &Term, item: &Pending, number: usize, count: usize) -> io::Result<Option<Verdict>> {
    let (golden, new) = item.texts()?;
    term.write_line("")?;
    term.write_line(&format!(
        "{} {number}/{count}: {}",
        style("Pending golden").bold(),
        style(&item.id).cyan()
    ))?;
    let old_name = display(&item.golden);
    match &golden {
        Some(_) => term.write_line(&format!("  {old_name} → {}", display(&item.path)))?,
        None => term.write_line(&format!("  {old_name}: new (no golden yet)"))?,
    }
    term.write_line("")?;
    let lines = diff_lines(golden.as_deref().unwrap_or(""), &new);
    if lines.is_empty() {
        term.write_line("  (the same text as the golden)")?;
    }
    for line in lines {
        term.write_line(&line)?;
    }
    term.write_line("")?;
    term.write_line(&format!(
        "  {} accept   {} reject   {} skip   {} quit",
        style("a").green().bold(),
        style("r").red().bold(),
        style("s").yellow().bold(),
        style("q").bold()
    ))?;
    loop {
        match term.read_key_raw()? {
            Key::Char('a') => return Ok(Some(Verdict::Accept)),
            Key::Char('r') => return Ok(Some(Verdict::Reject)),
            Key::Char('s') => return Ok(Some(Verdict::Skip)),
            Key::Char('q') | Key::Escape | Key::CtrlC => return Ok(None),
            _ => {}
        }
    }
}

/// The line diff from `old` to `new`, `-` lines red and `+` lines green
/// where the terminal takes colour, with a few lines of context.
fn diff_lines(old: &str, new: &str) -> Vec<String> {
    let diff = TextDiff::from_lines(old, new);
    let mut lines = Vec::new();
    for (index, group) in diff.grouped_ops(3).iter().enumerate() {
        if index > 0 {
            lines.push(style("  ⋮").dim().to_string());
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let text = change.value().trim_end_matches('\n');
                let line = match change.tag() {
                    ChangeTag::Delete => style(format!("- {text}")).red().to_string(),
                    ChangeTag::Insert => style(format!("+ {text}")).green().to_string(),
                    ChangeTag::Equal => format!("  {text}"),
                };
                lines.push(line);
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_marks_removed_and_added_lines_with_context() {
        console::set_colors_enabled(false);
        let old = "a\nb\nc\n";
        let new = "a\nB\nc\nd\n";
        assert_eq!(diff_lines(old, new), ["  a", "- b", "+ B", "  c", "+ d"]);
        assert_eq!(diff_lines("", "x\n"), ["+ x"]);
    }
}
