//! `mediacapture send --whip URL`: the stream goes over WebRTC to a WHIP server (RFC 9725).
//!
//! WHIP is the standard signalling for ingest: one HTTP POST of the SDP offer
//! (`Content-Type: application/sdp`), the answer in the `201 Created` body, a `Location`
//! header naming the session, and a DELETE of that session when done. Janus (through
//! simple-whip-server), LiveKit, Cloudflare Stream, Dolby/Millicast, OBS-compatible services
//! and most SFUs take it, so one command publishes a camera to any of them.
//!
//! The offer is sent once every host candidate is in it (no trickle: ours are known at once,
//! and there are no STUN/TURN candidates to wait for); the server's candidates come in its
//! answer.

use crate::args::parse_duration;
use crate::output::print_json;
use crate::{CliResult, Failure, Global, check_constraints, media_devices, open_stream};
use clap::Args;
use mediacapture::{MediaStream, TrackEvent};
use mediacapture_webrtc::{
    HostCandidates, PeerConnectionEvent, RTCIceGatheringState, RTCPeerConnection,
    RTCPeerConnectionState, RTCRtpTransceiverDirection, RTCRtpTransceiverInit, RTCSdpType,
    RTCSessionDescriptionInit, RTCStats, TrackOrKind,
};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use ureq::http::{Response, Uri};

/// Arguments of `send`.
#[derive(Args, Debug)]
pub(crate) struct SendArgs {
    /// The WHIP endpoint to publish to: http://… or https://… (https checks the server's
    /// certificate against the Mozilla root certificates built into the program).
    #[arg(long, value_name = "URL")]
    whip: String,
    /// A bearer token for the WHIP server: sent as `Authorization: Bearer TOKEN` with the
    /// POST and the DELETE.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// MediaStreamConstraints JSON (DisplayMediaStreamOptions with --display).
    #[arg(short, long, default_value = r#"{"video":true,"audio":true}"#)]
    constraints: String,
    /// Send a display surface (getDisplayMedia) instead of the camera and microphone.
    #[arg(long)]
    display: bool,
    /// How long to send: e.g. 30s, 1500ms, 2m. Without it, until Ctrl-C.
    #[arg(short, long, value_parser = parse_duration)]
    duration: Option<Duration>,
}

/// How long the WHIP server may take to answer one request.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long ICE and DTLS may take to connect once the answer is in.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How many `307`/`308` redirects of the POST are followed (RFC 9725 §4.5: load balancing).
const MAX_REDIRECTS: usize = 5;

/// What the sending loop hears about.
enum Event {
    /// The connection's state changed.
    Connection(RTCPeerConnectionState),
    /// ICE gathering finished: every host candidate is in the local description.
    GatheringComplete,
    /// A track ended by itself.
    TrackEnded(String),
}

pub(crate) fn run(g: &Global, args: &SendArgs) -> CliResult {
    let interrupted = crate::args::interrupt_flag()?;
    // Bad usage is refused before a device opens.
    let endpoint = parse_endpoint(&args.whip)?;
    if let Some(t) = &args.token
        && (t.is_empty() || t.chars().any(|c| c.is_control() || c == ' '))
    {
        return Err(Failure::Usage(
            "--token must be a non-empty token without spaces or control characters".into(),
        ));
    }
    check_constraints(&args.constraints, args.display)?;
    let stream = open_stream(&media_devices(g, true)?, &args.constraints, args.display)?;
    let result = send(g, args, &endpoint, &stream, &interrupted);
    stream.get_tracks().iter().for_each(|t| t.stop());
    result
}

/// Checks the endpoint URL: http or https, with a host.
fn parse_endpoint(url: &str) -> CliResult<Uri> {
    let uri: Uri = url
        .parse()
        .map_err(|e| Failure::Usage(format!("--whip {url:?} is not a URL: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(Failure::Usage(format!(
                "--whip {url:?}: the URL must start with http:// or https://"
            )));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(Failure::Usage(format!("--whip {url:?} has no host")));
    }
    Ok(uri)
}

