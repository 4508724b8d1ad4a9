//! Reading events of a server-sent event stream (`text/event-stream`):
//! `id:`, `event:` and `data:` fields, a blank line ending each event, `:`
//! lines ignored. Events are read one at a time, so a step ends as soon as
//! it has the events it expects, though the stream stays open.

use std::io::{BufRead, BufReader};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::http;

/// One event as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// The `id:` field, if sent.
    pub id: Option<String>,
    /// The `event:` field, if sent.
    pub event: Option<String>,
    /// The `data:` lines, joined by newlines.
    pub data: Option<String>,
}

impl Event {
    /// A field by name (`id`, `event`, `data`).
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "id" => self.id.as_deref(),
            "event" => self.event.as_deref(),
            "data" => self.data.as_deref(),
            _ => None,
        }
    }

    /// The event as `expect` blocks see it: `data` parsed when it is JSON.
    pub fn to_json(&self) -> Value {
        let data = self.data.as_deref().map(|data| {
            serde_json::from_str(data).unwrap_or_else(|_| Value::String(data.to_owned()))
        });
        json!({"id": self.id, "event": self.event, "data": data})
    }

    /// The event as the lines of an `sse` block.
    pub fn render(&self) -> String {
        let mut lines = Vec::new();
        for name in ["id", "event"] {
            if let Some(value) = self.field(name) {
                lines.push(format!("{name}: {value}"));
            }
        }
        if let Some(data) = &self.data {
            lines.extend(data.split('\n').map(|line| format!("data: {line}")));
        }
        lines.join("\n")
    }
}

/// Events as they arrive on a stream, one at a time, so a step stops
/// reading as soon as it has what it expects.
pub struct Events<R> {
    reader: R,
    count: usize,
}

impl<R: BufRead> Events<R> {
    /// Reads events from `reader`.
    pub fn new(reader: R) -> Events<R> {
        Events { reader, count: 0 }
    }

    /// The next event, read up to the blank line that ends it and no
    /// further; `Err` says why none came (the stream ended or broke).
    pub fn next_event(&mut self) -> Result<Event, String> {
        let mut current = Event::default();
        let mut started = false;
        let mut line = String::new();
        loop {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => {
                    return Err(format!("the stream ended after {} events", self.count));
                }
                Ok(_) => {}
                Err(err) => {
                    return Err(format!(
                        "the stream broke after {} events: {err}",
                        self.count
                    ))
                }
            }
            let text = line.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                if started {
                    self.count += 1;
                    return Ok(current);
                }
                continue;
            }
            if text.starts_with(':') {
                continue;
            }
            let (field, value) = text.split_once(':').unwrap_or((text, ""));
            let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
            match field {
                "id" => current.id = Some(value),
                "event" => current.event = Some(value),
                "data" => match &mut current.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(&value);
                    }
                    None => current.data = Some(value),
                },
                _ => continue,
            }
            started = true;
        }
    }
}

/// A stream being read.
pub type Reader = Events<BufReader<ureq::BodyReader<'static>>>;

/// Opens `url` with `GET` (`Accept: text/event-stream` unless given),
/// answering within `timeout` and kept for at most `keep_for`; `Err` when
/// the stream cannot be opened: status 0 when no response came.
pub fn open(
    url: &str,
    headers: &[(String, String)],
    timeout: Duration,
    keep_for: Duration,
) -> Result<Reader, (u16, String)> {
    let mut headers = headers.to_vec();
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("accept"))
    {
        headers.push(("Accept".to_owned(), "text/event-stream".to_owned()));
    }
    let response =
        http::open("GET", url, &headers, None, timeout, keep_for).map_err(|err| (0, err))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err((
            status,
            format!("GET {url} answered {status}, not an event stream"),
        ));
    }
    Ok(Events::new(BufReader::new(
        response.into_body().into_reader(),
    )))
}

/// A stream kept open for later steps: a thread reads it and hands each
/// event over as it arrives. The thread ends when the stream ends, or at
/// the next event after the [`Kept`] is dropped.
pub struct Kept {
    events: Receiver<Result<Event, String>>,
    ended: Option<String>,
}

