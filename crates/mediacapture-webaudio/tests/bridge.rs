//! The bridge with real graphs: an oscillator at 1 kHz through a destination track and
//! MediaRecorder into a WebM file that ffmpeg decodes to a 1 kHz tone; the fake microphone
//! into an AnalyserNode that finds 440 Hz; a graph on a speaker; bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use mediacapture::playout::{AudioPlayer, PlayerOptions};
use mediacapture::{ErrorKind, MediaDevices};
use mediacapture_hal::fake::FakeBackend;
use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions};
use mediacapture_test_support::signal::zero_crossing_frequency;
use mediacapture_webaudio::{SpeakerOutput, TrackDestination, audio_context, media_stream};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use web_audio_api::context::BaseAudioContext;
use web_audio_api::node::{AudioNode, AudioScheduledSourceNode};

const SAFETY: Duration = Duration::from_secs(30);

/// Power of `samples` at `freq` Hz (one DFT bin), normalised by length.
fn tone_power(samples: &[f32], rate: f64, freq: f64) -> f64 {
    let w = std::f64::consts::TAU * freq / rate;
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (n, s) in samples.iter().enumerate() {
        re += f64::from(*s) * (w * n as f64).cos();
        im -= f64::from(*s) * (w * n as f64).sin();
    }
    (re * re + im * im) / (samples.len() as f64).powi(2)
}

/// The strongest of 100 Hz .. 5 kHz in 10 Hz steps.
fn dominant(samples: &[f32], rate: f64) -> f64 {
    (10..=500)
        .map(|k| f64::from(k) * 10.0)
        .map(|f| (f, tone_power(samples, rate, f)))
        .fold((0.0, -1.0), |a, b| if b.1 > a.1 { b } else { a })
        .0
}

