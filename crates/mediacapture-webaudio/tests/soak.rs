//! A node graph runs for 60 s of media time with flat memory, faster than real time: an
//! `OfflineAudioContext` renders as fast as it can, its microphone source in lockstep with a
//! fake microphone on a manual clock that the test moves 10 ms at a time. The graph: the
//! microphone through a gain into an analyser and a destination track, an oscillator into
//! the same destination and into the context's output.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use mediacapture::MediaDevices;
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_test_support::ManualClock;
use mediacapture_webaudio::{SourceMode, TrackDestination, media_stream_track_with_mode};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use web_audio_api::context::{BaseAudioContext, OfflineAudioContext};
use web_audio_api::node::{AudioNode, AudioScheduledSourceNode};

const SAFETY: Duration = Duration::from_secs(60);
const RATE: usize = 48_000;
const SECONDS: usize = 60;

#[allow(unsafe_code, reason = "FFI: glibc's mallinfo2")]
fn heap_in_use() -> usize {
    // SAFETY: mallinfo2 takes no arguments, only reads the allocator's statistics under its
    // own locks and returns a plain struct by value.
    let info = unsafe { libc::mallinfo2() };
    info.uordblks + info.hblkhd
}

#[test]
fn a_graph_renders_sixty_seconds_of_media_time_with_flat_memory() {
    let clock = ManualClock::new();
    let backend = FakeBackend::with_clock(
        FakeProfile::from_json(
            r#"{"devices":[{"kind":"audioinput","label":"Mic","sampleRate":[48000],"channelCount":[1]}]}"#,
        )
        .unwrap(),
        clock.as_clock(),
    );
    let md = MediaDevices::builder().backend(backend).build();
    let mic = futures_executor::block_on(
        md.get_user_media_json(r#"{"audio":{"echoCancellation":false}}"#),
    )
    .unwrap();
    let mut ctx = OfflineAudioContext::new(1, RATE * SECONDS, RATE as f32);
    let track = media_stream_track_with_mode(
        &mic.get_audio_tracks()[0],
        RATE as f32,
        SourceMode::Lockstep {
            timeout: Duration::from_secs(10),
        },
    )
    .unwrap();
    // An offline context has no factory method for it; the node's constructor takes any.
    let source = web_audio_api::node::MediaStreamTrackAudioSourceNode::new(
        &ctx,
        web_audio_api::node::MediaStreamTrackAudioSourceOptions {
            media_stream_track: &track,
        },
    );
    let gain = ctx.create_gain();
    gain.gain().set_value(0.5);
    let analyser = ctx.create_analyser();
    let dest = TrackDestination::new(&ctx, 2).unwrap();
    source.connect(&gain);
    gain.connect(&analyser);
    gain.connect(dest.node());
    let mut osc = ctx.create_oscillator();
    osc.frequency().set_value(1_000.0);
    let quiet = ctx.create_gain();
    quiet.gain().set_value(0.1);
    osc.connect(&quiet);
    quiet.connect(dest.node());
    quiet.connect(&ctx.destination());
    osc.start();

    // What the destination track delivers: counted, and its loudest sample.
    let delivered = Arc::new(AtomicU64::new(0));
    let d = delivered.clone();
    let loudest = Arc::new(AtomicU64::new(0));
    let l = loudest.clone();
    dest.stream().get_audio_tracks()[0].on_audio_data(move |a| {
        let peak = a
            .to_f32_interleaved()
            .iter()
            .fold(0.0f32, |m, s| m.max(s.abs()));
        l.fetch_max(u64::from(peak.to_bits()), Ordering::Relaxed);
        d.fetch_add(a.frames() as u64, Ordering::SeqCst);
    });
    let render = std::thread::spawn(move || ctx.start_rendering_sync());

    let wall = Instant::now();
    let mut heap = Vec::new();
    for k in 1..=(SECONDS * 100) {
        clock.advance(Duration::from_millis(10));
        // The render follows the microphone: wait until it consumed up to 30 ms behind.
        let want = (k.saturating_sub(3) * RATE / 100) as u64;
        let deadline = Instant::now() + SAFETY;
        while delivered.load(Ordering::SeqCst) < want {
            assert!(Instant::now() < deadline, "the render stalled at {k}");
            std::thread::yield_now();
        }
        if k % 1_000 == 0 {
            heap.push(heap_in_use());
        }
    }
    // Let the render finish its last quanta (the microphone has delivered them all).
    clock.advance(Duration::from_millis(100));
    let rendered = render.join().unwrap();
    let wall = wall.elapsed();
    assert_eq!(rendered.length(), RATE * SECONDS);
    let total = delivered.load(Ordering::SeqCst);
    assert!(
        total >= ((SECONDS - 1) * RATE) as u64,
        "{total} frames delivered"
    );
    // The microphone (0.25 * 0.5) and the oscillator (0.1) both reached the track.
    let peak = f32::from_bits(loudest.load(Ordering::Relaxed) as u32);
    assert!(peak > 0.15 && peak < 0.4, "peak {peak}");
    // The output of the context holds the oscillator only.
    let out = rendered.get_channel_data(0);
    let out_peak = out[RATE..].iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!((out_peak - 0.1).abs() < 0.01, "{out_peak}");
    // Flat memory: from 10 s to 60 s of media time, the heap in use grows by less than
    // 1 MiB (a leak of one 10 ms block per block would be 24 MB).
    let growth = heap.last().unwrap().saturating_sub(heap[0]);
    println!(
        "60 s of media time rendered in {:.1} s; heap in use at 10..60 s: {:?} (growth {} B)",
        wall.as_secs_f64(),
        heap,
        growth
    );
    assert!(growth < 1 << 20, "heap grew {growth} B: {heap:?}");
    mic.get_tracks().iter().for_each(|t| t.stop());
}