impl Kept {
    /// Reads `reader` in the background.
    pub fn new(mut reader: Reader) -> Kept {
        let (send, events) = mpsc::channel();
        thread::spawn(move || loop {
            let next = reader.next_event();
            let last = next.is_err();
            if send.send(next).is_err() || last {
                break;
            }
        });
        Kept {
            events,
            ended: None,
        }
    }

    /// The next event, waiting until `deadline`.
    pub fn next_event(&mut self, deadline: Instant) -> Result<Event, String> {
        if let Some(ended) = &self.ended {
            return Err(ended.clone());
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.events.recv_timeout(wait) {
            Ok(Ok(event)) => Ok(event),
            Ok(Err(ended)) => Err(self.ended.insert(ended).clone()),
            Err(RecvTimeoutError::Timeout) => Err("no event came in time".to_owned()),
            Err(RecvTimeoutError::Disconnected) => {
                Err(self.ended.insert("the stream ended".to_owned()).clone())
            }
        }
    }
}

/// Why the events read are not the events expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// An event arrived with a field other than expected (1-based).
    Field {
        /// Which event.
        index: usize,
        /// The field.
        field: String,
        /// What was expected.
        want: String,
        /// What came, if the field was sent.
        got: Option<String>,
    },
    /// Fewer events came: why reading stopped.
    Short(String),
}

/// Reads events one at a time with `next` and compares each with the
/// next expected one, stopping as soon as all arrived or one differs
/// (later ones cannot make up for it). Returns the events read.
pub fn expect_events(
    expected: &[Vec<(String, String)>],
    mut next: impl FnMut() -> Result<Event, String>,
) -> (Vec<Event>, Option<Mismatch>) {
    let mut events = Vec::new();
    for (index, fields) in expected.iter().enumerate() {
        let event = match next() {
            Ok(event) => event,
            Err(why) => return (events, Some(Mismatch::Short(why))),
        };
        let differs = fields
            .iter()
            .find(|(field, want)| !field_matches(want, field, event.field(field)));
        let mismatch = differs.map(|(field, want)| Mismatch::Field {
            index: index + 1,
            field: field.clone(),
            want: want.clone(),
            got: event.field(field).map(str::to_owned),
        });
        events.push(event);
        if mismatch.is_some() {
            return (events, mismatch);
        }
    }
    (events, None)
}

fn field_matches(want: &str, field: &str, got: Option<&str>) -> bool {
    match (got, serde_json::from_str::<Value>(want)) {
        (None, _) => false,
        (Some(got), Ok(want)) if field == "data" => serde_json::from_str(got)
            .is_ok_and(|got| super::expect::json_matches(&want, &got).is_ok()),
        (Some(got), _) => super::expect::text_matches(want, got),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_multiline_data_and_comments() {
        let text = ": hello\nid: 1\nevent: tick\ndata: {\"n\": 1}\n\nid: 2\ndata: a\ndata: b\n\n";
        let mut events = Events::new(text.as_bytes());
        let first = events.next_event().unwrap();
        assert_eq!(first.event.as_deref(), Some("tick"));
        assert_eq!(first.to_json()["data"]["n"], 1);
        let second = events.next_event().unwrap();
        assert_eq!(second.data.as_deref(), Some("a\nb"));
        assert_eq!(second.render(), "id: 2\ndata: a\ndata: b");
        assert_eq!(
            events.next_event().unwrap_err(),
            "the stream ended after 2 events"
        );
    }

    #[test]
    fn an_event_is_handed_over_without_reading_past_its_blank_line() {
        struct NoMoreAfter<'a>(&'a [u8]);
        impl std::io::Read for NoMoreAfter<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                assert!(!self.0.is_empty(), "read past the end of the event");
                let n = self.0.len().min(buf.len()).min(1);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let reader = BufReader::with_capacity(1, NoMoreAfter(b"data: x\n\n"));
        let event = Events::new(reader).next_event().unwrap();
        assert_eq!(event.data.as_deref(), Some("x"));
    }
}
