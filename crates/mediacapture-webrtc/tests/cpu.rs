//! Measurements (ignored: run with `--ignored --nocapture`; nothing is asserted on time):
//! CPU time per second of sending 1280x720@30 VP8 + Opus to a loopback peer, ours (the sender
//! alone in this process, the receiver in a child process) and Chromium's (its whole process
//! tree, sending its fake camera and microphone to us; needs the interop setup), and the
//! latency from capture to the remote track's frame on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::interop::isolated_or_skip;
use common::signal::PeerLink;
use common::*;
use mediacapture_webrtc::{PeerConnectionEvent, RTCSessionDescriptionInit, RTCStats};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

/// CPU seconds (user + system) of `pid`'s threads, by thread name.
fn thread_cpu(pid: u32) -> Vec<(String, f64)> {
    let tick = 100.0; // USER_HZ on Linux
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_string();
        let f: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let ut: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let st: f64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        out.push((name, (ut + st) / tick));
    }
    out
}

fn process_cpu(pid: u32) -> f64 {
    thread_cpu(pid).iter().map(|(_, c)| c).sum()
}

/// The receiver half of `cpu_sending_720p30_and_opus_to_a_loopback_peer`.
#[test]
fn zz_receiver_process() {
    if std::env::var_os("MC_WEBRTC_RECEIVER_PROCESS").is_none() {
        return;
    }
    let b = pc();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    let offer: RTCSessionDescriptionInit = serde_json::from_str(&line).unwrap();
    block_on(b.set_remote_description(offer)).unwrap();
    let answer = block_on(b.create_answer()).unwrap();
    block_on(b.set_local_description(Some(answer.clone()))).unwrap();
    println!("ANSWER {}", serde_json::to_string(&answer).unwrap());
    std::io::stdout().flush().unwrap();
    std::io::stdin().lock().read_line(&mut line).unwrap();
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn cpu_sending_720p30_and_opus_to_a_loopback_peer() {
    let a = pc();
    let ae = events(&a);
    let stream = gum(
        &devices(),
        r#"{"video": {"width": 1280, "height": 720, "frameRate": 30}, "audio": true}"#,
    );
    for t in stream.get_tracks() {
        a.add_track(&t, &[&stream]).unwrap();
    }
    let offer = block_on(a.create_offer(Default::default())).unwrap();
    block_on(a.set_local_description(Some(offer.clone()))).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "zz_receiver_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MC_WEBRTC_RECEIVER_PROCESS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", serde_json::to_string(&offer).unwrap()).unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let answer = loop {
        let mut l = String::new();
        assert!(out.read_line(&mut l).unwrap() > 0);
        if let Some(at) = l.find("ANSWER ") {
            break serde_json::from_str::<RTCSessionDescriptionInit>(&l[at + 7..]).unwrap();
        }
    };
    block_on(a.set_remote_description(answer)).unwrap();
    wait_connected(&a, &ae);
    // Warm up (first keyframe, bandwidth ramp), then measure over 300 camera frames.
    let frames = stream.get_video_tracks()[0].video_frames();
    for _ in 0..60 {
        frames.recv_timeout(SAFETY).unwrap();
    }
    let outbound = |a: &mediacapture_webrtc::RTCPeerConnection| {
        block_on(a.get_stats())
            .unwrap()
            .values()
            .find_map(|s| match s {
                RTCStats::OutboundRtp(o) if o.kind == "video" => Some(o.clone()),
                _ => None,
            })
            .unwrap()
    };
    let o0 = outbound(&a);
    let pid = std::process::id();
    let before = thread_cpu(pid);
    let (t0, first) = (
        Instant::now(),
        frames.recv_timeout(SAFETY).unwrap().timestamp(),
    );
    let mut last = first;
    for _ in 0..300 {
        last = frames.recv_timeout(SAFETY).unwrap().timestamp();
    }
    let wall = t0.elapsed().as_secs_f64();
    let after = thread_cpu(pid);
    let media = (last - first) as f64 / 1e6;
    let total: f64 =
        after.iter().map(|(_, c)| c).sum::<f64>() - before.iter().map(|(_, c)| c).sum::<f64>();
    let o1 = outbound(&a);
    let bwe = block_on(a.get_stats())
        .unwrap()
        .values()
        .find_map(|s| match s {
            RTCStats::CandidatePair(p) => p.available_outgoing_bitrate,
            _ => None,
        });
    println!("  bandwidth estimate: {bwe:?} bit/s");
    println!(
        "ours: {media:.2} s of 1280x720@30 + Opus in {wall:.2} s: {:.0} ms CPU per media second \
         (whole sending process, fake capture included)",
        total / media * 1000.0
    );
    let mut by_name: std::collections::BTreeMap<String, f64> = Default::default();
    for (n, c) in &after {
        let b = before.iter().find(|(m, _)| m == n).map_or(0.0, |x| x.1);
        *by_name.entry(n.clone()).or_default() += c - b;
    }
    for (n, c) in by_name.iter().filter(|(_, c)| **c > 0.005) {
        println!("  {n}: {:.0} ms/s", c / media * 1000.0);
    }
    println!(
        "  sent {}x{}: {:.1} frames/s encoded, {:.0} kbit/s of RTP (target {:.0} kbit/s)",
        o1.frame_width.unwrap_or(0),
        o1.frame_height.unwrap_or(0),
        (o1.frames_encoded.unwrap_or(0) - o0.frames_encoded.unwrap_or(0)) as f64 / media,
        (o1.bytes_sent - o0.bytes_sent) as f64 * 8.0 / media / 1000.0,
        o1.target_bitrate / 1000.0
    );
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
}

