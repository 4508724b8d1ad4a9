//! Reading the first events of a server-sent event stream
//! (`text/event-stream`): `id:`, `event:` and `data:` fields, a blank line
//! ending each event, `:` lines ignored.

use std::io::{BufRead, BufReader};
use std::time::Duration;

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

/// What reading a stream gave.
#[derive(Debug, Clone)]
pub struct Stream {
    /// The events read, at most the number asked for.
    pub events: Vec<Event>,
    /// Why reading stopped before that many, if it did.
    pub cut_short: Option<String>,
}

/// Opens `url` with `GET` and reads its first `count` events within
/// `timeout`; `Err` when the stream cannot be opened.
pub fn read(
    url: &str,
    headers: &[(String, String)],
    count: usize,
    timeout: Duration,
) -> Result<Stream, (u16, String)> {
    let mut headers = headers.to_vec();
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("accept"))
    {
        headers.push(("Accept".to_owned(), "text/event-stream".to_owned()));
    }
    let response = http::open("GET", url, &headers, None, timeout).map_err(|err| (0, err))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err((
            status,
            format!("GET {url} answered {status}, not an event stream"),
        ));
    }
    let reader = BufReader::new(response.into_body().into_reader());
    Ok(parse(reader, count))
}

/// Parses events from a stream until `count` of them or its end.
pub fn parse(reader: impl BufRead, count: usize) -> Stream {
    let mut events = Vec::new();
    let mut current = Event::default();
    let mut started = false;
    for line in reader.lines() {
        if events.len() == count {
            break;
        }
        let line = match line {
            Ok(line) => line,
            Err(err) => {
                return Stream {
                    cut_short: Some(format!(
                        "the stream broke after {} of {count} events: {err}",
                        events.len()
                    )),
                    events,
                }
            }
        };
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            if started {
                events.push(std::mem::take(&mut current));
                started = false;
            }
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
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
    let cut_short = (events.len() < count)
        .then(|| format!("the stream ended after {} of {count} events", events.len()));
    Stream { events, cut_short }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_multiline_data_and_comments() {
        let text = ": hello\nid: 1\nevent: tick\ndata: {\"n\": 1}\n\nid: 2\ndata: a\ndata: b\n\nid: 3\ndata: c\n\n";
        let stream = parse(text.as_bytes(), 2);
        assert!(stream.cut_short.is_none());
        assert_eq!(stream.events.len(), 2);
        assert_eq!(stream.events[0].event.as_deref(), Some("tick"));
        assert_eq!(stream.events[0].to_json()["data"]["n"], 1);
        assert_eq!(stream.events[1].data.as_deref(), Some("a\nb"));
        assert_eq!(stream.events[1].render(), "id: 2\ndata: a\ndata: b");
    }

    #[test]
    fn a_short_stream_says_how_many_came() {
        let stream = parse("data: x\n\n".as_bytes(), 3);
        assert_eq!(stream.events.len(), 1);
        assert_eq!(
            stream.cut_short.as_deref(),
            Some("the stream ended after 1 of 3 events")
        );
    }
}