#[test]
fn an_oscillator_recorded_through_a_destination_track_is_a_1_khz_tone() {
    let ctx = audio_context(None).unwrap();
    let mut osc = ctx.create_oscillator();
    osc.frequency().set_value(1000.0);
    let dest = TrackDestination::new(&ctx, 2).unwrap();
    osc.connect(dest.node());
    osc.start();
    let stream = dest.stream().clone();
    let track = stream.get_audio_tracks()[0].clone();
    let s = track.get_settings();
    assert_eq!((s.sample_rate, s.channel_count), (Some(48_000), Some(2)));
    // Count what the track delivers, to stop after a second of audio.
    let (tx, delivered) = mpsc::channel();
    track.on_audio_data(move |a| {
        let _ = tx.send(a.frames());
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("osc.webm");
    let mut options =
        RecorderOptions::from_json(r#"{"mimeType":"audio/webm;codecs=opus"}"#).unwrap();
    options.output_file = Some(file.clone());
    let recorder = MediaRecorder::new(&stream, options).unwrap();
    let (stx, stopped) = mpsc::channel();
    recorder.add_event_listener(move |e| {
        if matches!(e, RecorderEvent::Stop) {
            let _ = stx.send(());
        }
    });
    recorder.start(None).unwrap();
    let mut frames = 0;
    while frames < 48_000 {
        frames += delivered
            .recv_timeout(SAFETY)
            .expect("the destination delivers");
    }
    recorder.stop();
    stopped.recv_timeout(SAFETY).expect("stop");
    ctx.close_sync();
    // ffmpeg decodes the file: 48 kHz float samples; the left channel.
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&file)
        .args(["-f", "f32le", "-ac", "2", "-ar", "48000", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pcm: Vec<f32> = out
        .stdout
        .chunks_exact(8)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert!(pcm.len() >= 24_000, "{} samples decoded", pcm.len());
    // Skip the codec's start; analyse half a second.
    let part = &pcm[4_800..4_800 + 24_000];
    assert_eq!(dominant(part, 48_000.0), 1_000.0);
    let rms = (part.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / part.len() as f64).sqrt();
    // A full-scale sine (the oscillator's amplitude is 1): RMS 0.707 (Opus keeps it close).
    assert!((rms - 0.707).abs() < 0.08, "rms {rms}");
}

#[test]
fn the_microphone_into_an_analyser_peaks_at_440_hz() {
    let md = MediaDevices::builder().fake_devices(true).build();
    let mic = futures_executor::block_on(md.get_user_media_json(
        // Noise suppression takes a steady tone away; this test follows the tone.
        r#"{"audio":{"noiseSuppression":false}}"#,
    ))
    .unwrap();
    let ctx = audio_context(None).unwrap();
    let source = ctx
        .create_media_stream_source(&media_stream(&mic.get_tracks(), ctx.sample_rate()).unwrap());
    let mut analyser = ctx.create_analyser();
    analyser.set_fft_size(4096);
    source.connect(&analyser);
    let bins = analyser.frequency_bin_count();
    let hz_per_bin = ctx.sample_rate() / 4096.0;
    let mut data = vec![0.0f32; bins];
    let deadline = Instant::now() + SAFETY;
    // The analyser reflects what was rendered; wait (polling its data, which has no event)
    // until it holds the tone, beeps aside.
    let peak = loop {
        analyser.get_float_frequency_data(&mut data);
        let (i, db) = data
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
        let f = i as f32 * hz_per_bin;
        if db > -40.0 && (f - 440.0).abs() <= hz_per_bin {
            break f;
        }
        assert!(
            Instant::now() < deadline,
            "no 440 Hz peak: {f} Hz at {db} dB"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!((peak - 440.0).abs() <= hz_per_bin);
    ctx.close_sync();
    mic.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn a_graph_plays_on_a_speaker() {
    let backend = Arc::new(FakeBackend::default());
    let md = MediaDevices::builder().backend_arc(backend.clone()).build();
    let speaker = md.audio_output("").unwrap().unwrap();
    let played = backend.played(speaker.raw_id()).unwrap();
    let player = AudioPlayer::new(PlayerOptions::default());
    player.set_device(Some(speaker)).unwrap();
    player.set_playing(true);
    let ctx = audio_context(Some(44_100.0)).unwrap();
    let out = SpeakerOutput::new(&ctx, &player, 2).unwrap();
    let mut osc = ctx.create_oscillator();
    osc.frequency().set_value(750.0);
    let gain = ctx.create_gain();
    gain.gain().set_value(0.5);
    osc.connect(&gain);
    gain.connect(out.node());
    osc.start();
    // Waits for half a second of unbroken tone, not for a count of frames: the speaker
    // opened before the context, whose first render can come late on a loaded machine (one
    // CI run counted a whole second of the speaker's silence before it). The render thread
    // and the speaker run with real-time scheduling where the process may (as in Chromium),
    // so a loaded machine rarely starves them; but nothing can promise no dropout at all on
    // a machine that busy. So a gap of silence (8 samples in a row below 0.05; the tone's
    // zero crossings stay under 0.05 for 3 samples at most) ends a run, and the frequency is
    // read from zero crossings, which a splice of dropped samples moves by one crossing at
    // most. (A strongest-bin search once read such a splice as 760 Hz.)
    let longest_run = |x: &[f32]| -> Vec<f32> {
        let (mut best, mut start, mut quiet) = (0..0, None, 0);
        let end_run = |start: Option<usize>, end: usize, best: &mut std::ops::Range<usize>| {
            if let Some(start) = start.filter(|&s| end - s > best.len()) {
                *best = start..end;
            }
        };
        for (i, s) in x.iter().enumerate() {
            if s.abs() < 0.05 {
                quiet += 1;
                if quiet == 8 {
                    end_run(start.take(), i + 1 - 8, &mut best);
                }
            } else {
                quiet = 0;
                start.get_or_insert(i);
            }
        }
        end_run(start, x.len() - quiet, &mut best);
        x[best].to_vec()
    };
    let deadline = std::time::Instant::now() + SAFETY;
    loop {
        let n = played.frames_played();
        assert!(played.wait_frames(n + 4_800, SAFETY), "the speaker pulls");
        if longest_run(&played.last_segment().unwrap().channel(0)).len() >= 24_000 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never half a second of unbroken tone at the speaker"
        );
    }
    ctx.close_sync();
    let left = played.last_segment().unwrap().channel(0);
    let loud = longest_run(&left);
    // 44.1 kHz in the graph, 48 kHz on the speaker: a wrong rate would read 689 or 816 Hz.
    let f = zero_crossing_frequency(&loud, 48_000);
    assert!((f - 750.0).abs() < 5.0, "{f} Hz");
    let peak = loud.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!((peak - 0.5).abs() < 0.05, "peak {peak}");
}

#[test]
fn bad_input_is_a_named_error() {
    for rate in [0.0, 100.0, 1e7, f32::NAN] {
        let e = audio_context(Some(rate)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotSupportedError, "{rate}");
    }
    let ctx = audio_context(None).unwrap();
    assert_eq!(
        TrackDestination::new(&ctx, 0).unwrap_err().kind,
        ErrorKind::NotSupportedError
    );
    let md = MediaDevices::builder().fake_devices(true).build();
    let cam = futures_executor::block_on(md.get_user_media_json(r#"{"video":true}"#)).unwrap();
    let e = media_stream(&cam.get_tracks(), 48_000.0).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidStateError);
    cam.get_tracks().iter().for_each(|t| t.stop());
    assert_eq!(
        mediacapture_webaudio::from_web_audio("IndexSizeError - fft size").kind,
        ErrorKind::IndexSizeError
    );
    ctx.close_sync();
    let _ = Mutex::new(());
}
