//! WAV (PCM) with `hound`.

use super::reader::{
    AudioInfo, Container, Decode, Media, MediaInfo, damaged, duration_secs, io_error,
};
use mediacapture_frame::AudioData;
use mediacapture_types::{Error, Result};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Audio is delivered in blocks of this many milliseconds.
const BLOCK_MS: u32 = 10;

pub(crate) struct WavDecoder {
    path: PathBuf,
    info: MediaInfo,
    reader: hound::WavReader<BufReader<File>>,
    spec: hound::WavSpec,
    /// The next sample frame's index.
    position: u64,
    done: bool,
}

fn wav_error(path: &Path, e: hound::Error) -> Error {
    match e {
        hound::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            damaged(path, "truncated")
        }
        hound::Error::IoError(io) => io_error(path, &io),
        hound::Error::Unsupported => Error::not_supported(format!(
            "{}: this WAV encoding is not supported (PCM and float only)",
            path.display()
        )),
        other => damaged(path, other),
    }
}

impl WavDecoder {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| io_error(path, &e))?;
        let reader = hound::WavReader::new(BufReader::new(file)).map_err(|e| wav_error(path, e))?;
        let spec = reader.spec();
        if spec.channels == 0 || spec.channels > 32 {
            return Err(damaged(path, format!("{} channels", spec.channels)));
        }
        if !(mediacapture_frame::MIN_SAMPLE_RATE..=mediacapture_frame::MAX_SAMPLE_RATE)
            .contains(&spec.sample_rate)
        {
            return Err(Error::not_supported(format!(
                "{}: sample rate {} Hz is out of range",
                path.display(),
                spec.sample_rate
            )));
        }
        let valid = match spec.sample_format {
            hound::SampleFormat::Int => (1..=32).contains(&spec.bits_per_sample),
            hound::SampleFormat::Float => spec.bits_per_sample == 32,
        };
        if !valid {
            return Err(Error::not_supported(format!(
                "{}: {}-bit {:?} samples are not supported",
                path.display(),
                spec.bits_per_sample,
                spec.sample_format
            )));
        }
        let frames = reader.duration();
        let info = MediaInfo {
            container: Container::Wav,
            duration: Some(duration_secs(
                f64::from(frames) / f64::from(spec.sample_rate),
            )),
            video: None,
            audio: Some(AudioInfo {
                codec: "pcm",
                sample_rate: spec.sample_rate,
                channels: u32::from(spec.channels),
                sample_size: u32::from(spec.bits_per_sample),
            }),
        };
        Ok(WavDecoder {
            path: path.to_path_buf(),
            info,
            reader,
            spec,
            position: 0,
            done: false,
        })
    }
}

impl Decode for WavDecoder {
    fn info(&self) -> &MediaInfo {
        &self.info
    }

    fn next_media(&mut self) -> Result<Option<Media>> {
        if self.done {
            return Ok(None);
        }
        let rate = self.spec.sample_rate;
        let ch = usize::from(self.spec.channels);
        let block = (rate * BLOCK_MS / 1000).max(1) as usize * ch;
        let mut samples = Vec::with_capacity(block);
        let result: std::result::Result<(), hound::Error> = match self.spec.sample_format {
            hound::SampleFormat::Float => self
                .reader
                .samples::<f32>()
                .take(block)
                .try_for_each(|s| s.map(|v| samples.push(v))),
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (self.spec.bits_per_sample - 1)) as f32;
                self.reader
                    .samples::<i32>()
                    .take(block)
                    .try_for_each(|s| s.map(|v| samples.push(v as f32 * scale)))
            }
        };
        if let Err(e) = result {
            self.done = true;
            return Err(wav_error(&self.path, e));
        }
        // A partial last frame (fewer samples than channels) is dropped.
        samples.truncate(samples.len() / ch * ch);
        if samples.is_empty() {
            self.done = true;
            return Ok(None);
        }
        let ts = i64::try_from(self.position * 1_000_000 / u64::from(rate)).unwrap_or(i64::MAX);
        self.position += (samples.len() / ch) as u64;
        let data = AudioData::from_f32(rate, ch as u32, &samples, ts)
            .map_err(|e| Error::not_readable(e.to_string()))?;
        Ok(Some(Media::Audio(data)))
    }

    fn seek(&mut self, us: i64) -> Result<()> {
        let rate = u64::from(self.spec.sample_rate);
        let frame = (u64::try_from(us).unwrap_or(0).saturating_mul(rate) / 1_000_000)
            .min(u64::from(self.reader.duration()));
        let frame32 = u32::try_from(frame).unwrap_or(u32::MAX);
        self.reader
            .seek(frame32)
            .map_err(|e| io_error(&self.path, &e))?;
        self.position = u64::from(frame32);
        self.done = false;
        Ok(())
    }
}
