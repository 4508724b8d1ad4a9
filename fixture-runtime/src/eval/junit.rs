//! The JUnit XML report: one `testsuite` per topic, one `testcase` per
//! fixture, a `failure` for a fixture that failed any run.

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::{FixtureRecord, Status};

/// The JUnit XML of `fixtures` (see docs/REPORTS.md), under a root
/// `testsuites` named `name`.
pub fn junit(name: &str, fixtures: &[FixtureRecord]) -> String {
    let mut topics: Vec<&str> = fixtures.iter().map(|f| f.topic.as_str()).collect();
    topics.sort_unstable();
    topics.dedup();
    let failures = |of: &[&FixtureRecord]| {
        of.iter()
            .filter(|f| f.status != Status::Passed)
            .count()
            .to_string()
    };
    let seconds = |of: &[&FixtureRecord]| {
        let ms: u64 = of.iter().flat_map(|f| &f.runs).map(|r| r.wall_ms).sum();
        format!("{:.3}", ms as f64 / 1000.0)
    };
    let all: Vec<&FixtureRecord> = fixtures.iter().collect();
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: std::io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer
            .create_element("testsuites")
            .with_attributes([
                ("name", name),
                ("tests", &all.len().to_string()),
                ("failures", &failures(&all)),
                ("errors", "0"),
                ("time", &seconds(&all)),
            ])
            .write_inner_content(|w| {
                for topic in &topics {
                    let cases: Vec<&FixtureRecord> =
                        fixtures.iter().filter(|f| f.topic == *topic).collect();
                    w.create_element("testsuite")
                        .with_attributes([
                            ("name", *topic),
                            ("tests", &cases.len().to_string()),
                            ("failures", &failures(&cases)),
                            ("errors", "0"),
                            ("skipped", "0"),
                            ("time", &seconds(&cases)),
                        ])
                        .write_inner_content(|w| {
                            for case in &cases {
                                testcase(w, case)?;
                            }
                            Ok(())
                        })?;
                }
                Ok(())
            })?;
        Ok(())
    })();
    written.expect("writing XML to memory cannot fail");
    let mut xml = String::from_utf8(writer.into_inner()).expect("the writer wrote UTF-8");
    xml.push('\n');
    xml
}

fn testcase(w: &mut Writer<Vec<u8>>, case: &FixtureRecord) -> std::io::Result<()> {
    let ms: u64 = case.runs.iter().map(|r| r.wall_ms).sum();
    let (class, name) = case.test.rsplit_once("::").unwrap_or(("", &case.test));
    let element = w.create_element("testcase").with_attributes([
        ("name", name),
        ("classname", class),
        ("time", &format!("{:.3}", ms as f64 / 1000.0)),
    ]);
    let runs = case.runs.len();
    let retried = case
        .runs
        .iter()
        .filter(|r| !r.retried_on.is_empty())
        .count();
    let out = format!(
        "{} of {runs} runs passed{}",
        case.passed,
        if retried > 0 {
            format!("; {retried} retried on overload or rate limit")
        } else {
            String::new()
        }
    );
    element.write_inner_content(|w| {
        if case.status != Status::Passed {
            let kind = if case.status == Status::Flaky {
                "flaky"
            } else {
                "failed"
            };
            let text: String = case
                .runs
                .iter()
                .filter(|r| !r.verdict.passes())
                .map(|r| format!("run {}:\n{}", r.run, r.failure_text()))
                .collect();
            w.create_element("failure")
                .with_attributes([
                    ("type", kind),
                    (
                        "message",
                        &format!("{kind}: {} of {runs} runs passed", case.passed),
                    ),
                ])
                .write_text_content(BytesText::new(&text))?;
        }
        w.create_element("system-out")
            .write_text_content(BytesText::new(&out))?;
        Ok(())
    })?;
    Ok(())
}