/// Whether `uri` names this machine (`localhost`, `127.0.0.0/8`, `::1`).
fn is_loopback(uri: &Uri) -> bool {
    let host = uri.host().unwrap_or("");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Resolves a `Location` header against the URL it came from (RFC 3986 §5, for the forms
/// servers send: absolute, absolute-path, or relative to the request's directory).
fn resolve(base: &Uri, location: &str) -> CliResult<Uri> {
    let bad = |e: String| Failure::Other(format!("the WHIP server's Location {location:?}: {e}"));
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.parse().map_err(|e| bad(format!("{e}")));
    }
    let scheme = base.scheme_str().unwrap_or("http");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
    let path = if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}")
            .parse()
            .map_err(|e| bad(format!("{e}")));
    } else if location.starts_with('/') {
        location.to_owned()
    } else {
        let dir = base.path().rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{location}")
    };
    format!("{scheme}://{authority}{path}")
        .parse()
        .map_err(|e| bad(format!("{e}")))
}

/// The HTTP client: status codes are answers to report, not errors; redirects are followed by
/// hand (a POST must stay a POST).
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(HTTP_TIMEOUT))
        .user_agent(concat!("mediacapture/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// A transport failure, said for people.
fn http_error(what: &str, uri: &Uri, e: &ureq::Error) -> Failure {
    let why = match e {
        ureq::Error::HostNotFound => "the host name does not resolve".to_owned(),
        ureq::Error::ConnectionFailed => "the connection was refused or failed".to_owned(),
        ureq::Error::Timeout(_) => format!("no answer within {} s", HTTP_TIMEOUT.as_secs()),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    };
    Failure::Other(format!("{what} {uri}: cannot reach the WHIP server: {why}"))
}

/// A response's body, read as text for a message (at most 4 KiB of it, one line).
fn body_text(resp: &mut Response<ureq::Body>) -> String {
    let text = resp
        .body_mut()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    let one_line: Vec<&str> = text.split_whitespace().collect();
    one_line.join(" ")
}

/// A status code with its reason phrase, e.g. "404 Not Found".
fn status_line(resp: &Response<ureq::Body>) -> String {
    let s = resp.status();
    format!("{} {}", s.as_u16(), s.canonical_reason().unwrap_or(""))
        .trim_end()
        .to_owned()
}

/// The WHIP session: the resource to DELETE at the end.
struct Session {
    resource: Option<Uri>,
    token: Option<String>,
}

impl Session {
    /// Ends the session on the server (RFC 9725 §4.3: DELETE of the resource).
    fn delete(&self, g: &Global) {
        let Some(resource) = &self.resource else {
            return;
        };
        let mut req = agent().delete(resource);
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        match req.call() {
            Ok(resp) if resp.status().is_success() => status(
                g,
                format!("whip: DELETE {resource}: {}", status_line(&resp)),
            ),
            Ok(mut resp) => {
                let line = status_line(&resp);
                let body = body_text(&mut resp);
                eprintln!(
                    "mediacapture: DELETE {resource}: the WHIP server answered {line}: {body}"
                );
            }
            Err(e) => {
                if let Failure::Other(m) = http_error("DELETE", resource, &e) {
                    eprintln!("mediacapture: {m}");
                }
            }
        }
    }
}

/// A status line on stderr (stdout stays free for `--json`).
fn status(g: &Global, line: String) {
    if !g.quiet {
        eprintln!("{line}");
    }
}

/// POSTs the offer; returns the answer's SDP and the session. Follows 307/308 redirects.
fn post_offer(
    g: &Global,
    endpoint: &Uri,
    token: Option<&str>,
    offer: &str,
) -> CliResult<(String, Session)> {
    let agent = agent();
    let mut url = endpoint.clone();
    for _ in 0..=MAX_REDIRECTS {
        status(
            g,
            format!("whip: POST {url} ({} bytes of SDP offer)", offer.len()),
        );
        let mut req = agent
            .post(&url)
            .header("Content-Type", "application/sdp")
            .header("Accept", "application/sdp");
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = req.send(offer).map_err(|e| http_error("POST", &url, &e))?;
        let code = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if matches!(code, 307 | 308) {
            let Some(to) = location else {
                return Err(Failure::Other(format!(
                    "POST {url}: the WHIP server redirects ({}) without a Location",
                    status_line(&resp)
                )));
            };
            url = resolve(&url, &to)?;
            continue;
        }
        if !resp.status().is_success() {
            let line = status_line(&resp);
            let body = body_text(&mut resp);
            let hint = match code {
                401 | 403 => " (is --token right?)",
                404 => " (is the endpoint URL right?)",
                _ => "",
            };
            return Err(Failure::Other(format!(
                "POST {url}: the WHIP server answered {line}{hint}{}",
                if body.is_empty() {
                    String::new()
                } else {
                    format!(": {body}")
                }
            )));
        }
        if code != 201 {
            tracing::warn!(
                "the WHIP server answered {} instead of 201 Created",
                status_line(&resp)
            );
        }
        let resource = match location {
            Some(l) => Some(resolve(&url, &l)?),
            None => {
                eprintln!(
                    "mediacapture: the WHIP server sent no Location header: the session cannot \
                     be ended with DELETE"
                );
                None
            }
        };
        let answer = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .map_err(|e| Failure::Other(format!("POST {url}: reading the answer: {e}")))?;
        status(
            g,
            format!(
                "whip: {}, session {}",
                status_line(&resp),
                resource
                    .as_ref()
                    .map_or_else(|| "(no Location)".to_owned(), Uri::to_string)
            ),
        );
        return Ok((
            answer,
            Session {
                resource,
                token: token.map(str::to_owned),
            },
        ));
    }
    Err(Failure::Other(format!(
        "POST {endpoint}: more than {MAX_REDIRECTS} redirects"
    )))
}

/// Why sending stopped.
enum Stop {
    Duration,
    Signal,
    Failed(String),
}

fn send(
    g: &Global,
    args: &SendArgs,
    endpoint: &Uri,
    stream: &MediaStream,
    interrupted: &AtomicBool,
) -> CliResult {
    // A server on this machine may gather loopback candidates only (a test SFU): loopback is
    // offered too then.
    let hosts = if is_loopback(endpoint) {
        HostCandidates::InterfacesAndLoopback
    } else {
        HostCandidates::Interfaces
    };
    let pc = RTCPeerConnection::builder()
        .host_candidates(hosts)
        .build()?;
    let (tx, rx) = mpsc::channel::<Event>();
    {
        let tx = tx.clone();
        pc.add_event_listener(move |e| {
            let ev = match e {
                PeerConnectionEvent::ConnectionStateChange(s) => Event::Connection(*s),
                PeerConnectionEvent::IceGatheringStateChange(RTCIceGatheringState::Complete) => {
                    Event::GatheringComplete
                }
                _ => return,
            };
            let _ = tx.send(ev);
        });
    }
    for t in stream.get_tracks() {
        let what = format!("the {} track ({})", t.kind().as_str(), t.label());
        let tx = tx.clone();
        t.on(TrackEvent::Ended, move || {
            let _ = tx.send(Event::TrackEnded(what.clone()));
        });
    }
    drop(tx);
    let result = (|| {
        // Send-only transceivers, VP8 and Opus first (every WHIP server takes them).
        for t in stream.get_tracks() {
            let transceiver = pc.add_transceiver(
                TrackOrKind::Track(t.clone()),
                RTCRtpTransceiverInit {
                    direction: RTCRtpTransceiverDirection::Sendonly,
                    streams: vec![stream.clone()],
                    send_encodings: Vec::new(),
                },
            )?;
            if let Some(caps) = mediacapture_webrtc::capabilities(t.kind().as_str()) {
                let mut codecs = caps.codecs;
                // A stable sort: VP8 (or Opus) to the front, the rest kept as fallbacks.
                codecs.sort_by_key(|c| {
                    !(c.mime_type.eq_ignore_ascii_case("video/VP8")
                        || c.mime_type.eq_ignore_ascii_case("audio/opus"))
                });
                transceiver.set_codec_preferences(codecs)?;
            }
        }
        let offer = futures_executor::block_on(pc.create_offer(Default::default()))?;
        futures_executor::block_on(pc.set_local_description(Some(offer)))?;
        wait_gathered(&pc, &rx)?;
        let offer = pc
            .local_description()
            .ok_or_else(|| Failure::Other("no local description after gathering".into()))?;
        let (answer, session) = post_offer(g, endpoint, args.token.as_deref(), &offer.sdp)?;
        let result = stream_until_done(g, args, &pc, &rx, answer, interrupted);
        // The DELETE first: a server that sees the connection close first may end the
        // session itself and answer the DELETE with 404.
        session.delete(g);
        pc.close();
        result
    })();
    pc.close();
    result
}

/// Waits for the end of ICE gathering (immediate here: host candidates only).
fn wait_gathered(pc: &RTCPeerConnection, rx: &mpsc::Receiver<Event>) -> CliResult {
    if pc.ice_gathering_state() == RTCIceGatheringState::Complete {
        return Ok(());
    }
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::GatheringComplete) => return Ok(()),
            Ok(_) => {}
            Err(_) => {
                return Err(Failure::Other(
                    "ICE candidate gathering did not finish".into(),
                ));
            }
        }
    }
}

