//! The player thread: decodes in file order and delivers each unit when its time comes on
//! the [`MediaFile`](super::MediaFile)'s clock.
//!
//! Time comes from an `Arc<dyn Clock>`: the system clock in real use, a manual clock in tests,
//! which then decide exactly which units have been played. The player waits with
//! [`clock::wait_until`] under the control mutex; every control change (play, pause, seek,
//! stop, the handle dropped) and every move of a manual clock wakes it.

use super::reader::{Decode, Media};
use super::{Kind, PlaybackState, Shared};
use mediacapture_hal::SourceEvent;
use mediacapture_hal::clock::{self, Clock};
use mediacapture_types::Error;
use std::sync::Arc;

/// Sends an event to every sink.
pub(super) fn broadcast(shared: &Shared, event: &SourceEvent) {
    for s in shared.sinks.lock().iter() {
        s.sink.on_event(event.clone());
    }
}

/// Where the player is in the file and on the clock.
struct Pacing {
    /// Clock time of media time 0: set by the first unit played (a file, or a reader handed
    /// over mid-way, need not start at 0), and by seeks.
    base: Option<i64>,
    /// Media time of the first unit played from the start, where a loop goes back to.
    first_us: i64,
    /// Whether the next unit is the first of the file (not of a seek to the middle).
    from_start: bool,
    /// The end of the furthest unit played since the start, a seek or a loop.
    end_us: i64,
    /// The last clock timestamp delivered per kind (video, audio): kept increasing.
    last_delivered: [Option<i64>; 2],
}

impl Pacing {
    /// The clock time `media` is due at.
    fn due(&mut self, clock: &dyn Clock, media: &Media) -> i64 {
        let ts = media.timestamp();
        let base = *self.base.get_or_insert_with(|| {
            if self.from_start {
                self.first_us = ts;
            }
            clock.now_us().saturating_sub(ts)
        });
        base.saturating_add(ts)
    }

    /// The timestamp to deliver a unit of `kind` due at `due` with: never before the last one
    /// of the same kind (a file's units may come slightly out of order across tracks).
    fn stamp(&mut self, kind: Kind, due: i64) -> i64 {
        let slot = &mut self.last_delivered[kind as usize];
        let ts = match *slot {
            Some(last) if due <= last => last + 1,
            _ => due,
        };
        *slot = Some(ts);
        ts
    }
}

/// Runs the player until the file ends, fails, or no one is left to play to.
pub(super) fn play_loop(shared: &Arc<Shared>, mut decoder: Box<dyn Decode>, clock: &dyn Clock) {
    let mut p = Pacing {
        base: None,
        first_us: 0,
        from_start: true,
        end_us: 0,
        last_delivered: [None, None],
    };
    let mut held: Option<Media> = None;
    let mut muted = false;
    // The end reaches exactly the sinks there when the state turns `Ended`: both under the
    // sinks lock, which `FileBackend::open` takes to register a sink. A restart (`play()`
    // sees `Ended`, sets `Playing`) opens its new tracks after this `Ended` went out, so
    // they do not end with the old playback.
    let finish = |decoder: Box<dyn Decode>, error: Option<Error>| {
        let sinks = shared.sinks.lock();
        {
            let mut c = shared.control();
            c.state = PlaybackState::Ended;
            c.error = error.clone();
            c.decoder = Some(decoder);
        }
        shared.wake.notify_all();
        for s in sinks.iter() {
            s.sink.on_event(SourceEvent::Ended(error.clone()));
        }
    };
    loop {
        // Controls.
        let (seek, looping) = {
            let mut c = shared.control();
            if !c.handle_alive && c.sinks == 0 {
                c.decoder = Some(decoder);
                return;
            }
            if c.state == PlaybackState::Paused {
                if !muted {
                    muted = true;
                    drop(c);
                    broadcast(shared, &SourceEvent::Muted);
                    continue;
                }
                drop(shared.wait(c));
                continue;
            }
            // The pause (from `pause()` to now) does not count as media time.
            if let Some(at) = c.paused_at.take()
                && let Some(b) = p.base.as_mut()
            {
                *b = b.saturating_add((clock.now_us() - at).max(0));
            }
            (c.seek_to.take(), c.looping)
        };
        if muted {
            muted = false;
            broadcast(shared, &SourceEvent::Unmuted);
        }
        if let Some(t) = seek {
            held = None;
            if let Err(e) = decoder.seek(t) {
                finish(decoder, Some(e));
                return;
            }
            // The first unit after the seek is due at once.
            p.base = None;
            p.from_start = t <= 0;
            p.end_us = 0;
            continue;
        }
        let media = match held.take() {
            Some(m) => m,
            None => match decoder.next_media() {
                Ok(Some(m)) => m,
                Ok(None) if looping && p.end_us > 0 => {
                    if let Err(e) = decoder.seek(0) {
                        finish(decoder, Some(e));
                        return;
                    }
                    // The loop's first unit follows the last one's end without a gap.
                    p.base = p.base.map(|b| b.saturating_add(p.end_us - p.first_us));
                    p.end_us = 0;
                    continue;
                }
                Ok(None) => {
                    finish(decoder, None);
                    return;
                }
                Err(e) => {
                    tracing::warn!("{}: playback stopped: {e}", shared.label);
                    finish(decoder, Some(e));
                    return;
                }
            },
        };
        let due = p.due(clock, &media);
        if clock.now_us() < due {
            let c = shared.control();
            let (c, _reached) = clock::wait_until(clock, due, &shared.wake, c, |c| {
                c.seek_to.is_some()
                    || c.state != PlaybackState::Playing
                    || (!c.handle_alive && c.sinks == 0)
            });
            drop(c);
            // Due, or a control changed: look at the controls again first.
            held = Some(media);
            continue;
        }
        let ts = media.timestamp();
        p.end_us = p
            .end_us
            .max(ts.saturating_add(media.duration().unwrap_or(0)));
        shared.control().position_us = ts;
        let sinks = shared.sinks.lock();
        match media {
            Media::Video(f) => {
                let f = f.with_timestamp(p.stamp(Kind::Video, due));
                for s in sinks.iter().filter(|s| s.kind == Kind::Video) {
                    s.sink.on_video(f.clone());
                }
            }
            Media::Audio(a) => {
                let a = retime(a, p.stamp(Kind::Audio, due));
                for s in sinks.iter().filter(|s| s.kind == Kind::Audio) {
                    s.sink.on_audio(a.clone());
                }
            }
        }
    }
}

/// `a` with timestamp `ts` (AudioData has no setter: rebuilt around the same samples).
fn retime(a: mediacapture_frame::AudioData, ts: i64) -> mediacapture_frame::AudioData {
    mediacapture_frame::AudioData::new(
        a.format(),
        a.sample_rate(),
        a.channels(),
        a.data().clone(),
        ts,
    )
    .unwrap_or(a)
}