/// Capture to remote frame on loopback, 1280x720@30 VP8: the fake camera draws each frame's
/// capture time (process clock) into its pixels; the receiving side reads it back from the
/// decoded remote frame as it comes out of the remote track, and subtracts it from the clock.
#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn latency_capture_to_remote_frame_720p30_on_loopback() {
    use mediacapture_hal::fake::{read_frame_counter, read_frame_timestamp};
    let stream = gum(
        &devices(),
        r#"{"video": {"width": 1280, "height": 720, "frameRate": 30}}"#,
    );
    let a = pc();
    let b = pc();
    let (ae, be) = (events(&a), events(&b));
    let track = &stream.get_video_tracks()[0];
    a.add_track(track, &[&stream]).unwrap();
    negotiate(&a, &b);
    let remote = wait_for(&be, "track", |e| match e {
        PeerConnectionEvent::Track(t) => Some(t.track.clone()),
        _ => None,
    });
    let frames = remote.video_frames();
    wait_connected(&a, &ae);
    wait_connected(&b, &be);
    // Warm up: the first keyframe, the bandwidth ramp.
    for _ in 0..90 {
        frames.recv_timeout(SAFETY).unwrap();
    }
    let outbound = || {
        block_on(a.get_stats())
            .unwrap()
            .values()
            .find_map(|s| match s {
                RTCStats::OutboundRtp(o) if o.kind == "video" => Some(o.clone()),
                _ => None,
            })
            .unwrap()
    };
    let o0 = outbound();
    let mut lat = Vec::new();
    let (mut first, mut last) = (None, 0);
    while lat.len() < 900 {
        let f = frames.recv_timeout(SAFETY).unwrap();
        let now = mediacapture_hal::clock::now_us();
        let (Some(ts), Some(n)) = (read_frame_timestamp(&f), read_frame_counter(&f)) else {
            continue;
        };
        assert!(n > last || first.is_none(), "counter {n} after {last}");
        first.get_or_insert(n);
        last = n;
        lat.push((now - ts) as f64 / 1000.0);
    }
    let o1 = outbound();
    let encoded = (o1.frames_encoded.unwrap_or(0) - o0.frames_encoded.unwrap_or(0)) as f64;
    let encode_ms = (o1.total_encode_time.unwrap_or(0.0) - o0.total_encode_time.unwrap_or(0.0))
        / encoded.max(1.0)
        * 1000.0;
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| lat[((lat.len() - 1) as f64 * p).round() as usize];
    println!(
        "latency capture -> remote frame, 1280x720@30 VP8 on loopback, {} frames \
         (counters {}..={last}, {} not delivered): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         mean encode time {encode_ms:.1} ms/frame; goal p99 < {:.1} ms (33.3 + encode)",
        lat.len(),
        first.unwrap_or(0),
        (last - first.unwrap_or(0) + 1) as usize - lat.len(),
        q(0.5),
        q(0.99),
        lat[lat.len() - 1],
        33.3 + encode_ms
    );
    a.close();
    b.close();
}

