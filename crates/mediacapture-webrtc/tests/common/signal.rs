//! The interop tests' signalling: a tiny HTTP server on 127.0.0.1 that serves the peer's page
//! and script (`interop/`) and carries JSON messages both ways (`GET /next` long-polls the
//! next message for the peer, `POST /send` delivers one from it).

use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

type Queue = Arc<(Mutex<VecDeque<Value>>, Condvar)>;

pub struct PeerLink {
    to_peer: Queue,
    from_peer: Receiver<Value>,
    pub port: u16,
}

/// The folder with the peer's page and script.
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop")
}

impl PeerLink {
    pub fn start() -> PeerLink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let to_peer: Queue = Arc::new((Mutex::new(VecDeque::new()), Condvar::new()));
        let (tx, rx) = channel();
        let q = to_peer.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (q, tx) = (q.clone(), tx.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &q, &tx);
                });
            }
        });
        PeerLink {
            to_peer,
            from_peer: rx,
            port,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn send(&self, v: Value) {
        let (m, cv) = &*self.to_peer;
        m.lock().unwrap().push_back(v);
        cv.notify_all();
    }

    /// The next message from the peer within `wait` (log lines are printed and skipped);
    /// panics on an `error` message.
    pub fn try_recv_for(&self, wait: Duration) -> Result<Value, ()> {
        loop {
            let v = self.from_peer.recv_timeout(wait).map_err(|_| ())?;
            match v["type"].as_str() {
                Some("log") => eprintln!("peer: {}", v["text"].as_str().unwrap_or("")),
                Some("error") => panic!("the peer failed: {}", v["text"]),
                _ => return Ok(v),
            }
        }
    }

    /// The next message from the peer that is not a log line; panics on an `error` message
    /// or after the safety timeout.
    pub fn recv(&self, what: &str) -> Value {
        let deadline = std::time::Instant::now() + super::SAFETY;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let v = self
                .from_peer
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("timed out waiting for {what} from the peer"));
            match v["type"].as_str() {
                Some("log") => eprintln!("peer: {}", v["text"].as_str().unwrap_or("")),
                Some("error") => panic!("the peer failed: {}", v["text"]),
                _ => return v,
            }
        }
    }
}

fn serve(conn: TcpStream, q: &Queue, tx: &Sender<Value>) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("");
    let path = target.split('?').next().unwrap_or("").to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body)?;
    let (ctype, out): (&str, Vec<u8>) = match (method.as_str(), path.as_str()) {
        ("GET", "/" | "/page.html") => {
            ("text/html", std::fs::read(interop_dir().join("page.html"))?)
        }
        ("GET", "/peer.js") => (
            "text/javascript",
            std::fs::read(interop_dir().join("peer.js"))?,
        ),
        ("GET", "/next") => {
            let (m, cv) = &**q;
            let mut guard = m.lock().unwrap();
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            let msg = loop {
                if let Some(v) = guard.pop_front() {
                    break v;
                }
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break serde_json::json!({"type": "none"});
                }
                guard = cv.wait_timeout(guard, left).unwrap().0;
            };
            ("application/json", msg.to_string().into_bytes())
        }
        ("POST", "/send") => {
            if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                let _ = tx.send(v);
            }
            ("application/json", b"{}".to_vec())
        }
        _ => ("text/plain", b"not found".to_vec()),
    };
    let mut conn = conn;
    write!(
        conn,
        "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        out.len()
    )?;
    conn.write_all(&out)?;
    conn.flush()
}
