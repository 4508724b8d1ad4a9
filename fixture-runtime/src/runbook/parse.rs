//! Markdown to [`Runbook`]: `#` is the title, `##` a lane, fenced blocks
//! with a step kind as info string are steps, HTML comments under a lane
//! are directives (`must-fail:`, `needs:`). Other blocks and text are prose.

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
use regex::Regex;

use super::expect::JsonPath;
use super::vars;
use super::{
    Action, CaptureFrom, Command, Daemon, Expectation, ExpectedStatus, Http, Lane, ParseError,
    Poll, Ready, Reason, Runbook, Sse, Step,
};

/// A step's time budget unless `timeout=` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause between tries of a `poll=` step unless `every=` says otherwise.
const DEFAULT_EVERY: Duration = Duration::from_millis(100);
/// The info strings that make a fenced block a step.
const KINDS: &str = "`console`, `daemon`, `stop`, `http`, `sse`, `env`, `expect`";

static STATUS_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^HTTP(/\d(\.\d)?)? +(\d{3})\b").expect("valid regex"));
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
                });
                self.needs.push(None);
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
            "sse" => &["timeout"],
            "stop" | "env" | "expect" => &[],
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
            "sse" => vec![(line, Action::Sse(self.sse(line, &lines)?))],
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
        let mut rest = lines;
        while let Some(&(at, first)) = rest.first() {
            let Some(script) = command_line(first) else {
                if first.trim().is_empty() {
                    rest = &rest[1..];
                    continue;
                }
                return Err(self.error(
                    at,
                    "a `console` block holds `$ command` lines, each followed by the output \
                     it must print: start this line with `$ `",
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
            let mut status = ExpectedStatus::Code(0);
            if let Some(&(status_at, last)) = output.last() {
                if let Some(code) = last.strip_prefix("? ") {
                    status = match code.trim() {
                        "failed" => ExpectedStatus::Failed,
                        code => ExpectedStatus::Code(code.parse().map_err(|_| {
                            self.error(
                                status_at,
                                format!(
                                    "bad exit status `? {code}`: write `? 0`, `? 2` or `? failed`"
                                ),
                            )
                        })?),
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
                        "no daemon named `{name}` is started above: name one of {}",
                        quoted(&self.daemons)
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
        let status = STATUS_LINE.captures(status_line).expect("matched above")[3]
            .parse()
            .map_err(|_| self.error(at, "bad status code"))?;
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

    fn sse(&self, line: usize, lines: &[(usize, &str)]) -> Result<Sse, ParseError> {
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
        let mut events: Vec<Vec<(String, String)>> = Vec::new();
        let mut current: Vec<(String, String)> = Vec::new();
        for &(at, text) in &lines[head_end..] {
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
        if events.is_empty() {
            return Err(self.error(
                line,
                "an `sse` block lists the events it expects after a blank line: the step \
                 reads that many",
            ));
        }
        Ok(Sse {
            url,
            headers,
            events,
        })
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
            let (left, right) = text.split_once('=').ok_or_else(|| {
                self.error(
                    at,
                    format!(
                        "bad `expect` line `{text}`: write `$.path = JSON`, \
                         `capture NAME = $.path` or `capture NAME = regex PATTERN`"
                    ),
                )
            })?;
            let (left, right) = (left.trim(), right.trim());
            if let Some(name) = left.strip_prefix("capture ") {
                let name = name.trim();
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
                expectations.push(Expectation::Capture {
                    line: at,
                    name: name.to_owned(),
                    from,
                });
            } else if left.starts_with('$') {
                let path = JsonPath::parse(left).map_err(|m| self.error(at, m))?;
                if !right.contains("{{") {
                    serde_json::from_str::<serde_json::Value>(right).map_err(|err| {
                        self.error(
                            at,
                            format!(
                                "`{right}` is not JSON ({err}): quote strings, e.g. `\"pass\"`"
                            ),
                        )
                    })?;
                }
                expectations.push(Expectation::Json {
                    line: at,
                    path,
                    value: right.to_owned(),
                });
            } else {
                return Err(self.error(
                    at,
                    format!(
                        "bad `expect` line `{text}`: a JSON check starts with `$`, \
                         a capture with `capture`"
                    ),
                ));
            }
        }
        let step = self
            .runbook
            .lanes
            .last_mut()
            .and_then(|lane| lane.steps.last_mut())
            .filter(|step| {
                matches!(
                    step.action,
                    Action::Command(_) | Action::Http(_) | Action::Sse(_)
                )
            });
        match step {
            Some(step) => {
                step.expect.extend(expectations);
                Ok(())
            }
            None => Err(self.error(
                line,
                "an `expect` block checks the output of the `console`, `http` or `sse` step \
                 just before it, in the same lane: move it after one",
            )),
        }
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
                                        "`needs: {name}` names no earlier lane: name one of {}",
                                        quoted(&earlier)
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
fn duration(text: &str) -> Option<Duration> {
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
        assert_eq!(command.status, ExpectedStatus::Code(0));
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
            (command.status, command.stdout.as_deref()),
            (ExpectedStatus::Code(1), None)
        );
        assert_eq!(falsy.expect.len(), 3, "expect attaches to the last command");
        assert!(echo.expect.is_empty());

        assert_eq!(api.needs, vec![0]);
        assert_eq!(api.must_fail, Some(Reason::WrongHttpStatus));
        let Action::Http(http) = &api.steps[0].action else {
            panic!()
        };
        assert_eq!((http.method.as_str(), http.status), ("POST", 201));
        assert_eq!(http.body.as_deref(), Some(r#"{"a": 1}"#));
        assert_eq!(
            http.expect_headers,
            vec![("Content-Type".into(), "application/json".into())]
        );
        assert_eq!(http.expect_body.as_deref(), Some(r#"{"id": "[..]"}"#));
        let Action::Sse(sse) = &api.steps[1].action else {
            panic!()
        };
        assert_eq!(sse.headers, vec![("Last-Event-ID".into(), "3".into())]);
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
             it must print: start this line with `$ `"
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
        assert!(
            error("## A b\n```console\n$ x\n```\n## a-B\n```console\n$ x\n```\n")
                .starts_with("rb.md:5: lane `a-B` has the same name `a-b`")
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
