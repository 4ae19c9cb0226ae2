//! Typed test clients: [`Api`] for REST with a bearer token, [`Gw`] for the
//! gateway over a real WebSocket. Every wait has a timeout.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pq_protocol::{
    ClientMessageId,
    gateway::{ClientFrame, Event, GatewaySend, Identify, PROTOCOL_VERSION, Ready, Resume, ServerFrame},
    models::SendAck,
};
use reqwest::{Method, StatusCode};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message};

/// How long any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// A REST client signed in as one person.
#[derive(Clone, Debug)]
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Self {
        Self { base: base.to_owned(), http: reqwest::Client::new(), token: token.to_owned() }
    }

    /// Any request; returns status and JSON body (Null when empty).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = tokio::time::timeout(WAIT, req.send()).await.expect("request timed out").expect("request failed");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, v)
    }

    /// A request that must succeed with a typed answer.
    pub async fn ok<T: DeserializeOwned>(&self, method: Method, path: &str, body: Option<Value>) -> T {
        let (status, v) = self.call(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path} → {status}: {v}");
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{method} {path}: {e}: {v}"))
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> T {
        self.ok(Method::GET, path, None).await
    }

    pub async fn patch<T: DeserializeOwned>(&self, path: &str, body: impl Serialize) -> T {
        self.ok(Method::PATCH, path, Some(serde_json::to_value(body).unwrap())).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: impl Serialize) -> T {
        self.ok(Method::POST, path, Some(serde_json::to_value(body).unwrap())).await
    }

    /// A request that must fail with `status` and error `code`; returns the body.
    pub async fn fails(&self, method: Method, path: &str, body: Option<Value>, status: u16, code: &str) -> Value {
        let (s, v) = self.call(method.clone(), path, body).await;
        assert_eq!(s.as_u16(), status, "{method} {path}: expected {status}, got {s}: {v}");
        assert_eq!(v["code"], code, "{method} {path}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "error without a message: {v}");
        v
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A gateway connection.
pub struct Gw {
    pub ws: Ws,
    pub ready: Option<Ready>,
    /// The last dispatch `s` seen.
    pub last_s: u64,
    /// Frames read but not yet consumed by a wait.
    pub backlog: std::collections::VecDeque<ServerFrame>,
}

pub fn ws_url(base: &str) -> String {
    format!("{}/gateway", base.replacen("http", "ws", 1))
}

impl Gw {
    /// Connects and reads `hello`.
    pub async fn open(base: &str) -> Gw {
        let (ws, _) =
            tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(ws_url(base))).await.unwrap().unwrap();
        let mut gw = Gw { ws, ready: None, last_s: 0, backlog: Default::default() };
        match gw.next().await {
            ServerFrame::Hello(h) => assert_eq!(h.v, PROTOCOL_VERSION),
            other => panic!("expected hello, got {other:?}"),
        }
        gw
    }

    /// Connects with a tiny receive buffer (a reader on a slow link) and reads `hello`.
    pub async fn open_slow(base: &str) -> Gw {
        let url = ws_url(base);
        let addr: std::net::SocketAddr = url.trim_start_matches("ws://").split('/').next().unwrap().parse().unwrap();
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.set_recv_buffer_size(4096).unwrap();
        let stream = sock.connect(addr).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await.unwrap();
        let mut gw = Gw { ws, ready: None, last_s: 0, backlog: Default::default() };
        assert!(matches!(gw.next().await, ServerFrame::Hello(_)));
        gw
    }

    /// Connects, identifies and waits for `ready`.
    pub async fn connect(base: &str, token: &str) -> Gw {
        let gw = Gw::open(base).await;
        gw.identify(token).await
    }

    /// Identifies on an open connection and waits for `ready`.
    pub async fn identify(self, token: &str) -> Gw {
        let mut gw = self;
        gw.send(&ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: token.into(), idle: None })).await;
        match gw.next().await {
            ServerFrame::Ready(r) => gw.ready = Some(*r),
            other => panic!("expected ready, got {other:?}"),
        }
        gw
    }

    /// Resumes a session on a new connection; returns the frames up to and
    /// including `resumed` or `invalid_session`.
    pub async fn resume(
        base: &str,
        token: &str,
        session: pq_protocol::SessionId,
        last_seq: u64,
    ) -> (Gw, Vec<ServerFrame>) {
        let mut gw = Gw::open(base).await;
        gw.last_s = last_seq;
        gw.send(&ClientFrame::Resume(Resume {
            v: PROTOCOL_VERSION,
            token: token.into(),
            session_id: session,
            last_seq,
        }))
        .await;
        let mut frames = Vec::new();
        loop {
            let f = gw.next().await;
            let done = matches!(f, ServerFrame::Resumed(_) | ServerFrame::InvalidSession(_));
            frames.push(f);
            if done {
                return (gw, frames);
            }
        }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_raw(Message::Text(serde_json::to_string(frame).unwrap().into())).await;
    }

    pub async fn send_raw(&mut self, msg: Message) {
        tokio::time::timeout(WAIT, self.ws.send(msg)).await.expect("send timed out").expect("send failed");
    }

    /// The next frame from the server (backlog first).
    pub async fn next(&mut self) -> ServerFrame {
        if let Some(f) = self.backlog.pop_front() {
            return f;
        }
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("no frame from the server in time")
                .expect("socket ended")
                .expect("socket error");
            match msg {
                Message::Text(t) => {
                    let f: ServerFrame = serde_json::from_str(t.as_str()).unwrap_or_else(|e| panic!("{e}: {t}"));
                    if let ServerFrame::Dispatch(d) = &f {
                        self.last_s = d.s;
                    }
                    return f;
                }
                Message::Close(c) => panic!("socket closed: {c:?}"),
                _ => {}
            }
        }
    }

    /// Waits for a dispatch matching `pred`; others are kept in the backlog.
    pub async fn event(&mut self, what: &str, pred: impl Fn(&Event) -> bool) -> Event {
        let mut skipped = Vec::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            assert!(tokio::time::Instant::now() < deadline, "no {what} in time; saw {skipped:?}");
            let f = self.next().await;
            if let ServerFrame::Dispatch(d) = &f
                && pred(&d.event)
            {
                let ev = d.event.clone();
                self.backlog.extend(skipped);
                return ev;
            }
            skipped.push(f);
        }
    }

    /// Waits for a frame matching `pred` (dispatches included); others are
    /// kept in the backlog.
    pub async fn frame(&mut self, what: &str, pred: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
        let mut skipped = Vec::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            assert!(tokio::time::Instant::now() < deadline, "no {what} in time; saw {skipped:?}");
            let f = self.next().await;
            if pred(&f) {
                self.backlog.extend(skipped);
                return f;
            }
            skipped.push(f);
        }
    }

    /// Every frame that arrives within `quiet` of the previous one (drains
    /// the backlog first).
    pub async fn drain(&mut self, quiet: Duration) -> Vec<ServerFrame> {
        let mut out: Vec<ServerFrame> = self.backlog.drain(..).collect();
        while let Ok(Some(Ok(msg))) = tokio::time::timeout(quiet, self.ws.next()).await {
            if let Message::Text(t) = msg {
                let f: ServerFrame = serde_json::from_str(t.as_str()).unwrap_or_else(|e| panic!("{e}: {t}"));
                if let ServerFrame::Dispatch(d) = &f {
                    self.last_s = d.s;
                }
                out.push(f);
            }
        }
        out
    }

    /// Sends a message and waits for its ack (or panics on an error frame).
    pub async fn send_message(&mut self, channel: pq_protocol::ChannelId, body: &str) -> SendAck {
        let client_id = ClientMessageId::new();
        self.send_with_id(channel, client_id, body).await.unwrap_or_else(|e| panic!("send refused: {e:?}"))
    }

    /// Sends with a given client id; Ok(ack) or Err(error frame).
    pub async fn send_with_id(
        &mut self,
        channel: pq_protocol::ChannelId,
        client_id: ClientMessageId,
        body: &str,
    ) -> Result<SendAck, pq_protocol::gateway::GatewayError> {
        self.send(&ClientFrame::SendMessage(GatewaySend {
            channel_id: channel,
            client_id,
            body: body.into(),
            reply_to: None,
            attachments: vec![],
        }))
        .await;
        let mut skipped = Vec::new();
        loop {
            match self.next().await {
                ServerFrame::Ack(a) if a.client_id == client_id => {
                    self.backlog.extend(skipped);
                    return Ok(a);
                }
                ServerFrame::Error(e) if e.client_id == Some(client_id) => {
                    self.backlog.extend(skipped);
                    return Err(e);
                }
                other => skipped.push(other),
            }
        }
    }

    /// Reads until the server closes; returns the close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next()).await.expect("socket not closed in time");
            match msg {
                None => return (1006, "no close frame".into()),
                Some(Err(e)) => return (1006, e.to_string()),
                Some(Ok(Message::Close(Some(c)))) => return (u16::from(c.code), c.reason.to_string()),
                Some(Ok(Message::Close(None))) => return (1005, String::new()),
                Some(Ok(_)) => {}
            }
        }
    }
}

/// The presences of `who` among `frames`, in order.
pub fn presences_of(frames: &[ServerFrame], who: pq_protocol::UserId) -> Vec<pq_protocol::models::Presence> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Dispatch(d) => match &d.event {
                Event::PresenceUpdated { user_id, presence } if *user_id == who => Some(*presence),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