/// Every process under `root` (itself included).
fn tree(root: u32) -> Vec<u32> {
    let mut all = vec![root];
    let mut i = 0;
    while i < all.len() {
        let parent = all[i];
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for e in dir.flatten() {
                let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                    continue;
                };
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    continue;
                };
                let Some(close) = stat.rfind(')') else {
                    continue;
                };
                let ppid: u32 = stat[close + 2..]
                    .split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                if ppid == parent && !all.contains(&pid) {
                    all.push(pid);
                }
            }
        }
        i += 1;
    }
    all
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture in the interop setup"]
fn cpu_chromium_sending_720p30_and_opus_to_us() {
    if !isolated_or_skip("cpu_chromium_sending_720p30_and_opus_to_us") {
        return;
    }
    let link = PeerLink::start();
    let profile = tempfile::tempdir().unwrap();
    let mut chromium = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // The fake camera runs at 20 frames/s unless told otherwise.
            "--use-fake-device-for-media-stream=fps=30",
            "--use-fake-ui-for-media-stream",
            "--allow-loopback-in-peer-connection",
            "--disable-features=WebRtcHideLocalIpsWithMdns",
            &format!("--user-data-dir={}", profile.path().display()),
            &link.url("/page.html?w=1280&h=720&fps=30"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(link.recv("ready")["type"], "ready");
    let b = pc();
    let be = events(&b);
    link.send(serde_json::json!({"type": "make-offer"}));
    let offer = link.recv("offer");
    block_on(b.set_remote_description(RTCSessionDescriptionInit::offer(
        offer["sdp"].as_str().unwrap(),
    )))
    .unwrap();
    let answer = block_on(b.create_answer()).unwrap();
    block_on(b.set_local_description(Some(answer.clone()))).unwrap();
    link.send(serde_json::json!({"type": "answer", "sdp": answer.sdp}));
    // Chromium's candidates, until connected.
    let deadline = Instant::now() + SAFETY;
    let mut audio = None;
    while b.connection_state() != mediacapture_webrtc::RTCPeerConnectionState::Connected
        || audio.is_none()
    {
        assert!(Instant::now() < deadline);
        while let Ok(e) = be.try_recv() {
            if let PeerConnectionEvent::Track(t) = &e
                && t.track.kind() == mediacapture::TrackKind::Audio
            {
                audio = Some(t.track.clone());
            }
            if let PeerConnectionEvent::IceCandidate(Some(c)) = e {
                link.send(serde_json::json!({"type": "candidate", "candidate": {
                    "candidate": c.candidate, "sdpMid": c.sdp_mid, "sdpMLineIndex": c.sdp_m_line_index}}));
            }
        }
        if let Ok(v) = link.try_recv_for(std::time::Duration::from_millis(50))
            && v["type"] == "candidate"
            && !v["candidate"].is_null()
        {
            let c = serde_json::from_value(v["candidate"].clone()).unwrap();
            block_on(b.add_ice_candidate(Some(c))).unwrap();
        }
    }
    let received = |b: &mediacapture_webrtc::RTCPeerConnection| {
        block_on(b.get_stats())
            .unwrap()
            .values()
            .find_map(|s| match s {
                RTCStats::InboundRtp(i) if i.kind == "video" => i.frames_received,
                _ => None,
            })
            .unwrap_or(0)
    };
    let rx_audio = audio.unwrap().audio_data();
    // Received audio blocks are the clock (20 ms each): warm up 2 s, measure 10 s.
    for _ in 0..100 {
        rx_audio.recv_timeout(SAFETY).unwrap().unwrap();
    }
    let pids = tree(chromium.id());
    let cpu0: f64 = pids.iter().map(|p| process_cpu(*p)).sum();
    let (t0, f0) = (Instant::now(), received(&b));
    for _ in 0..500 {
        rx_audio.recv_timeout(SAFETY).unwrap().unwrap();
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu1: f64 = tree(chromium.id()).iter().map(|p| process_cpu(*p)).sum();
    let frames = received(&b) - f0;
    println!(
        "Chromium: {wall:.2} s sending its fake 1280x720 camera + microphone ({frames} frames \
         reached us): {:.0} ms CPU per second (all its processes, fake capture included)",
        (cpu1 - cpu0) / wall * 1000.0
    );
    let _ = chromium.kill();
    let _ = chromium.wait();
}
