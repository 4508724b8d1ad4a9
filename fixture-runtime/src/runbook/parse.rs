//! Markdown to [`Runbook`]: `#` is the title, `##` a lane, fenced blocks
//! with a step kind as info string are steps, HTML comments under a lane
//! are directives (`must-fail:`, `needs:`). Other blocks and text are prose.

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
use regex::Regex;

use crate::suggest;

use super::assert;
use super::expect::JsonPath;
use super::revert::{FsChange, Mode};
use super::vars;
use super::{
    Action, CaptureFrom, Command, Daemon, EnvChange, Expectation, ExpectedStatus, Http, HttpStatus,
    Lane, ParseError, Poll, Ready, Reason, Runbook, Sse, SseSource, Step,
};

/// A step's time budget unless `timeout=` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause between tries of a `poll=` step unless `every=` says otherwise.
const DEFAULT_EVERY: Duration = Duration::from_millis(100);
/// The most lanes a runbook holds: a lane depends on every earlier one
/// unless it says otherwise, so the work of checking grows with their square.
const MAX_LANES: usize = 1_000;
/// The most daemons a runbook starts (each name is checked against the others).
const MAX_DAEMONS: usize = 1_000;
/// The most streams a lane keeps open (each name is checked against the others).
const MAX_STREAMS: usize = 1_000;
/// The info strings that make a fenced block a step.
const KINDS: &str = "`console`, `daemon`, `stop`, `http`, `sse`, `env`, `fs`, `expect`";

static STATUS_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^HTTP(/\d(\.\d)?)? +(\d{3}|[1-5]xx|not \d{3})\b").expect("valid regex")
});
/// What a status line that went wrong looks like: `HTTP 9xx`, `HTTP not 40`.
static STATUS_ATTEMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^HTTP(/[\d.]+)? +(not +)?[\dx]+(\s|$)").expect("valid regex"));
static HEADER_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9!#$%&'*+.^_`|~-]+):[ \t]*(.*)$").expect("valid"));
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*$").expect("valid regex"));

pub fn parse(path: &Path, text: &str) -> Result<Runbook, ParseError> {
    let mut parser = RunbookParser {
        path,
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        runbook: Runbook {
            path: path.to_owned(),
            title: None,
            env: Vec::new(),
            lanes: Vec::new(),
        },
        needs: Vec::new(),
        daemons: Vec::new(),
        streams: Vec::new(),
        finally_lines: Vec::new(),
    };
    let mut heading: Option<(HeadingLevel, usize, String)> = None;
    let mut code: Option<(String, usize, String)> = None;
    let mut html: Option<(usize, String)> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        let line = parser.line_of(range.start);
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level, line, String::new()))
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, line, title)) = heading.take() {
                    parser.heading(level, line, title.trim())?;
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                code = Some((info.into_string(), line, String::new()))
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, line, body)) = code.take() {
                    parser.block(&info, line, &body)?;
                }
            }
            Event::Start(Tag::HtmlBlock) => html = Some((line, String::new())),
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((line, body)) = html.take() {
                    parser.comments(line, &body)?;
                }
            }
            Event::InlineHtml(body) => parser.comments(line, &body)?,
            Event::Html(body) => match &mut html {
                Some((_, text)) => text.push_str(&body),
                None => parser.comments(line, &body)?,
            },
            Event::Text(body) | Event::Code(body) => {
                if let Some((_, _, text)) = &mut heading {
                    text.push_str(&body);
                } else if let Some((_, _, text)) = &mut code {
                    text.push_str(&body);
                }
            }
            _ => {}
        }
    }
    parser.finish()
}

struct RunbookParser<'a> {
    path: &'a Path,
    line_starts: Vec<usize>,
    runbook: Runbook,
    /// Per lane, the `needs:` directive as written, with its line.
    needs: Vec<Option<(usize, Vec<String>)>>,
    /// Daemons started so far, for checking `stop` blocks.
    daemons: Vec<String>,
    /// Streams kept open by `sse name=` in the current lane.
    streams: Vec<String>,
    /// Per lane, the line of its `<!-- finally -->`.
    finally_lines: Vec<Option<usize>>,
}

