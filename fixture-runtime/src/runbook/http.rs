//! HTTP for runbooks: one request with its whole response, on loopback or
//! wherever the runbook points, never through a proxy or a redirect.

use std::time::Duration;

use ureq::http::Request;
use ureq::{Agent, Body};

/// A response as a runbook checks it.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers in the order received, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8).
    pub body: String,
}

impl Response {
    /// The first value of a header (name case ignored).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends a request and reads the whole response within `timeout`.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    timeout: Duration,
) -> Result<Response, String> {
    let mut response = open(method, url, headers, body, timeout, timeout)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = response
        .body_mut()
        .read_to_vec()
        .map_err(|err| format!("cannot read the response body: {err}"))?;
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// Sends a request and returns the response with its body unread: the
/// response must start within `respond_within`, and the connection ends
/// after `whole_within` in any case (for a stream kept open, much later).
pub fn open(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    respond_within: Duration,
    whole_within: Duration,
) -> Result<ureq::http::Response<Body>, String> {
    let agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(whole_within.max(respond_within)))
        .timeout_recv_response(Some(respond_within))
        .allow_non_standard_methods(true)
        .build()
        .into();
    let mut request = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let sent = match body {
        Some(body) => request
            .body(body.to_owned())
            .map_err(|err| format!("bad request {method} {url}: {err}"))
            .and_then(|request| agent.run(request).map_err(|err| err.to_string())),
        None => request
            .body(())
            .map_err(|err| format!("bad request {method} {url}: {err}"))
            .and_then(|request| agent.run(request).map_err(|err| err.to_string())),
    };
    sent.map_err(|err| format!("{method} {url} failed: {err}"))
}
