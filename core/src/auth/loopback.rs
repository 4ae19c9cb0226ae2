//! The loopback redirect of RFC 8252 §7.3: a tiny HTTP listener on
//! `127.0.0.1` (or `localhost`, `[::1]`) that receives the browser's
//! `GET /callback?code=…&state=…` at the end of a sign-in and answers with a
//! page saying the person can close the tab.
//!
//! The development provider accepts any port; a real Cognito app client
//! accepts only the redirect URIs registered with it, port included, so a
//! command line signing in against Cognito uses a fixed, registered
//! `http://localhost:PORT/callback` ([`LoopbackConfig::fixed`]).
//!
//! # Lifecycle
//!
//! [`LoopbackListener::bind`] listens; [`LoopbackListener::next_callback`]
//! accepts connections until one carries a sign-in answer to the callback
//! path. Each connection is read on its own task with a deadline (browsers
//! open speculative connections that never send anything); requests for
//! other paths (`/favicon.ico`) get a 404 and are otherwise ignored. The
//! answering connection is handed back as a [`CallbackReply`], held open
//! while pq redeems the code, and then answered with the outcome. Dropping
//! the listener closes every socket.
//!
//! The HTTP is written by hand: one route, one request per connection,
//! `Connection: close`. The response pages are self-contained (no scripts,
//! no outside resources, `Referrer-Policy: no-referrer`).

use std::{net::SocketAddr, time::Duration};

use futures_util::future::select_all;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
    task::JoinSet,
};

use super::{AuthError, oidc::Callback};

/// How long a connection may take to send its request head.
const READ_DEADLINE: Duration = Duration::from_secs(10);
/// How long writing a response may take.
const WRITE_DEADLINE: Duration = Duration::from_secs(5);
/// Largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// Where the loopback listener listens. The default is `127.0.0.1`, any
/// free port, path `/callback`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopbackConfig {
    /// `127.0.0.1` (the default; RFC 8252 recommends the literal),
    /// `localhost` (what Cognito accepts over plain http; pq then listens on
    /// both 127.0.0.1 and ::1), or `[::1]`.
    pub host: String,
    /// The port; 0 takes any free one.
    pub port: u16,
    /// The callback path, starting with `/`.
    pub path: String,
}

impl Default for LoopbackConfig {
    fn default() -> Self {
        Self { host: "127.0.0.1".into(), port: 0, path: "/callback".into() }
    }
}

impl LoopbackConfig {
    /// A fixed host and port, path `/callback`: for a redirect URI such as
    /// `http://localhost:53682/callback` registered with a Cognito app client.
    #[must_use]
    pub fn fixed(host: impl Into<String>, port: u16) -> Self {
        Self { host: host.into(), port, path: "/callback".into() }
    }

    /// The addresses to listen on, the primary first.
    fn addrs(&self) -> Result<Vec<SocketAddr>, AuthError> {
        let v4 = SocketAddr::from(([127, 0, 0, 1], self.port));
        let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, self.port));
        match self.host.as_str() {
            "127.0.0.1" => Ok(vec![v4]),
            "[::1]" | "::1" => Ok(vec![v6]),
            "localhost" => Ok(vec![v4, v6]),
            other => Err(AuthError::Configuration {
                detail: format!("the loopback host must be 127.0.0.1, localhost or [::1], not {other:?}"),
            }),
        }
    }

    fn redirect_uri(&self, port: u16) -> String {
        let host = if self.host == "::1" { "[::1]" } else { &self.host };
        format!("http://{host}:{port}{}", self.path)
    }
}

/// A listening loopback redirect endpoint.
#[derive(Debug)]
pub struct LoopbackListener {
    listeners: Vec<TcpListener>,
    redirect_uri: String,
    path: String,
    /// Connections being read; each yields its sign-in answer, if it has one.
    connections: JoinSet<Option<(Callback, TcpStream)>>,
}