/// Applies the answer, waits for the connection, and sends until the duration passes, a
/// signal comes, a track ends or the connection fails.
fn stream_until_done(
    g: &Global,
    args: &SendArgs,
    pc: &RTCPeerConnection,
    rx: &mpsc::Receiver<Event>,
    answer: String,
    interrupted: &AtomicBool,
) -> CliResult {
    if !answer.trim_start().starts_with("v=") {
        return Err(Failure::Other(format!(
            "the WHIP server's answer is not SDP (it starts {:?})",
            answer.chars().take(40).collect::<String>()
        )));
    }
    let answer = RTCSessionDescriptionInit {
        sdp_type: RTCSdpType::Answer,
        sdp: answer,
    };
    futures_executor::block_on(pc.set_remote_description(answer)).map_err(|e| {
        Failure::Other(format!(
            "the WHIP server's answer was refused ({}): {}",
            e.name(),
            e.message
        ))
    })?;
    let t0 = Instant::now();
    let mut connected_at = None;
    let mut last_report = Instant::now();
    let stop = loop {
        if interrupted.load(Ordering::SeqCst) {
            break Stop::Signal;
        }
        let elapsed = t0.elapsed();
        if connected_at.is_none() && elapsed >= CONNECT_TIMEOUT {
            break Stop::Failed(format!(
                "the connection to the media server did not come up within {} s (no \
                 candidate pair works: a firewall, or no common address family?)",
                CONNECT_TIMEOUT.as_secs()
            ));
        }
        let left = args.duration.map(|d| d.saturating_sub(elapsed));
        if left.is_some_and(|l| l.is_zero()) {
            break Stop::Duration;
        }
        if connected_at.is_some() && last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            report(g, pc, elapsed);
        }
        let wait = left.map_or(Duration::from_millis(100), |l| {
            l.min(Duration::from_millis(100))
        });
        match rx.recv_timeout(wait) {
            Ok(Event::Connection(RTCPeerConnectionState::Connected)) => {
                if connected_at.is_none() {
                    connected_at = Some(Instant::now());
                    status(g, "whip: connected: sending".into());
                }
            }
            Ok(Event::Connection(RTCPeerConnectionState::Failed)) => {
                break Stop::Failed("the connection to the media server failed".into());
            }
            Ok(Event::Connection(RTCPeerConnectionState::Closed)) => {
                break Stop::Failed("the connection was closed".into());
            }
            Ok(Event::TrackEnded(what)) => {
                break Stop::Failed(format!("{what} ended: its source stopped"));
            }
            Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Stop::Failed("the connection went away".into());
            }
        }
    };
    if matches!(stop, Stop::Signal) {
        status(
            g,
            "mediacapture: interrupted: ending the WHIP session".into(),
        );
    }
    let totals = report(g, pc, t0.elapsed());
    if g.json {
        print_json(&serde_json::json!({
            "whip": args.whip,
            "seconds": connected_at.map_or(0.0, |c| c.elapsed().as_secs_f64()),
            "videoFramesSent": totals.video_frames,
            "bytesSent": totals.bytes,
        }));
    }
    match stop {
        Stop::Failed(why) => Err(Failure::Other(why)),
        Stop::Duration | Stop::Signal => Ok(()),
    }
}