impl RunbookParser<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|start| *start <= offset)
    }

    fn error(&self, line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            path: self.path.to_owned(),
            line,
            message: message.into(),
        }
    }

    fn heading(&mut self, level: HeadingLevel, line: usize, text: &str) -> Result<(), ParseError> {
        match level {
            HeadingLevel::H1 if self.runbook.title.is_none() && self.runbook.lanes.is_empty() => {
                self.runbook.title = Some(text.to_owned());
            }
            HeadingLevel::H2 => {
                if self.runbook.lanes.len() == MAX_LANES {
                    return Err(self.error(
                        line,
                        format!("a runbook holds at most {MAX_LANES} lanes: split it"),
                    ));
                }
                let slug = slug(text);
                if slug.is_empty() {
                    return Err(self.error(
                        line,
                        "a lane heading needs letters or digits: they name its test",
                    ));
                }
                if let Some(other) = self.runbook.lanes.iter().find(|l| l.slug == slug) {
                    return Err(self.error(
                        line,
                        format!(
                            "lane `{text}` has the same name `{slug}` as the lane on line {}: \
                             rename one",
                            other.line
                        ),
                    ));
                }
                self.runbook.lanes.push(Lane {
                    name: text.to_owned(),
                    slug,
                    line,
                    needs: Vec::new(),
                    must_fail: None,
                    steps: Vec::new(),
                    finally: None,
                });
                self.needs.push(None);
                self.finally_lines.push(None);
                self.streams.clear();
            }
            _ => {}
        }
        Ok(())
    }

    fn comments(&mut self, line: usize, html: &str) -> Result<(), ParseError> {
        let mut rest = html;
        while let Some(start) = rest.find("<!--") {
            let after = &rest[start + 4..];
            let Some(end) = after.find("-->") else { break };
            let at = line + rest[..start].matches('\n').count();
            self.directive(at, after[..end].trim())?;
            rest = &after[end + 3..];
        }
        Ok(())
    }

    fn directive(&mut self, line: usize, text: &str) -> Result<(), ParseError> {
        if text == "finally" {
            let Some(lane) = self.runbook.lanes.last_mut() else {
                return Err(self.error(
                    line,
                    "`finally` belongs to a lane: put it before the lane's last steps",
                ));
            };
            if lane.finally.replace(lane.steps.len()).is_some() {
                return Err(self.error(line, "a lane takes one `finally`: remove the other"));
            }
            *self.finally_lines.last_mut().expect("one per lane") = Some(line);
            return Ok(());
        }
        let (key, value) = match text.split_once(':') {
            Some((key, value)) if matches!(key.trim(), "must-fail" | "needs") => {
                (key.trim(), value.trim())
            }
            _ => return Ok(()),
        };
        let index = self.runbook.lanes.len().checked_sub(1).ok_or_else(|| {
            self.error(
                line,
                format!("`{key}:` belongs to a lane: put it under the lane's `##` heading"),
            )
        })?;
        if key == "must-fail" {
            let reason = Reason::parse(value)
                .filter(|r| *r != Reason::DidNotFail)
                .ok_or_else(|| {
                    let names: Vec<String> = Reason::ALL[..Reason::ALL.len() - 1]
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect();
                    self.error(
                        line,
                        format!(
                            "unknown must-fail reason `{value}`: use one of {}",
                            names.join(", ")
                        ),
                    )
                })?;
            if self.runbook.lanes[index]
                .must_fail
                .replace(reason)
                .is_some()
            {
                return Err(self.error(line, "a lane takes one `must-fail:`: remove the other"));
            }
        } else {
            let names: Vec<String> = value
                .split(',')
                .map(|name| slug(name.trim()))
                .filter(|name| !name.is_empty())
                .collect();
            if self.needs[index].replace((line, names)).is_some() {
                return Err(self.error(line, "a lane takes one `needs:`: merge them"));
            }
        }
        Ok(())
    }

    fn block(&mut self, info: &str, line: usize, body: &str) -> Result<(), ParseError> {
        let mut words = info.split_whitespace();
        let kind = words.next().unwrap_or("");
        let options: Vec<&str> = words.collect();
        let allowed: &[&str] = match kind {
            "console" => &["timeout", "cwd", "poll", "every"],
            "daemon" => &["name", "timeout", "cwd", "may-exit"],
            "http" => &["timeout", "poll", "every"],
            "sse" => &["timeout", "name", "from"],
            "stop" | "env" | "expect" | "fs" => &[],
            _ => return Ok(()),
        };
        let options = self.options(line, kind, &options, allowed)?;
        let lines: Vec<(usize, &str)> = body
            .lines()
            .enumerate()
            .map(|(i, text)| (line + 1 + i, text.trim_end_matches('\r')))
            .collect();
        if self.runbook.lanes.is_empty() {
            if kind == "env" {
                let vars = self.env(&lines)?;
                self.runbook.env.extend(vars);
                return Ok(());
            }
            return Err(self.error(
                line,
                format!(
                    "a `{kind}` step before the first lane: put it under a `##` lane heading \
                     (only `env` blocks may come first)"
                ),
            ));
        }
        if kind == "expect" {
            return self.expect(line, &lines);
        }
        let timeout = options
            .duration(self, "timeout")?
            .unwrap_or(DEFAULT_TIMEOUT);
        let poll = match options.duration(self, "poll")? {
            Some(within) => Some(Poll {
                within,
                every: options.duration(self, "every")?.unwrap_or(DEFAULT_EVERY),
            }),
            None if options.get("every").is_some() => {
                return Err(self.error(line, "`every=` only goes with `poll=`: add `poll=5s`"))
            }
            None => None,
        };
        let cwd = options.get("cwd").map(str::to_owned);
        let actions = match kind {
            "console" => self.console(line, &lines, cwd)?,
            "daemon" => vec![self.daemon(line, &lines, &options, cwd)?],
            "stop" => vec![self.stop(line, &lines)?],
            "http" => vec![(line, Action::Http(self.http(line, &lines)?))],
            "sse" => vec![(line, Action::Sse(self.sse(line, &lines, &options)?))],
            "fs" => vec![(line, Action::Fs(self.fs(line, &lines)?))],
            _ => vec![(line, Action::Env(self.env(&lines)?))],
        };
        let lane = self.runbook.lanes.last_mut().expect("checked above");
        lane.steps
            .extend(actions.into_iter().map(|(line, action)| Step {
                line,
                action,
                timeout,
                poll,
                expect: Vec::new(),
            }));
        Ok(())
    }

    fn options<'o>(
        &self,
        line: usize,
        kind: &str,
        words: &[&'o str],
        allowed: &[&str],
    ) -> Result<BlockOptions<'o>, ParseError> {
        let mut options = BlockOptions(Vec::new(), line);
        for word in words {
            let (key, value) = word.split_once('=').unwrap_or((word, ""));
            if !allowed.contains(&key) || value.is_empty() {
                let allowed: Vec<String> = allowed.iter().map(|k| format!("`{k}=`")).collect();
                let hint = if allowed.is_empty() {
                    format!("a `{kind}` block takes no options")
                } else {
                    format!("a `{kind}` block takes {}", allowed.join(", "))
                };
                return Err(self.error(line, format!("unknown option `{word}`: {hint}")));
            }
            options.0.push((key, value));
        }
        Ok(options)
    }

    fn console(
        &self,
        line: usize,
        lines: &[(usize, &str)],
        cwd: Option<String>,
    ) -> Result<Vec<(usize, Action)>, ParseError> {
        let mut steps = Vec::new();
        let (env, mut rest) = self.env_changes(lines)?;
        while let Some(&(at, first)) = rest.first() {
            let Some(script) = command_line(first) else {
                if first.trim().is_empty() {
                    rest = &rest[1..];
                    continue;
                }
                return Err(self.error(
                    at,
                    "a `console` block holds `$ command` lines, each followed by the output \
                     it must print (`env NAME=value` and `unset NAME` lines may come first): \
                     start this line with `$ `",
                ));
            };
            let mut script = script.to_owned();
            rest = &rest[1..];
            while let Some(more) = rest.first().and_then(|(_, l)| l.strip_prefix("> ")) {
                script.push('\n');
                script.push_str(more);
                rest = &rest[1..];
            }
            let end = rest
                .iter()
                .position(|(_, l)| command_line(l).is_some())
                .unwrap_or(rest.len());
            let mut output: Vec<(usize, &str)> = rest[..end].to_vec();
            rest = &rest[end..];
            while output.last().is_some_and(|(_, l)| l.trim().is_empty()) {
                output.pop();
            }
            let mut status = ExpectedStatus::Codes(vec![0]);
            if let Some(&(status_at, last)) = output.last() {
                if let Some(code) = last.strip_prefix("? ") {
                    status = match code.trim() {
                        "failed" => ExpectedStatus::Failed,
                        "any" => ExpectedStatus::Any,
                        code => ExpectedStatus::Codes(
                            code.split('|')
                                .map(|c| c.trim().parse())
                                .collect::<Result<_, _>>()
                                .map_err(|_| {
                                    self.error(
                                        status_at,
                                        format!(
                                            "bad exit status `? {code}`: write `? 0`, `? 2`, \
                                             `? 0|1`, `? failed` or `? any`"
                                        ),
                                    )
                                })?,
                        ),
                    };
                    output.pop();
                }
            }
            if let Some((misplaced, _)) = output.iter().find(|(_, l)| l.starts_with("? ")) {
                return Err(self.error(
                    *misplaced,
                    "`? STATUS` ends a command's output: move it after the last output line",
                ));
            }
            if script.trim().is_empty() {
                return Err(self.error(at, "`$` without a command: write `$ command`"));
            }
            vars::check_shell(&script)
                .map_err(|(offset, message)| self.error(at + offset, message))?;
            let output: Vec<&str> = output.into_iter().map(|(_, l)| l).collect();
            let stdout = (!output.is_empty()).then(|| output.join("\n"));
            steps.push((
                at,
                Action::Command(Command {
                    script,
                    cwd: cwd.clone(),
                    stdout,
                    status,
                    env: env.clone(),
                }),
            ));
        }
        if steps.is_empty() {
            return Err(self.error(line, "an empty `console` block: add a `$ command` line"));
        }
        Ok(steps)
    }

    fn daemon(
        &mut self,
        line: usize,
        lines: &[(usize, &str)],
        options: &BlockOptions,
        cwd: Option<String>,
    ) -> Result<(usize, Action), ParseError> {
        let name = options.get("name").ok_or_else(|| {
            self.error(
                line,
                "a daemon needs a name for `stop` and the report: write ```` ```daemon name=web ````",
            )
        })?;
        let mut script: Option<String> = None;
        let mut ready = None;
        let (env, lines) = self.env_changes(lines)?;
        for &(at, text) in lines {
            if let Some(command) = command_line(text) {
                if script.is_some() {
                    return Err(self.error(at, "a `daemon` block starts one command"));
                }
                script = Some(command.to_owned());
            } else if let Some(more) = text.strip_prefix("> ").filter(|_| ready.is_none()) {
                let script = script.as_mut().ok_or_else(|| {
                    self.error(
                        at,
                        "`> ` continues a `$ command` line: put the command first",
                    )
                })?;
                script.push('\n');
                script.push_str(more);
            } else if let Some(probe) = text.strip_prefix("ready ") {
                if ready.is_some() {
                    return Err(self.error(at, "a daemon takes one `ready` probe"));
                }
                ready = Some(self.ready(at, probe.trim())?);
            } else if !text.trim().is_empty() {
                return Err(self.error(
                    at,
                    "a `daemon` block holds `$ command` and a `ready tcp|http|log ...` line",
                ));
            }
        }
        let script = script
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| self.error(line, "a `daemon` block needs a `$ command` line"))?;
        let script_line = lines
            .iter()
            .find(|(_, text)| command_line(text).is_some())
            .map_or(line, |(at, _)| *at);
        vars::check_shell(&script)
            .map_err(|(offset, message)| self.error(script_line + offset, message))?;
        let may_exit = match options.get("may-exit") {
            None | Some("no") => false,
            Some("yes") => true,
            Some(other) => {
                return Err(self.error(
                    line,
                    format!("`may-exit={other}`: write `may-exit=yes` or leave it out"),
                ))
            }
        };
        let ready = ready.ok_or_else(|| {
            self.error(
                line,
                "a daemon needs a readiness probe: add `ready tcp 127.0.0.1:{{port:NAME}}`, \
                 `ready http URL` or `ready log REGEX`",
            )
        })?;
        if self.daemons.len() == MAX_DAEMONS {
            return Err(self.error(
                line,
                format!("a runbook starts at most {MAX_DAEMONS} daemons: split it"),
            ));
        }
        if self.daemons.iter().any(|d| d == name) {
            return Err(self.error(
                line,
                format!("a daemon named `{name}` is started twice: give each its own name"),
            ));
        }
        self.daemons.push(name.to_owned());
        Ok((
            line,
            Action::Daemon(Daemon {
                name: name.to_owned(),
                script,
                cwd,
                ready,
                may_exit,
                env,
            }),
        ))
    }

    fn ready(&self, line: usize, probe: &str) -> Result<Ready, ParseError> {
        let (kind, arg) = probe.split_once(' ').unwrap_or((probe, ""));
        let arg = arg.trim();
        let ready = match kind {
            "tcp" if !arg.is_empty() => Ready::Tcp(arg.to_owned()),
            "http" if !arg.is_empty() => Ready::Http(arg.to_owned()),
            "log" if !arg.is_empty() => {
                if !arg.contains("{{") {
                    Regex::new(arg).map_err(|err| {
                        self.error(line, format!("bad regex in `ready log`: {err}"))
                    })?;
                }
                Ready::Log(arg.to_owned())
            }
            _ => {
                return Err(self.error(
                    line,
                    format!(
                        "unknown probe `ready {probe}`: use `ready tcp HOST:PORT`, \
                         `ready http URL` or `ready log REGEX`"
                    ),
                ))
            }
        };
        Ok(ready)
    }

    fn stop(&self, line: usize, lines: &[(usize, &str)]) -> Result<(usize, Action), ParseError> {
        let mut names = Vec::new();
        for &(at, text) in lines {
            let name = text.trim();
            if name.is_empty() {
                continue;
            }
            if !self.daemons.iter().any(|d| d == name) {
                return Err(self.error(
                    at,
                    format!(
                        "no daemon named `{name}` is started above: name one of {}{}",
                        quoted(&self.daemons),
                        suggest::did_you_mean(name, &self.daemons)
                    ),
                ));
            }
            names.push(name.to_owned());
        }
        if names.is_empty() {
            return Err(self.error(line, "a `stop` block lists daemon names, one a line"));
        }
        Ok((line, Action::Stop(names)))
    }

    fn http(&self, line: usize, lines: &[(usize, &str)]) -> Result<Http, ParseError> {
        let bad_status = lines
            .iter()
            .find(|(_, l)| STATUS_ATTEMPT.is_match(l) && !STATUS_LINE.is_match(l));
        if let Some(&(at, text)) = bad_status {
            return Err(self.error(
                at,
                format!(
                    "bad status line `{text}`: write `HTTP 200`, `HTTP/1.1 201 Created`, \
                     `HTTP 4xx` (any code of a class) or `HTTP not 405` (any code but one)"
                ),
            ));
        }
        let split = lines
            .iter()
            .position(|(_, l)| STATUS_LINE.is_match(l))
            .ok_or_else(|| {
                self.error(
                    line,
                    "an `http` block needs the expected status line after the request, \
                     e.g. `HTTP 200`",
                )
            })?;
        let Request {
            method,
            url,
            headers,
            body,
        } = self.request(line, &lines[..split], true)?;
        let (at, status_line) = lines[split];
        let code = &STATUS_LINE.captures(status_line).expect("matched above")[3];
        let number = |text: &str| text.parse().map_err(|_| self.error(at, "bad status code"));
        let status = if let Some(class) = code.strip_suffix("xx") {
            HttpStatus::Class(number(class)?)
        } else if let Some(other) = code.strip_prefix("not ") {
            HttpStatus::Not(number(other)?)
        } else {
            HttpStatus::Code(number(code)?)
        };
        let (expect_headers, expect_body) = self.head_and_body(&lines[split + 1..])?;
        Ok(Http {
            method,
            url,
            headers,
            body,
            status,
            expect_headers,
            expect_body,
        })
    }

    /// `METHOD URL`, headers, a blank line, a body.
    fn request(
        &self,
        line: usize,
        lines: &[(usize, &str)],
        body_allowed: bool,
    ) -> Result<Request, ParseError> {
        let start = lines
            .iter()
            .position(|(_, l)| !l.trim().is_empty())
            .ok_or_else(|| self.error(line, "the request line is missing: write `GET URL`"))?;
        let (at, request) = lines[start];
        let mut words = request.split_whitespace();
        let (method, url) = match (words.next(), words.next(), words.next()) {
            (Some(method), Some(url), None) if method.chars().all(|c| c.is_ascii_uppercase()) => {
                (method.to_owned(), url.to_owned())
            }
            _ => {
                return Err(self.error(
                    at,
                    format!("bad request line `{request}`: write `METHOD URL`, e.g. `GET URL`"),
                ))
            }
        };
        let (headers, body) = self.head_and_body(&lines[start + 1..])?;
        if body.is_some() && !body_allowed {
            return Err(self.error(at, "this request takes no body"));
        }
        Ok(Request {
            method,
            url,
            headers,
            body,
        })
    }

    /// Header lines up to the first blank line, then the body (if any).
    fn head_and_body(
        &self,
        lines: &[(usize, &str)],
    ) -> Result<(Headers, Option<String>), ParseError> {
        let end = lines
            .iter()
            .position(|(_, l)| l.trim().is_empty())
            .unwrap_or(lines.len());
        let headers = lines[..end]
            .iter()
            .map(|&(at, text)| self.header(at, text))
            .collect::<Result<_, _>>()?;
        let body: Vec<&str> = lines[end..].iter().map(|(_, l)| *l).collect();
        let body = body.join("\n").trim().to_owned();
        Ok((headers, (!body.is_empty()).then_some(body)))
    }

    fn header(&self, line: usize, text: &str) -> Result<(String, String), ParseError> {
        let caps = HEADER_LINE.captures(text).ok_or_else(|| {
            self.error(
                line,
                format!(
                    "bad header line `{text}`: write `Name: value`, and a blank line before a body"
                ),
            )
        })?;
        Ok((caps[1].to_owned(), caps[2].trim().to_owned()))
    }

    fn sse(
        &mut self,
        line: usize,
        lines: &[(usize, &str)],
        options: &BlockOptions,
    ) -> Result<Sse, ParseError> {
        let (source, events) = match (options.get("name"), options.get("from")) {
            (Some(_), Some(_)) => {
                return Err(self.error(
                    line,
                    "`name=` opens a stream and `from=` reads one opened before: use one",
                ))
            }
            (None, Some(from)) => {
                if !self.streams.iter().any(|s| s == from) {
                    return Err(self.error(
                        line,
                        format!(
                            "no stream named `{from}` is opened above in this lane: open it \
                             with ```` ```sse name={from} ```` (open here: {})",
                            quoted(&self.streams)
                        ),
                    ));
                }
                if let Some(&(at, text)) = lines
                    .iter()
                    .find(|(_, l)| !l.trim().is_empty())
                    .filter(|(_, l)| l.split_whitespace().next() == Some("GET"))
                {
                    return Err(self.error(
                        at,
                        format!(
                            "`{text}`: an `sse from={from}` block reads the stream opened \
                             before and lists only events"
                        ),
                    ));
                }
                (SseSource::From(from.to_owned()), self.events(lines)?)
            }
            (keep, None) => {
                let start = lines
                    .iter()
                    .position(|(_, l)| !l.trim().is_empty())
                    .unwrap_or(lines.len());
                let head_end = lines[start..]
                    .iter()
                    .position(|(_, l)| l.trim().is_empty())
                    .map_or(lines.len(), |i| start + i);
                let Request {
                    method,
                    url,
                    headers,
                    ..
                } = self.request(line, &lines[..head_end], false)?;
                if method != "GET" {
                    return Err(self.error(line, "an `sse` stream is read with `GET URL`"));
                }
                if let Some(name) = keep {
                    if !NAME.is_match(name) {
                        return Err(self.error(
                            line,
                            format!("bad stream name `{name}`: use letters, digits and `_`"),
                        ));
                    }
                    if self.streams.len() == MAX_STREAMS {
                        return Err(self.error(
                            line,
                            format!("a lane keeps at most {MAX_STREAMS} streams open: split it"),
                        ));
                    }
                    if self.streams.iter().any(|s| s == name) {
                        return Err(self.error(
                            line,
                            format!("a stream named `{name}` is already open in this lane"),
                        ));
                    }
                    self.streams.push(name.to_owned());
                }
                let source = SseSource::Get {
                    url,
                    headers,
                    keep: keep.map(str::to_owned),
                };
                (source, self.events(&lines[head_end..])?)
            }
        };
        if events.is_empty() && !matches!(&source, SseSource::Get { keep: Some(_), .. }) {
            return Err(self.error(
                line,
                "an `sse` block lists the events it expects after a blank line: the step \
                 reads that many (only a stream opened with `name=` may list none)",
            ));
        }
        Ok(Sse { source, events })
    }

    /// Expected events: `id:`, `event:`, `data:` lines, a blank line
    /// between events.
    fn events(&self, lines: &[(usize, &str)]) -> Result<Vec<Vec<(String, String)>>, ParseError> {
        let mut events: Vec<Vec<(String, String)>> = Vec::new();
        let mut current: Vec<(String, String)> = Vec::new();
        for &(at, text) in lines {
            if text.trim().is_empty() {
                if !current.is_empty() {
                    events.push(std::mem::take(&mut current));
                }
                continue;
            }
            let (field, value) = text.split_once(':').unwrap_or((text, ""));
            let field = field.trim();
            if !matches!(field, "id" | "event" | "data") {
                return Err(self.error(
                    at,
                    format!(
                        "bad event line `{text}`: events are `id: ...`, `event: ...`, \
                         `data: ...` lines, a blank line between events"
                    ),
                ));
            }
            let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
            match current.iter_mut().find(|(f, _)| f == "data") {
                Some((_, data)) if field == "data" => {
                    data.push('\n');
                    data.push_str(&value);
                }
                _ => current.push((field.to_owned(), value)),
            }
        }
        if !current.is_empty() {
            events.push(current);
        }
        Ok(events)
    }

    /// `env NAME=value` and `unset NAME` lines at the top of a `console` or
    /// `daemon` block; the lines after them.
    fn env_changes<'l, 't>(
        &self,
        lines: Lines<'l, 't>,
    ) -> Result<(Vec<EnvChange>, Lines<'l, 't>), ParseError> {
        let mut changes = Vec::new();
        let mut rest = lines;
        while let Some(&(at, text)) = rest.first() {
            let text = text.trim();
            if let Some(pair) = text.strip_prefix("env ") {
                match pair.trim().split_once('=') {
                    Some((key, value)) if NAME.is_match(key) => {
                        changes.push(EnvChange::Set(key.to_owned(), value.to_owned()))
                    }
                    _ => {
                        return Err(self.error(
                            at,
                            format!("bad `{text}`: write `env NAME=value`, one a line"),
                        ))
                    }
                }
            } else if let Some(name) = text.strip_prefix("unset ") {
                let name = name.trim();
                if !NAME.is_match(name) {
                    return Err(
                        self.error(at, format!("bad `{text}`: write `unset NAME`, one a line"))
                    );
                }
                changes.push(EnvChange::Unset(name.to_owned()));
            } else if !text.is_empty() {
                break;
            }
            rest = &rest[1..];
        }
        Ok((changes, rest))
    }

    fn fs(&self, line: usize, lines: &[(usize, &str)]) -> Result<Vec<FsChange>, ParseError> {
        let mut changes = Vec::new();
        for &(at, text) in lines {
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = text.splitn(3, ' ').collect();
            match words[..] {
                ["chmod", mode, path] if !path.trim().is_empty() => {
                    let mode = Mode::parse(mode).ok_or_else(|| {
                        self.error(
                            at,
                            format!(
                                "bad mode `{mode}`: write it in octal (`555`) or as \
                                 `-w`, `u+x`, `go-rwx`"
                            ),
                        )
                    })?;
                    changes.push(FsChange::Chmod {
                        mode,
                        path: path.trim().to_owned(),
                    });
                }
                _ => {
                    return Err(self.error(
                        at,
                        format!(
                            "bad `fs` line `{text}`: write `chmod MODE PATH` (undone when \
                             the lane ends)"
                        ),
                    ))
                }
            }
        }
        if changes.is_empty() {
            return Err(self.error(line, "an empty `fs` block: add `chmod MODE PATH`"));
        }
        Ok(changes)
    }

    fn env(&self, lines: &[(usize, &str)]) -> Result<Vec<(String, String)>, ParseError> {
        let mut vars = Vec::new();
        for &(at, text) in lines {
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            match text.split_once('=') {
                Some((key, value)) if NAME.is_match(key) => {
                    vars.push((key.to_owned(), value.to_owned()))
                }
                _ => {
                    return Err(self.error(
                        at,
                        format!("bad `env` line `{text}`: write `NAME=value`, one a line"),
                    ))
                }
            }
        }
        Ok(vars)
    }

    fn expect(&mut self, line: usize, lines: &[(usize, &str)]) -> Result<(), ParseError> {
        let mut expectations = Vec::new();
        for &(at, text) in lines {
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            if let Some(capture) = text.strip_prefix("capture ") {
                expectations.push(self.capture(at, capture)?);
            } else {
                let check = assert::parse(text).map_err(|m| self.error(at, m))?;
                expectations.push(Expectation::Check { line: at, check });
            }
        }
        let stands_alone = expectations.iter().all(|e| match e {
            Expectation::Check { check, .. } => !check.needs_output(),
            Expectation::Capture { .. } => false,
        });
        let lane = self.runbook.lanes.last_mut();
        let follows_step = lane.as_ref().is_some_and(|lane| {
            lane.finally != Some(lane.steps.len())
                && lane.steps.last().is_some_and(|step| {
                    matches!(
                        step.action,
                        Action::Command(_) | Action::Http(_) | Action::Sse(_)
                    )
                })
        });
        match lane {
            Some(lane) if follows_step => {
                let step = lane.steps.last_mut().expect("checked above");
                step.expect.extend(expectations);
                Ok(())
            }
            Some(lane) if stands_alone && !expectations.is_empty() => {
                lane.steps.push(Step {
                    line,
                    action: Action::Check,
                    timeout: DEFAULT_TIMEOUT,
                    poll: None,
                    expect: expectations,
                });
                Ok(())
            }
            _ => Err(self.error(
                line,
                "an `expect` block checks the output of the `console`, `http` or `sse` step \
                 just before it, in the same lane: move it after one (only `log` lines and \
                 comparisons of `{{name}}` values may stand alone)",
            )),
        }
    }

    /// `capture NAME = $.path` or `capture NAME = regex PATTERN`.
    fn capture(&self, at: usize, text: &str) -> Result<Expectation, ParseError> {
        let (name, right) = text.split_once('=').ok_or_else(|| {
            self.error(
                at,
                format!(
                    "bad `capture {text}`: write `capture NAME = $.path` or \
                     `capture NAME = regex PATTERN`"
                ),
            )
        })?;
        let (name, right) = (name.trim(), right.trim());
        if !NAME.is_match(name) {
            return Err(self.error(
                at,
                format!("bad capture name `{name}`: use letters, digits and `_`"),
            ));
        }
        if name == "port" {
            return Err(self.error(
                at,
                "`port` is taken by `{{port:NAME}}`: capture into another name",
            ));
        }
        let from = if let Some(pattern) = right.strip_prefix("regex ") {
            let pattern = pattern.trim();
            if !pattern.contains("{{") {
                Regex::new(pattern).map_err(|err| {
                    self.error(at, format!("bad regex in capture `{name}`: {err}"))
                })?;
            }
            CaptureFrom::Regex(pattern.to_owned())
        } else {
            CaptureFrom::Json(JsonPath::parse(right).map_err(|m| self.error(at, m))?)
        };
        Ok(Expectation::Capture {
            line: at,
            name: name.to_owned(),
            from,
        })
    }

    fn finish(mut self) -> Result<Runbook, ParseError> {
        if self.runbook.lanes.is_empty() {
            return Err(self.error(
                0,
                format!("no lanes: add a `## Lane` heading followed by steps ({KINDS} blocks)"),
            ));
        }
        for index in 0..self.runbook.lanes.len() {
            let lane = &self.runbook.lanes[index];
            if lane.finally == Some(lane.steps.len()) {
                return Err(self.error(
                    self.finally_lines[index].unwrap_or(lane.line),
                    format!(
                        "lane `{}` has `<!-- finally -->` with no step after it: add the \
                         steps that must run even when the lane breaks, or remove it",
                        lane.name
                    ),
                ));
            }
            if lane.steps.is_empty() {
                return Err(self.error(
                    lane.line,
                    format!(
                        "lane `{}` has no steps: add a fenced block whose info string is one \
                         of {KINDS}",
                        lane.name
                    ),
                ));
            }
            let needs = match &self.needs[index] {
                None => (0..index).collect(),
                Some((line, names)) => {
                    let mut needs = Vec::new();
                    for name in names {
                        let found = self.runbook.lanes[..index]
                            .iter()
                            .position(|l| &l.slug == name)
                            .ok_or_else(|| {
                                let earlier: Vec<String> = self.runbook.lanes[..index]
                                    .iter()
                                    .map(|l| l.slug.clone())
                                    .collect();
                                self.error(
                                    *line,
                                    format!(
                                        "`needs: {name}` names no earlier lane: name one of {}{}",
                                        quoted(&earlier),
                                        suggest::did_you_mean(name, &earlier)
                                    ),
                                )
                            })?;
                        needs.push(found);
                    }
                    needs.sort_unstable();
                    needs.dedup();
                    needs
                }
            };
            self.runbook.lanes[index].needs = needs;
        }
        Ok(self.runbook)
    }
}

