//! Muxing inside a [`Recording`]: creating the muxers once every track's first packet is known,
//! interleaving the tracks' packets in timestamp order, and writing them.

use super::{AudioEnc, FIRST_PACKET_WAIT_US, INTERLEAVE_WAIT_US, Mux, Recording};
use crate::encode::EncodedPacket;
use crate::mime::Container;
use crate::mux::{AudioParams, Output, TrackKind, VideoParams, WavWriter, WebmMuxer};
use mediacapture_types::Result;

impl Recording {
    fn create_muxers(&mut self) -> Result<()> {
        let mut muxers = Vec::new();
        let outs: Vec<Output> = self
            .blob_out
            .iter()
            .chain(self.file_out.iter())
            .cloned()
            .collect();
        if self.settings.configuration.container == Container::Wav {
            let Some((rate, channels)) = self.audio.as_ref().and_then(|a| a.params) else {
                return Ok(());
            };
            for out in outs {
                muxers.push(Mux::Wav(WavWriter::new(out, rate, channels)?));
            }
        } else {
            let video = self
                .video
                .as_ref()
                .filter(|v| v.expected && !v.queue.is_empty())
                .and_then(|v| {
                    v.first_size.map(|(width, height)| VideoParams {
                        codec: v.codec,
                        width,
                        height,
                    })
                });
            let audio = self
                .audio
                .as_ref()
                .filter(|a| a.expected && !a.queue.is_empty())
                .and_then(|a| match &a.enc {
                    Some(AudioEnc::Opus(o)) => Some(AudioParams {
                        channels: o.channels(),
                        opus_head: o.opus_head(),
                    }),
                    _ => None,
                });
            if video.is_none() && audio.is_none() {
                return Ok(());
            }
            for out in outs {
                muxers.push(Mux::Webm(WebmMuxer::new(out, video, audio.clone())?));
            }
            if video.is_none() {
                if let Some(v) = self.video.as_mut() {
                    v.expected = false;
                }
            }
            if audio.is_none() {
                if let Some(a) = self.audio.as_mut() {
                    a.expected = false;
                }
            }
        }
        self.muxers = muxers;
        self.muxers_created = true;
        Ok(())
    }

    /// Moves encoded packets into the muxers in timestamp order.
    pub(super) fn pump(&mut self, final_: bool) -> Result<()> {
        let vq_front = |s: &Self| {
            s.video
                .as_ref()
                .and_then(|v| v.queue.front().map(|p| p.pts_us))
        };
        let aq_front = |s: &Self| {
            s.audio
                .as_ref()
                .and_then(|a| a.queue.front().map(|p| p.pts_us))
        };
        let newest = [
            self.video
                .as_ref()
                .and_then(|v| v.queue.back().map(|p| p.pts_us)),
            self.audio
                .as_ref()
                .and_then(|a| a.queue.back().map(|p| p.pts_us)),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(n) = newest {
            self.newest_packet_us = self.newest_packet_us.max(n);
        }
        if !self.muxers_created {
            let v_waiting = self
                .video
                .as_ref()
                .is_some_and(|v| v.expected && !v.ended && v.queue.is_empty());
            let a_waiting = self
                .audio
                .as_ref()
                .is_some_and(|a| a.expected && !a.ended && a.queue.is_empty());
            let oldest = [vq_front(self), aq_front(self)].into_iter().flatten().min();
            let Some(oldest) = oldest else { return Ok(()) };
            let waited = self.newest_packet_us - oldest >= FIRST_PACKET_WAIT_US;
            if (v_waiting || a_waiting) && !waited && !final_ {
                return Ok(());
            }
            self.create_muxers()?;
            if !self.muxers_created {
                return Ok(());
            }
        }
        loop {
            // A track that ended delivers nothing more: nothing waits for it.
            let v_exp = self.video.as_ref().is_some_and(|v| v.expected && !v.ended);
            let a_exp = self.audio.as_ref().is_some_and(|a| a.expected && !a.ended);
            let (vf, af) = (vq_front(self), aq_front(self));
            let kind = match (vf, af) {
                (Some(v), Some(a)) => {
                    if v <= a {
                        TrackKind::Video
                    } else {
                        TrackKind::Audio
                    }
                }
                (Some(v), None) => {
                    if !a_exp || final_ || self.newest_packet_us - v > INTERLEAVE_WAIT_US {
                        TrackKind::Video
                    } else {
                        break;
                    }
                }
                (None, Some(a)) => {
                    if !v_exp || final_ || self.newest_packet_us - a > INTERLEAVE_WAIT_US {
                        TrackKind::Audio
                    } else {
                        break;
                    }
                }
                (None, None) => break,
            };
            let (p, expected) = match kind {
                TrackKind::Video => match self.video.as_mut() {
                    Some(v) => (v.queue.pop_front(), v.expected),
                    None => (None, false),
                },
                TrackKind::Audio => match self.audio.as_mut() {
                    Some(a) => (a.queue.pop_front(), a.expected),
                    None => (None, false),
                },
            };
            let Some(p) = p else { break };
            if !expected {
                continue;
            }
            self.write_packet(kind, &p)?;
        }
        Ok(())
    }

    fn write_packet(&mut self, kind: TrackKind, p: &EncodedPacket) -> Result<()> {
        // Muxers need monotonic timestamps across tracks: a late packet is written at the
        // newest timestamp written so far (Chromium's WebmMuxer does the same), and within a
        // track timestamps must increase at the file's 1 ms resolution.
        let mut pts = p.pts_us.max(self.last_written_us);
        let last_of_track = match kind {
            TrackKind::Video => &mut self.last_video_us,
            TrackKind::Audio => &mut self.last_audio_us,
        };
        if let Some(last) = *last_of_track {
            if pts / 1000 <= last / 1000 {
                pts = (last / 1000 + 1) * 1000;
            }
        }
        *last_of_track = Some(pts);
        self.last_written_us = pts;
        self.end_us = self.end_us.max(pts + p.duration_us);
        if self.blob_first_us.is_none() {
            self.blob_first_us = Some(pts);
        }
        if self.first_chunk_capture_us.is_none() {
            self.first_chunk_capture_us = self.timeline.capture_of(pts);
        }
        for m in &mut self.muxers {
            match m {
                Mux::Webm(w) => w.add(kind, p, pts as u64 * 1000)?,
                Mux::Wav(w) => w.write(&p.data)?,
            }
        }
        Ok(())
    }
}
