//! The concurrency model: the futures only wait (the work runs on the library's request
//! thread), a prompt can be answered by another task of a single-threaded executor, events of
//! one `MediaDevices` are never held up by another's slow listener, and without fake devices
//! asked for, a machine without a camera gives `NotFoundError`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use mediacapture::{
    MediaDevices, MediaStreamConstraints, PermissionName, PermissionState, TrackEvent,
};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::task::{Context, Waker};
use std::time::Duration;

/// Generous: only reached when the behaviour under test is broken.
const SAFETY: Duration = Duration::from_secs(30);

#[test]
fn a_prompt_answered_by_another_task_on_a_current_thread_executor() {
    let (ask, mut asked) = mpsc::unbounded::<(String, oneshot::Sender<bool>)>();
    let md = builder()
        .all_permissions(PermissionState::Prompt)
        .prompt_async(move |request| {
            let (answer, answered) = oneshot::channel();
            let _ = ask.unbounded_send((request.name.as_str().to_string(), answer));
            async move { answered.await.unwrap_or(false) }
        })
        .build();
    // One thread runs both the getUserMedia call and the task that answers its prompts.
    let mut pool = futures_executor::LocalPool::new();
    let (done_tx, done_rx) = std_mpsc::channel();
    let md2 = md.clone();
    use futures_util::task::LocalSpawnExt;
    pool.spawner()
        .spawn_local(async move {
            let stream = md2
                .get_user_media_json(r#"{"audio": true, "video": true}"#)
                .await;
            let _ = done_tx.send(stream);
        })
        .unwrap();
    let mut names = Vec::new();
    pool.run_until(async {
        for _ in 0..2 {
            let (name, answer) = asked.next().await.expect("a prompt");
            names.push(name);
            let _ = answer.send(true);
        }
    });
    pool.run();
    let stream = done_rx.recv_timeout(SAFETY).unwrap().unwrap();
    assert_eq!(stream.get_tracks().len(), 2);
    // One prompt per kind, microphone first (the order of the kinds in the spec's step 8).
    assert_eq!(names, ["microphone", "camera"]);
    assert_eq!(
        md.permission(PermissionName::Camera),
        PermissionState::Granted
    );
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn polling_never_blocks_while_a_prompt_is_open() {
    let (ask, asked) = std_mpsc::channel::<oneshot::Sender<bool>>();
    let md = builder()
        .all_permissions(PermissionState::Prompt)
        .prompt_async(move |_| {
            let (answer, answered) = oneshot::channel();
            let _ = ask.send(answer);
            async move { answered.await.unwrap_or(false) }
        })
        .build();
    let mut fut = pin!(md.get_user_media_json(r#"{"video": true}"#));
    let mut cx = Context::from_waker(Waker::noop());
    // The prompt is pending: poll returns at once, every time.
    let answer = loop {
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        if let Ok(a) = asked.recv_timeout(Duration::from_millis(10)) {
            break a;
        }
    };
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    // A refusal: NotAllowedError.
    let _ = answer.send(false);
    let err = block_on(fut).unwrap_err();
    assert_eq!(err.name(), "NotAllowedError");
}

#[test]
fn a_blocked_listener_of_one_media_devices_does_not_delay_another_s_events() {
    let slow = devices();
    let fast = devices();
    let a = gum(&slow, r#"{"video": true}"#).unwrap();
    let b = gum(&fast, r#"{"video": true}"#).unwrap();
    assert_ne!(slow.event_loop(), fast.event_loop());
    // `slow`'s track listener blocks until released.
    let (release, held) = std_mpsc::channel::<()>();
    let held = parking_lot::Mutex::new(held);
    let (entered_tx, entered) = std_mpsc::channel::<()>();
    a.get_video_tracks()[0].on(TrackEvent::Ended, move || {
        let _ = entered_tx.send(());
        let _ = held.lock().recv_timeout(SAFETY);
    });
    let mut b_events = b.get_video_tracks()[0].events();
    slow.set_permission(PermissionName::Camera, PermissionState::Denied);
    entered.recv_timeout(SAFETY).expect("slow's listener runs");
    // While slow's listener is stuck, fast's track ends and its event arrives.
    fast.set_permission(PermissionName::Camera, PermissionState::Denied);
    let safety = pin!(timeout(SAFETY));
    let got = block_on(futures_util::future::select(b_events.next(), safety));
    match got {
        futures_util::future::Either::Left((e, _)) => assert_eq!(e, Some(TrackEvent::Ended)),
        futures_util::future::Either::Right(_) => panic!("fast's event was held up"),
    }
    release.send(()).unwrap();
}

/// A future that completes after `d` of real time (a safety net, never the thing tested).
fn timeout(d: Duration) -> impl Future<Output = ()> {
    let (tx, rx) = oneshot::channel::<()>();
    std::thread::spawn(move || {
        std::thread::sleep(d);
        let _ = tx.send(());
    });
    async move {
        let _ = rx.await;
    }
}

#[test]
fn futures_are_send_and_static() {
    fn assert_send_static<T: Send + 'static>(_: &T) {}
    let md = devices();
    let f = md.get_user_media(MediaStreamConstraints::from_json(r#"{"audio":true}"#).unwrap());
    assert_send_static(&f);
    let e = md.enumerate_devices();
    assert_send_static(&e);
    let s = block_on(f).unwrap();
    let t = s.get_audio_tracks()[0].clone();
    let a = t.apply_constraints(Default::default());
    assert_send_static(&a);
    block_on(a).unwrap();
    t.stop();
    let _ = Arc::new(block_on(e).unwrap());
}

#[test]
fn without_fake_devices_asked_for_a_machine_without_a_camera_gives_not_found() {
    if std::env::var_os("MEDIACAPTURE_FAKE").is_some() {
        eprintln!("skipped: MEDIACAPTURE_FAKE is set");
        return;
    }
    let has_camera = mediacapture_hal::real_backends().iter().any(|b| {
        b.devices().is_ok_and(|d| {
            d.iter()
                .any(|d| d.kind == mediacapture::types::MediaDeviceKind::VideoInput)
        })
    });
    if has_camera {
        eprintln!("skipped: this machine has a camera");
        return;
    }
    let md = MediaDevices::builder().build();
    assert!(!md.backend_names().contains(&"fake"));
    let err = block_on(md.get_user_media_json(r#"{"video": true}"#)).unwrap_err();
    assert_eq!(err.name(), "NotFoundError");
    // Asked for: fake devices.
    let md = MediaDevices::builder().fake_devices(true).build();
    let s = block_on(md.get_user_media_json(r#"{"video": true}"#)).unwrap();
    assert_eq!(s.get_video_tracks()[0].label(), "Fake Camera");
    s.get_tracks().iter().for_each(|t| t.stop());
}