impl LoopbackListener {
    /// Listens as `config` says.
    ///
    /// # Errors
    /// [`AuthError::Configuration`] for a host that is not loopback or a path
    /// without a leading `/`; [`AuthError::Loopback`] when the port cannot
    /// be bound (in use).
    pub async fn bind(config: &LoopbackConfig) -> Result<Self, AuthError> {
        if !config.path.starts_with('/') || config.path.contains(['?', '#', ' ']) {
            return Err(AuthError::Configuration {
                detail: format!("the loopback callback path must start with / and be plain, not {:?}", config.path),
            });
        }
        let addrs = config.addrs()?;
        let first = TcpListener::bind(addrs[0])
            .await
            .map_err(|source| AuthError::Loopback { addr: addrs[0].to_string(), source })?;
        let port =
            first.local_addr().map_err(|source| AuthError::Loopback { addr: addrs[0].to_string(), source })?.port();
        let mut listeners = vec![first];
        for addr in &addrs[1..] {
            // `localhost` may resolve to ::1 in the browser: listen there too,
            // on the same port, when this machine has IPv6 loopback.
            match TcpListener::bind(SocketAddr::new(addr.ip(), port)).await {
                Ok(l) => listeners.push(l),
                Err(e) => tracing::debug!(addr = %addr, error = %e, "not listening on this loopback address too"),
            }
        }
        Ok(Self {
            listeners,
            redirect_uri: config.redirect_uri(port),
            path: config.path.clone(),
            connections: JoinSet::new(),
        })
    }

    /// The redirect URI to send to the provider, e.g.
    /// `http://127.0.0.1:53124/callback`.
    #[must_use]
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The addresses listened on.
    #[must_use]
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    /// Waits for the browser's sign-in answer. Other requests are answered
    /// and ignored. Runs until an answer arrives: the caller applies its own
    /// deadline (and cancels by dropping the future).
    pub async fn next_callback(&mut self) -> (Callback, CallbackReply) {
        loop {
            let accepts = self.listeners.iter().map(|l| Box::pin(l.accept()));
            tokio::select! {
                (accepted, _, _) = select_all(accepts) => match accepted {
                    Ok((stream, _)) => {
                        self.connections.spawn(read_request(stream, self.path.clone()));
                    }
                    Err(e) => {
                        // E.g. out of file descriptors: wait a little rather than spin.
                        tracing::debug!(error = %e, "loopback accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(done) = self.connections.join_next() => {
                    if let Ok(Some((callback, stream))) = done {
                        return (callback, CallbackReply { stream });
                    }
                }
            }
        }
    }
}

/// The browser's connection that brought the sign-in answer, waiting for
/// the page that tells the person how it went.
#[derive(Debug)]
pub struct CallbackReply {
    stream: TcpStream,
}

impl CallbackReply {
    /// Answers "Sign-in finished. You can close this tab and return to pq."
    pub async fn finished(self) {
        let body = page("Sign-in finished.", "You can close this tab and return to pq.");
        respond(self.stream, "200 OK", &body).await;
    }

    /// Answers with a page explaining `error`.
    pub async fn failed(self, error: &AuthError) {
        let text = format!("{error}. You can close this tab and return to pq.");
        let body = page("Sign-in did not finish.", &text);
        respond(self.stream, "400 Bad Request", &body).await;
    }
}

/// Reads one request head; answers anything that is not a sign-in answer to
/// `path` itself, and hands back the answers.
async fn read_request(mut stream: TcpStream, path: String) -> Option<(Callback, TcpStream)> {
    let head = match tokio::time::timeout(READ_DEADLINE, read_head(&mut stream)).await {
        Ok(Ok(head)) => head,
        Ok(Err(HeadError::TooLarge)) => {
            respond(stream, "431 Request Header Fields Too Large", &page("Request too large.", "")).await;
            return None;
        }
        // Closed, failed, or silent (a browser's speculative connection).
        Ok(Err(HeadError::Io)) | Err(_) => return None,
    };
    let request_line = head.lines().next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    if method != "GET" {
        respond(
            stream,
            "405 Method Not Allowed",
            &page("Not here.", "This address only takes the browser's return to pq."),
        )
        .await;
        return None;
    }
    let (target_path, query) = target.split_once('?').unwrap_or((target, ""));
    if target_path != path {
        respond(stream, "404 Not Found", &page("Not found.", "")).await;
        return None;
    }
    let callback = Callback::from_query(query);
    if !callback.is_answer() {
        let text = "This address only receives the answer of a sign-in that pq started.";
        respond(stream, "400 Bad Request", &page("Nothing to do here.", text)).await;
        return None;
    }
    Some((callback, stream))
}

enum HeadError {
    Io,
    TooLarge,
}

/// Reads up to the blank line ending the request head.
async fn read_head(stream: &mut TcpStream) -> Result<String, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| HeadError::Io)?;
        if n == 0 {
            return Err(HeadError::Io);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.truncate(end);
            return String::from_utf8(buf).map_err(|_| HeadError::Io);
        }
        if buf.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
    }
}

