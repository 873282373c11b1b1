//! A file played through `MediaFile` into the recorder gives a file ffprobe accepts with the
//! same duration (within 100 ms), and the recorder's own output plays back.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failure with a message"
)]

mod common;

use mediacapture_recorder::{Recording, RecordingSettings, mime};
use mediacapture_sources::MediaFile;
use mediacapture_sources::file::{Media, MediaReader};
use mediacapture_test_support::ManualClock;
use parking_lot::Mutex;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Plays `input` through `capture_stream()` on a manual clock and records its tracks to
/// `output` as `mime_type`.
fn rerecord(input: &Path, output: &Path, mime_type: &str) {
    let clock = ManualClock::new();
    let file = MediaFile::open(input).unwrap().with_clock(clock.as_clock());
    file.set_autoplay(false);
    let stream = file.capture_stream().unwrap();
    let video = stream.get_video_tracks().first().cloned();
    let audio = stream.get_audio_tracks().first().cloned();
    let conf = match mime::configure(mime_type, video.is_some(), audio.is_some()).unwrap() {
        mime::Configured::Ready(c) => c,
        mime::Configured::Unsupported(e) => panic!("{e}"),
    };
    let mut settings = RecordingSettings::new(
        conf,
        video.as_ref().map(|t| t.id().to_string()),
        audio.as_ref().map(|t| t.id().to_string()),
    );
    settings.output_file = Some(output.to_path_buf());
    settings.blobs = false;
    let rec = Arc::new(Mutex::new(Some(Recording::new(settings).unwrap())));
    if let Some(v) = &video {
        let (r, id) = (rec.clone(), v.id().to_string());
        v.on_video_frame(move |f| {
            if let Some(rec) = r.lock().as_mut() {
                rec.push_video(&id, f).unwrap();
            }
        });
    }
    if let Some(a) = &audio {
        let (r, id) = (rec.clone(), a.id().to_string());
        a.on_audio_data(move |d| {
            if let Some(rec) = r.lock().as_mut() {
                rec.push_audio(&id, d).unwrap();
            }
        });
    }
    let units = common::unit_stamps(&stream);
    common::play_through(&file, &clock, input, &units, Duration::from_millis(100));
    assert!(file.error().is_none(), "{:?}", file.error());
    mediacapture::flush_events();
    let recording = rec.lock().take().unwrap();
    let finished = recording.finish();
    assert!(finished.error.is_none(), "{:?}", finished.error);
}

#[test]
fn webm_rerecorded_keeps_its_duration() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::webm(dir.path(), "in.webm", "320x240", 2.5, false);
    let output = dir.path().join("out.webm");
    rerecord(&input, &output, "video/webm;codecs=vp8,opus");
    let d_in = common::ffprobe_duration(&input);
    let d_out = common::ffprobe_duration(&output);
    assert!(
        (d_in - d_out).abs() < 0.1,
        "duration {d_in} s became {d_out} s"
    );
    let probe = common::ffprobe(&output);
    let codecs: Vec<&str> = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["codec_name"].as_str().unwrap())
        .collect();
    assert_eq!(codecs, ["vp8", "opus"]);
    common::ffmpeg_decodes(&output);

    // The recorder's own output reads back: every frame, at the recorded size.
    let mut r = MediaReader::open(&output).unwrap();
    let v = r.info().video.clone().unwrap();
    assert_eq!((v.width, v.height), (320, 240));
    let (mut frames, mut audio) = (0, 0);
    while let Some(m) = r.next_media().unwrap() {
        match m {
            Media::Video(_) => frames += 1,
            Media::Audio(a) => audio += a.frames(),
        }
    }
    assert!((73..=76).contains(&frames), "{frames} frames of 75");
    let secs = audio as f64 / 48_000.0;
    assert!((secs - 2.5).abs() < 0.1, "{secs} s of audio");
}

#[test]
fn vp9_recording_rerecorded_from_y4m_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::y4m(dir.path(), "in.y4m", "160x120", 25, 1.2);
    let output = dir.path().join("out.webm");
    rerecord(&input, &output, "video/webm;codecs=vp9");
    let d_out = common::ffprobe_duration(&output);
    assert!((d_out - 1.2).abs() < 0.1, "1.2 s of y4m became {d_out} s");
    let mut r = MediaReader::open(&output).unwrap();
    assert_eq!(r.info().video.as_ref().unwrap().codec, "vp9");
    let frames = r
        .by_ref()
        .filter(|m| matches!(m, Ok(Media::Video(_))))
        .count();
    assert!((29..=30).contains(&frames), "{frames} frames of 30");
}

