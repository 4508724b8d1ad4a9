//! `fixture-kit verify --chain`: one libtest-mimic trial per task
//! (`topic::task::chain`), its stages run by [`crate::chain`]; the rows
//! printed after the run, and the JSON and JUnit reports written.

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, FormatSetting, Trial};

use super::evaluate::Evaluation;
use crate::chain::{self, report, ChainRecord};
use crate::discover::FixtureId;
use crate::engine::Options;
use crate::golden::write_atomic;
use crate::suite::Suite;

/// Runs the tasks of `ids` under `root` as chains through `suite`.
pub(super) fn run(
    libtest: &Arguments,
    root: &Path,
    ids: Vec<FixtureId>,
    suite: Suite,
    options: Options,
    evaluation: &Evaluation,
) -> ExitCode {
    if libtest.format == Some(FormatSetting::Json) {
        eprintln!("--chain reports each task as a row of stages: drop --format json, and write the JSON report with --report");
        return ExitCode::from(2);
    }
    if let Err(message) = evaluation.once() {
        eprintln!("{message}");
        return ExitCode::from(2);
    }
    let tasks = evaluation.partition_by(chain::tasks(&ids), |task| chain::test_name(&task.id));
    let (suite, root) = (Arc::new(suite), Arc::new(root.to_owned()));
    let records: Arc<Mutex<Vec<ChainRecord>>> = Arc::default();
    let trials = tasks
        .into_iter()
        .map(|task| {
            let (suite, root, records) = (suite.clone(), root.clone(), records.clone());
            let options = options.clone();
            Trial::test(chain::test_name(&task.id), move || {
                let record = chain::run(&suite, &root, &task, &options);
                let result = if record.passed() {
                    Ok(())
                } else {
                    Err(Failed::from(report::failure_text(&record)))
                };
                records
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(record);
                result
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(libtest, trials);
    let records = std::mem::take(&mut *records.lock().unwrap_or_else(|e| e.into_inner()));
    let pretty = libtest.format.is_none_or(|f| f == FormatSetting::Pretty);
    if pretty && !libtest.list {
        print!("\nchained runs:\n{}", report::rows(&records));
    }
    let (junit, json) = evaluation.report_paths();
    let written = [
        json.map(|path| (path, report::Report::new(&records).to_json(), "report")),
        junit.map(|path| (path, chain::junit("fixture-kit", &records), "JUnit report")),
    ];
    for (path, text, what) in written.into_iter().flatten() {
        if let Err(err) = write_atomic(path, text.as_bytes()) {
            eprintln!("cannot write the {what} {}: {err}", path.display());
            return ExitCode::from(2);
        }
    }
    conclusion.exit_code()
}