/// A block's lines with their line numbers.
type Lines<'l, 't> = &'l [(usize, &'t str)];

/// Header lines as `(name, value)`.
type Headers = Vec<(String, String)>;

/// The request part of an `http` or `sse` block.
struct Request {
    method: String,
    url: String,
    headers: Headers,
    body: Option<String>,
}

/// `key=value` options from a block's info string, and the block's line.
struct BlockOptions<'o>(Vec<(&'o str, &'o str)>, usize);

impl BlockOptions<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn duration(&self, parser: &RunbookParser, key: &str) -> Result<Option<Duration>, ParseError> {
        self.get(key)
            .map(|value| {
                duration(value).ok_or_else(|| {
                    parser.error(
                        self.1,
                        format!("bad duration `{key}={value}`: write e.g. `500ms`, `2s`, `1m`"),
                    )
                })
            })
            .transpose()
    }
}

/// `500ms`, `2s`, `1.5s`, `1m`.
pub(super) fn duration(text: &str) -> Option<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic())?);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        _ => return None,
    };
    (seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0)
        .then(|| Duration::from_secs_f64(seconds))
}

fn command_line(line: &str) -> Option<&str> {
    if line == "$" {
        Some("")
    } else {
        line.strip_prefix("$ ")
    }
}

/// The lane name a test and `needs:` use: lower case, `-` between words.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Runbook, ParseError> {
        super::parse(Path::new("rb.md"), text)
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    const FULL: &str = r#"# Orchestrator smoke test

