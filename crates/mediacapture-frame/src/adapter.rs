//! The per-target video adapter: [`VideoAdapter`].

use crate::Result;
use crate::convert::convert;
use crate::decimate::FrameRateDecimator;
use crate::scale::{Scaler, adapted_size};
use crate::video::{PixelFormat, VideoFrame};

/// What a track wants out of its source: its `width`, `height` and `frameRate` settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoAdapterConfig {
    /// Output width in pixels; 0 keeps the source's.
    pub width: u32,
    /// Output height in pixels; 0 keeps the source's.
    pub height: u32,
    /// Output frame rate; 0 (or anything not positive and finite) keeps the source's.
    pub frame_rate: f64,
}

/// Turns a source's frames into one track's frames (`resizeMode: "crop-and-scale"`):
/// decimates to the frame rate, then centre-crops and scales to the size, as Chromium's
/// `VideoTrackAdapter` does. One adapter serves every track with the same settings.
///
/// * Output is I420. A frame that is already I420 at the output size is passed through as a
///   clone sharing its buffer: no copy. An adapter made [`keeping_alpha`](Self::keeping_alpha)
///   also passes RGBA and BGRA frames at the output size through unconverted.
/// * Frames are never upscaled: each side is the smaller of the source's and the target's
///   ([`adapted_size`](crate::adapted_size)); if the source shrinks (a resized window), so
///   does the output, and the crop keeps the target's aspect ratio while both sides are
///   smaller.
/// * Timestamps and durations are the source frame's.
///
/// ```
/// use mediacapture_frame::{VideoAdapter, VideoAdapterConfig, black_frame};
/// let mut adapter = VideoAdapter::new(VideoAdapterConfig { width: 640, height: 360, frame_rate: 15.0 });
/// let mut kept = Vec::new();
/// for i in 0..4 {
///     let frame = black_frame(1280, 720, i * 33_333); // 30 fps source
///     if let Some(out) = adapter.adapt(&frame)? {
///         kept.push((out.timestamp(), out.coded_width(), out.coded_height()));
///     }
/// }
/// assert_eq!(kept, [(0, 640, 360), (66_666, 640, 360)]);
/// # Ok::<(), mediacapture_frame::FrameError>(())
/// ```
#[derive(Debug)]
pub struct VideoAdapter {
    config: VideoAdapterConfig,
    decimator: FrameRateDecimator,
    scaler: Scaler,
    keep_alpha: bool,
}

impl VideoAdapter {
    /// An adapter to `config`.
    pub fn new(config: VideoAdapterConfig) -> Self {
        VideoAdapter {
            config,
            decimator: FrameRateDecimator::new(config.frame_rate),
            scaler: Scaler::new(),
            keep_alpha: false,
        }
    }

    /// This adapter, passing RGBA and BGRA frames that need no scaling through as they are
    /// (sharing their buffer) instead of converting them to I420: what a track's frames need
    /// when their source has an alpha channel. Canvas capture says "the alpha channel content
    /// of the canvas must be captured and preserved", and Chromium's canvas capture delivers
    /// ARGB frames for that reason. Consumers that need I420 (encoders) convert themselves.
    /// Frames that are scaled still come out I420.
    pub fn keeping_alpha(mut self) -> Self {
        self.keep_alpha = true;
        self
    }

    /// The current target.
    pub fn config(&self) -> VideoAdapterConfig {
        self.config
    }

    /// Changes the target (after `applyConstraints`). The decimator keeps its timing when
    /// the frame rate does not change, so the cadence does not stutter.
    pub fn set_config(&mut self, config: VideoAdapterConfig) {
        if config.frame_rate.to_bits() != self.config.frame_rate.to_bits() {
            self.decimator = FrameRateDecimator::new(config.frame_rate);
        }
        self.config = config;
    }

    /// Frames dropped by the frame-rate decimation so far.
    pub fn frames_dropped(&self) -> u64 {
        self.decimator.dropped()
    }

    /// Adapts one source frame: `Ok(None)` when decimation drops it, else the track's frame.
    /// Errors are those of [`convert`](crate::convert) and
    /// [`crop_and_scale`](crate::crop_and_scale) (a corrupt MJPEG frame, say); the decimator
    /// has then counted the frame as delivered, so the cadence is unaffected.
    pub fn adapt(&mut self, frame: &VideoFrame) -> Result<Option<VideoFrame>> {
        if !self.decimator.should_deliver(frame.timestamp()) {
            return Ok(None);
        }
        let (in_w, in_h) = (frame.display_width(), frame.display_height());
        let (w, h) = adapted_size(in_w, in_h, self.config.width, self.config.height);
        if (w, h) == (in_w, in_h) {
            let pass = frame.format() == PixelFormat::I420
                || (self.keep_alpha
                    && matches!(frame.format(), PixelFormat::Rgba | PixelFormat::Bgra));
            if pass {
                return Ok(Some(frame.clone()));
            }
            return convert(frame, PixelFormat::I420).map(Some);
        }
        self.scaler.crop_and_scale(frame, w, h).map(Some)
    }
}