/// Writes a complete response and closes the connection.
async fn respond(mut stream: TcpStream, status: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Connection: close\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Referrer-Policy: no-referrer\r\n\
         X-Content-Type-Options: nosniff\r\n\
         \r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    };
    if let Err(e) =
        tokio::time::timeout(WRITE_DEADLINE, write).await.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
    {
        tracing::debug!(error = %e, "could not answer the browser");
    }
}

/// A small self-contained HTML page.
fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>pq · {title}</title><style>\
         body{{font-family:system-ui,sans-serif;background:#f3f3f6;color:#1d1d22;margin:0;\
         min-height:100vh;display:flex;align-items:center;justify-content:center}}\
         main{{background:#fff;padding:2rem 2.5rem;border-radius:12px;max-width:30rem;\
         box-shadow:0 2px 12px rgba(0,0,0,.08)}}\
         h1{{font-size:1.3rem;margin:0 0 .6rem}}p{{margin:0;line-height:1.5}}\
         @media (prefers-color-scheme:dark){{body{{background:#1d1d22;color:#eee}}main{{background:#2a2a31}}}}\
         </style></head><body><main><h1>{title}</h1><p>{text}</p></main></body></html>",
        title = escape(title),
        text = escape(text),
    )
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: SocketAddr, target: &str) -> String {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        out
    }

    #[tokio::test]
    async fn answers_the_callback_and_ignores_the_rest() {
        let mut l = LoopbackListener::bind(&LoopbackConfig::default()).await.expect("bind");
        let addr = l.local_addrs()[0];
        assert_eq!(l.redirect_uri(), format!("http://127.0.0.1:{}/callback", addr.port()));
        // A silent speculative connection does not hold anything up.
        let _idle = TcpStream::connect(addr).await.expect("connect");
        let browser = tokio::spawn(async move {
            let favicon = get(addr, "/favicon.ico").await;
            let empty = get(addr, "/callback").await;
            let page = get(addr, "/callback?code=c0de&state=st").await;
            (favicon, empty, page)
        });
        let (callback, reply) = tokio::time::timeout(Duration::from_secs(10), l.next_callback()).await.expect("answer");
        assert_eq!(callback.code.as_deref(), Some("c0de"));
        assert_eq!(callback.state.as_deref(), Some("st"));
        reply.finished().await;
        let (favicon, empty, page) = browser.await.expect("browser");
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(empty.starts_with("HTTP/1.1 400"), "{empty}");
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(page.contains("Sign-in finished.") && page.contains("You can close this tab and return to pq."));
        assert!(page.contains("Referrer-Policy: no-referrer"));
    }

    #[tokio::test]
    async fn error_pages_escape_and_explain() {
        let mut l = LoopbackListener::bind(&LoopbackConfig::default()).await.expect("bind");
        let addr = l.local_addrs()[0];
        let browser = tokio::spawn(async move { get(addr, "/callback?error=access_denied&state=s").await });
        let (callback, reply) = l.next_callback().await;
        assert_eq!(callback.error.as_deref(), Some("access_denied"));
        reply.failed(&AuthError::ProviderRefused { error: "<x>".into(), description: Some("no & no".into()) }).await;
        let page = browser.await.expect("browser");
        assert!(page.starts_with("HTTP/1.1 400"), "{page}");
        assert!(page.contains("&lt;x&gt;") && page.contains("no &amp; no") && !page.contains("<x>"), "{page}");
    }

    #[tokio::test]
    async fn fixed_ports_and_hosts() {
        let probe = TcpListener::bind("127.0.0.1:0").await.expect("probe");
        let port = probe.local_addr().expect("addr").port();
        drop(probe);
        let l = LoopbackListener::bind(&LoopbackConfig::fixed("localhost", port)).await.expect("bind");
        assert_eq!(l.redirect_uri(), format!("http://localhost:{port}/callback"));
        assert!(l.local_addrs().iter().all(|a| a.port() == port));
        // The port is taken now.
        assert!(matches!(
            LoopbackListener::bind(&LoopbackConfig::fixed("127.0.0.1", port)).await,
            Err(AuthError::Loopback { .. })
        ));
        assert!(matches!(
            LoopbackListener::bind(&LoopbackConfig::fixed("example.com", 0)).await,
            Err(AuthError::Configuration { .. })
        ));
    }
}