Prose is kept.

```env
GIT_AUTHOR_NAME=Runbook
```

## Start the daemon

```daemon name=web timeout=3s
$ python3 -m http.server {{port:web}}
ready http http://127.0.0.1:{{port:web}}/
```

```console timeout=2s poll=5s every=50ms
$ echo hello
> echo world
hello
...
$ false
? 1
```

```expect
$.fail = 0
capture id = $.checks[0].name
capture listen_port = regex port (\d+)
```

## API
<!-- needs: start-the-daemon -->
<!-- must-fail: wrong http status -->

```http
POST http://127.0.0.1:{{port:web}}/api
Content-Type: application/json

{"a": 1}

HTTP/1.1 201 Created
Content-Type: application/json

{"id": "[..]"}
```

```sse
GET http://127.0.0.1:{{port:web}}/events
Last-Event-ID: 3

id: 4
data: {"seq": 4}

id: 5
data: line 1
data: line 2
```

```stop
web
```

```text
not a step
```
"#;

    #[test]
    fn parses_every_kind_of_step() {
        let runbook = parse(FULL).unwrap();
        assert_eq!(runbook.title.as_deref(), Some("Orchestrator smoke test"));
        assert_eq!(
            runbook.env,
            vec![("GIT_AUTHOR_NAME".into(), "Runbook".into())]
        );
        let [start, api] = &runbook.lanes[..] else {
            panic!("two lanes")
        };
        assert_eq!((start.slug.as_str(), start.line), ("start-the-daemon", 9));
        assert_eq!(start.steps.len(), 3);
        let Action::Daemon(daemon) = &start.steps[0].action else {
            panic!()
        };
        assert_eq!(daemon.name, "web");
        assert_eq!(
            daemon.ready,
            Ready::Http("http://127.0.0.1:{{port:web}}/".into())
        );
        assert_eq!(start.steps[0].timeout, Duration::from_secs(3));
        let echo = &start.steps[1];
        assert_eq!(echo.line, 17);
        let Action::Command(command) = &echo.action else {
            panic!()
        };
        assert_eq!(command.script, "echo hello\necho world");
        assert_eq!(command.stdout.as_deref(), Some("hello\n..."));
        assert_eq!(command.status, ExpectedStatus::Codes(vec![0]));
        assert_eq!(
            echo.poll,
            Some(Poll {
                within: Duration::from_secs(5),
                every: Duration::from_millis(50)
            })
        );
        let falsy = &start.steps[2];
        let Action::Command(command) = &falsy.action else {
            panic!()
        };
        assert_eq!(
            (command.status.clone(), command.stdout.as_deref()),
            (ExpectedStatus::Codes(vec![1]), None)
        );
        assert_eq!(falsy.expect.len(), 3, "expect attaches to the last command");
        assert!(echo.expect.is_empty());

        assert_eq!(api.needs, vec![0]);
        assert_eq!(api.must_fail, Some(Reason::WrongHttpStatus));
        let Action::Http(http) = &api.steps[0].action else {
            panic!()
        };
        assert_eq!(
            (http.method.as_str(), http.status),
            ("POST", HttpStatus::Code(201))
        );
        assert_eq!(http.body.as_deref(), Some(r#"{"a": 1}"#));
        assert_eq!(
            http.expect_headers,
            vec![("Content-Type".into(), "application/json".into())]
        );
        assert_eq!(http.expect_body.as_deref(), Some(r#"{"id": "[..]"}"#));
        let Action::Sse(sse) = &api.steps[1].action else {
            panic!()
        };
        let SseSource::Get { headers, keep, .. } = &sse.source else {
            panic!()
        };
        assert_eq!(headers, &vec![("Last-Event-ID".into(), "3".into())]);
        assert_eq!(keep, &None);
        assert_eq!(sse.events.len(), 2);
        assert_eq!(sse.events[1][1], ("data".into(), "line 1\nline 2".into()));
        assert!(matches!(&api.steps[2].action, Action::Stop(names) if names == &["web"]));
        assert_eq!(api.steps.len(), 3, "a `text` block is prose");
    }

    #[test]
    fn lanes_need_every_earlier_lane_unless_told() {
        let text = "## a\n```console\n$ true\n```\n## b\n```console\n$ true\n```\n\
                    ## c\n<!-- needs: -->\n```console\n$ true\n```\n## d\n```console\n$ true\n```\n";
        let runbook = parse(text).unwrap();
        let needs: Vec<Vec<usize>> = runbook.lanes.iter().map(|l| l.needs.clone()).collect();
        assert_eq!(needs, vec![vec![], vec![0], vec![], vec![0, 1, 2]]);
    }

    #[test]
    fn errors_name_the_line_and_the_fix() {
        assert_eq!(
            error("## a\n\n```console\nls\n```\n"),
            "rb.md:4: a `console` block holds `$ command` lines, each followed by the output \
             it must print (`env NAME=value` and `unset NAME` lines may come first): start \
             this line with `$ `"
        );
        assert!(error("# only a title\n").starts_with("rb.md: no lanes"));
        assert!(error("```console\n$ ls\n```\n").starts_with("rb.md:1: a `console` step before"));
        assert!(error("## a\n\ntext\n").starts_with("rb.md:1: lane `a` has no steps"));
        assert!(error("## a\n```console\n$ x\n? 1\nmore\n```\n").starts_with("rb.md:4: `? STATUS`"));
        assert!(
            error("## a\n```console\n$ x\n? two\n```\n").starts_with("rb.md:4: bad exit status")
        );
        assert!(error("## a\n```console wait=1s\n$ x\n```\n")
            .contains("unknown option `wait=1s`: a `console` block takes `timeout=`"));
        assert!(error("## a\n```console timeout=soon\n$ x\n```\n").contains("bad duration"));
        assert!(error("## a\n```daemon\n$ x\n```\n").contains("a daemon needs a name"));
        assert!(error("## a\n```daemon name=d\n$ x\n```\n").contains("readiness probe"));
        assert!(error("## a\n```stop\nweb\n```\n").contains("no daemon named `web`"));
        assert!(error("## a\n```http\nGET http://x/\n```\n").contains("expected status line"));
        assert!(
            error("## a\n```http\nGET http://x/\nBroken header\nHTTP 200\n```\n")
                .starts_with("rb.md:4: bad header line")
        );
        assert!(error("## a\n```sse\nGET http://x/\n```\n").contains("lists the events"));
        assert!(error("## a\n```expect\n$.a = 1\n```\n").contains("checks the output"));
        assert!(
            error("## a\n```console\n$ x\n```\n```expect\n$.a = pass\n```\n")
                .starts_with("rb.md:6: `pass` is not JSON")
        );
        assert!(
            error("## a\n```console\n$ x\n```\n```expect\ncapture x = $.[\n```\n")
                .contains("bad JSON path")
        );
        assert!(
            error("## a\n```console\n$ x\n```\n```expect\ncapture x = regex (\n```\n")
                .contains("bad regex")
        );
        assert!(
            error("## a\n<!-- must-fail: it broke -->\n```console\n$ x\n```\n")
                .contains("unknown must-fail reason `it broke`: use one of `wrong exit status`")
        );
        assert!(
            error("<!-- must-fail: step timed out -->\n## a\n```console\n$ x\n```\n")
                .starts_with("rb.md:1: `must-fail:` belongs to a lane")
        );
        assert!(error("## a\n<!-- needs: b -->\n```console\n$ x\n```\n")
            .contains("`needs: b` names no earlier lane"));
        assert!(error(
            "## Set up\n```console\n$ x\n```\n## b\n<!-- needs: setup -->\n```console\n$ x\n```\n"
        )
        .ends_with(
            "`needs: setup` names no earlier lane: name one of `set-up`; did you mean `set-up`?"
        ));
        assert!(error(
            "## a\n```daemon name=web\n$ x\nready tcp 127.0.0.1:1\n```\n```stop\nwebb\n```\n"
        )
        .ends_with("name one of `web`; did you mean `web`?"));
        assert!(
            error("## A b\n```console\n$ x\n```\n## a-B\n```console\n$ x\n```\n")
                .starts_with("rb.md:5: lane `a-B` has the same name `a-b`")
        );
    }

    const NEW: &str = r#"## Assertions
```daemon name=web
env MODE=test
unset GIT_DIR
$ serve
ready log listening
```

```expect
log web /listening on/ within 5s
{{after}} == {{before}} + 1
```

```console
env PATH=/usr/bin:/bin
$ tool
? 0|1
$ other
? any
```

```expect
$.pid is integer
$.checks[?(@.name=='git')].status = "pass"
{{a}} != {{b}}
not regex panicked
```

```http
GET http://127.0.0.1:1/
HTTP 4xx
```

```sse name=changes
GET http://127.0.0.1:1/events
```

```fs
chmod -w repo
```
<!-- finally -->
```sse from=changes
data: {"seq": 6}
```
"#;

    #[test]
    fn parses_the_assertions_streams_and_finally() {
        let runbook = parse(NEW).unwrap();
        let lane = &runbook.lanes[0];
        let Action::Daemon(daemon) = &lane.steps[0].action else {
            panic!()
        };
        assert_eq!(
            daemon.env,
            [
                EnvChange::Set("MODE".into(), "test".into()),
                EnvChange::Unset("GIT_DIR".into())
            ]
        );
        assert!(
            matches!(lane.steps[1].action, Action::Check),
            "a log wait stands alone"
        );
        assert_eq!(lane.steps[1].expect.len(), 2);
        let Action::Command(tool) = &lane.steps[2].action else {
            panic!()
        };
        assert_eq!(tool.status, ExpectedStatus::Codes(vec![0, 1]));
        assert_eq!(
            tool.env,
            [EnvChange::Set("PATH".into(), "/usr/bin:/bin".into())]
        );
        let Action::Command(other) = &lane.steps[3].action else {
            panic!()
        };
        assert_eq!(other.status, ExpectedStatus::Any);
        assert_eq!(lane.steps[3].expect.len(), 4);
        let Action::Http(http) = &lane.steps[4].action else {
            panic!()
        };
        assert_eq!(http.status, HttpStatus::Class(4));
        let Action::Sse(open) = &lane.steps[5].action else {
            panic!()
        };
        assert!(matches!(&open.source, SseSource::Get { keep: Some(k), .. } if k == "changes"));
        assert!(open.events.is_empty());
        assert!(matches!(lane.steps[6].action, Action::Fs(_)));
        assert_eq!(lane.finally, Some(7));
        let Action::Sse(from) = &lane.steps[7].action else {
            panic!()
        };
        assert!(matches!(&from.source, SseSource::From(k) if k == "changes"));
    }

    #[test]
    fn malformed_new_constructs_name_the_line() {
        let lane = |body: &str| format!("## a\n```console\n$ x\n```\n{body}");
        for (body, line, says) in [
            ("```expect\n$.a is big\n```\n", 6, "unknown `is big`"),
            ("```expect\n$.a has lots\n```\n", 6, "write `has 3 items`"),
            ("```expect\nlog web listening\n```\n", 6, "goes between `/`"),
            (
                "```expect\n{{a}} == nope\n```\n",
                6,
                "`nope` is not a value",
            ),
            ("```expect\n$[?(@.a==\n```\n", 6, "bad JSON path"),
            (
                "```console\nenv 1X=2\n$ y\n```\n",
                6,
                "write `env NAME=value`",
            ),
            ("```console\nunset A B\n$ y\n```\n", 6, "write `unset NAME`"),
            (
                "```console\n$ y\n? 0|x\n```\n",
                7,
                "bad exit status `? 0|x`",
            ),
            (
                "```http\nGET http://x/\nHTTP 9xx\n```\n",
                7,
                "bad status line `HTTP 9xx`",
            ),
            (
                "```http\nGET http://x/\nHTTP not 40\n```\n",
                7,
                "`HTTP not 405`",
            ),
            ("```sse from=s\ndata: 1\n```\n", 5, "no stream named `s`"),
            ("```sse name=s from=s\ndata: 1\n```\n", 5, "use one"),
            (
                "```sse name=a-b\nGET http://x/\n```\n",
                5,
                "bad stream name `a-b`",
            ),
            (
                "```sse name=s\nGET http://x/\n```\n```sse from=s\nGET http://x/\n```\n",
                9,
                "lists only events",
            ),
            (
                "```sse\nGET http://x/\n```\n",
                5,
                "only a stream opened with `name=`",
            ),
            ("```fs\nchmod w repo\n```\n", 6, "bad mode `w`"),
            ("```fs\nrm repo\n```\n", 6, "bad `fs` line `rm repo`"),
            ("<!-- finally -->\n", 5, "with no step after it"),
            (
                "<!-- finally -->\n```console\n$ y\n```\n<!-- finally -->\n",
                9,
                "one `finally`",
            ),
        ] {
            let err = error(&lane(body));
            assert!(err.starts_with(&format!("rb.md:{line}: ")), "{body}: {err}");
            assert!(err.contains(says), "{body}: {err}");
        }
        assert!(
            error("## a\n```fs\nchmod -w x\n```\n```expect\n$.a = 1\n```\n")
                .contains("only `log` lines and comparisons")
        );
    }

    #[test]
    fn slugs_are_lower_case_words() {
        assert_eq!(slug("Kill & restore: session #2"), "kill-restore-session-2");
        assert_eq!(slug("  --- "), "");
        assert_eq!(duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(duration("0s"), None);
    }
}