/// What was sent so far.
struct Totals {
    video_frames: u64,
    bytes: u64,
}

/// A status line with what `getStats()` counts as sent.
fn report(g: &Global, pc: &RTCPeerConnection, elapsed: Duration) -> Totals {
    let mut totals = Totals {
        video_frames: 0,
        bytes: 0,
    };
    let Ok(stats) = futures_executor::block_on(pc.get_stats()) else {
        return totals;
    };
    let mut parts = Vec::new();
    for s in stats.values() {
        if let RTCStats::OutboundRtp(o) = s {
            totals.bytes += o.bytes_sent;
            if o.kind == "video" {
                let frames = o.frames_encoded.unwrap_or(0);
                totals.video_frames += frames;
                parts.push(format!(
                    "video {frames} frames {}x{}",
                    o.frame_width.unwrap_or(0),
                    o.frame_height.unwrap_or(0)
                ));
            } else {
                parts.push(format!("{} {} packets", o.kind, o.packets_sent));
            }
        }
    }
    parts.sort();
    status(
        g,
        format!(
            "whip: {:.1} s: {}, {:.0} kB",
            elapsed.as_secs_f64(),
            parts.join(", "),
            totals.bytes as f64 / 1000.0
        ),
    );
    totals
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn ep(url: &str) -> Uri {
        match parse_endpoint(url) {
            Ok(u) => u,
            Err(_) => panic!("{url} refused"),
        }
    }

    #[test]
    fn endpoints() {
        assert!(parse_endpoint("http://127.0.0.1:8080/whip/endpoint/x").is_ok());
        assert!(parse_endpoint("https://example.com/whip").is_ok());
        for bad in [
            "",
            "example.com/whip",
            "ftp://example.com/",
            "http://",
            "not a url",
        ] {
            assert!(
                matches!(parse_endpoint(bad), Err(Failure::Usage(_))),
                "{bad:?} accepted"
            );
        }
        assert!(is_loopback(&ep("http://localhost:1/")));
        assert!(is_loopback(&ep("http://127.0.0.2/")));
        assert!(is_loopback(&ep("http://[::1]:80/")));
        assert!(!is_loopback(&ep("https://example.com/")));
    }

    #[test]
    fn locations() {
        let base = ep("http://127.0.0.1:7080/whip/endpoint/abc");
        let r = |l: &str| resolve(&base, l).ok().map(|u| u.to_string());
        assert_eq!(
            r("/whip/resource/abc").as_deref(),
            Some("http://127.0.0.1:7080/whip/resource/abc")
        );
        assert_eq!(
            r("resource/1").as_deref(),
            Some("http://127.0.0.1:7080/whip/endpoint/resource/1")
        );
        assert_eq!(
            r("https://sfu.example.com/r/1").as_deref(),
            Some("https://sfu.example.com/r/1")
        );
        assert_eq!(
            r("//sfu.example.com/r/2").as_deref(),
            Some("http://sfu.example.com/r/2")
        );
    }
}