#[test]
fn wav_rerecorded_as_opus() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::wav(dir.path(), "in.wav", 44_100, 2, 1.5);
    let output = dir.path().join("out.webm");
    rerecord(&input, &output, "audio/webm;codecs=opus");
    let d_out = common::ffprobe_duration(&output);
    assert!((d_out - 1.5).abs() < 0.1, "1.5 s of WAV became {d_out} s");
    common::ffmpeg_decodes(&output);
}

#[test]
fn live_recorder_blobs_read_back() {
    use mediacapture_recorder::{
        LocalRecorder, RecorderEvent, RecorderOptions, TrackInfo, TrackKind,
    };
    // MediaRecorder's blobs (timeslice 100 ms) make a live WebM: unknown-size segment and
    // clusters, no duration, no cues, like Chromium's. It must play back.
    let dir = tempfile::tempdir().unwrap();
    let input = common::webm(dir.path(), "in.webm", "160x120", 1.0, false);
    let tracks = [
        TrackInfo::live("v", TrackKind::Video),
        TrackInfo::live("a", TrackKind::Audio),
    ];
    let mut rec = LocalRecorder::new(&tracks, RecorderOptions::default()).unwrap();
    rec.start(Some(100), &tracks).unwrap();
    let (mut pushed_video, mut pushed_audio) = (0, 0);
    for m in MediaReader::open(&input).unwrap() {
        match m.unwrap() {
            Media::Video(f) => {
                pushed_video += 1;
                rec.push_video("v", &f);
            }
            Media::Audio(a) => {
                pushed_audio += a.frames();
                rec.push_audio("a", &a);
            }
        }
    }
    rec.stop();
    let mut bytes = Vec::new();
    for event in rec.run_tasks() {
        if let RecorderEvent::DataAvailable(blob) = &event {
            bytes.extend_from_slice(blob.data.data());
        }
    }
    let out = dir.path().join("live.webm");
    std::fs::write(&out, &bytes).unwrap();
    let mut r = MediaReader::open(&out).unwrap();
    assert_eq!(
        r.info().duration,
        None,
        "a live recording states no duration"
    );
    let v = r.info().video.clone().unwrap();
    assert_eq!((v.width, v.height), (160, 120));
    assert!(
        (v.frame_rate - 30.0).abs() < 1.0,
        "measured {} fps",
        v.frame_rate
    );
    let (mut frames, mut audio) = (0, 0);
    while let Some(m) = r.next_media().unwrap() {
        match m {
            Media::Video(_) => frames += 1,
            Media::Audio(a) => audio += a.frames(),
        }
    }
    assert_eq!(frames, pushed_video);
    let (got, sent) = (audio as f64 / 48_000.0, pushed_audio as f64 / 48_000.0);
    assert!(
        (got - sent).abs() < 0.05,
        "{got} s of audio read back of {sent} s recorded"
    );
}

#[test]
fn media_recorder_on_a_file_stream_stops_at_the_end_with_the_same_duration() {
    use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions, RecordingState};
    // The whole chain the CLI's `record --from FILE` uses: MediaFile -> MediaStream ->
    // MediaRecorder, which stops by itself when the file's tracks end.
    let dir = tempfile::tempdir().unwrap();
    let input = common::webm(dir.path(), "in.webm", "320x240", 2.0, false);
    // Played on the system clock, in real time: MediaRecorder is a live sink that drops
    // video frames it is handed faster than it encodes (newest wins), and it offers nothing
    // to pace a manual clock by, so a manual clock moved in steps would flood it. Nothing
    // here measures time: the assertions are on the recording's content.
    let file = MediaFile::open(&input).unwrap();
    file.set_autoplay(false);
    let stream = file.capture_stream().unwrap();
    let recorder = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let stopped = common::Log::new();
    let (b, s) = (bytes.clone(), stopped.clone());
    recorder.add_event_listener(move |e| match e {
        RecorderEvent::DataAvailable(blob) => b.lock().extend_from_slice(blob.data.data()),
        RecorderEvent::Stop => s.push(()),
        RecorderEvent::Error(err) => panic!("recorder error: {err}"),
        _ => {}
    });
    recorder.start(None).unwrap();
    file.play().unwrap();
    // The recorder stops by itself when the file's tracks end.
    stopped.wait_len(1);
    assert!(file.ended());
    assert_eq!(recorder.state(), RecordingState::Inactive);
    let output = dir.path().join("out.webm");
    std::fs::write(&output, &*bytes.lock()).unwrap();
    let (d_in, d_out) = (
        common::ffprobe_duration(&input),
        common::ffprobe_duration(&output),
    );
    assert!(
        (d_in - d_out).abs() < 0.1,
        "duration {d_in} s became {d_out} s"
    );
    common::ffmpeg_decodes(&output);
}
