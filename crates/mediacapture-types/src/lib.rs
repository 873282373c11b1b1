//! The vocabulary of the W3C Media Capture and Streams specification (and the display-surface
//! parts of Screen Capture): constraints, settings, capabilities, device info, enums and errors.
//!
//! Constraint JSON converts exactly as WebIDL converts the JavaScript value a page passes to
//! `getUserMedia()`: unknown members are ignored, values of the wrong type are coerced as
//! JavaScript would (`[Clamp]` for `unsigned long`), and what WebIDL rejects (a non-finite
//! `double`, an `advanced` that is not a list, an invalid enum value) is a `TypeError` naming
//! the member.
//!
//! ```
//! use mediacapture_types::{ConstrainULong, MediaStreamConstraints, ErrorKind};
//!
//! let c = MediaStreamConstraints::from_json(
//!     r#"{"video": {"width": {"min": 640, "ideal": 1280}, "facingMode": "user"}, "audio": true}"#,
//! )?;
//! assert!(c.audio.is_requested());
//! let video = c.video.constraints();
//! assert_eq!(video.basic.width, Some(ConstrainULong::Range(mediacapture_types::ConstrainULongRange {
//!     min: Some(640), ideal: Some(1280), ..Default::default()
//! })));
//!
//! // [Clamp]: -1 becomes 0. Non-finite doubles are a TypeError that names the member.
//! let c = MediaStreamConstraints::from_json(r#"{"video": {"width": -1}}"#)?;
//! assert_eq!(c.video.constraints().basic.width, Some(ConstrainULong::Value(0)));
//! let err = MediaStreamConstraints::from_json(r#"{"video": {"frameRate": "fast"}}"#).unwrap_err();
//! assert_eq!(err.kind, ErrorKind::TypeError);
//! assert!(err.message.contains("video.frameRate"));
//! # Ok::<(), mediacapture_types::Error>(())
//! ```
//!
//! Rust code can build the same values without JSON; serialization gives back the JSON a
//! browser's `getConstraints()` returns:
//!
//! ```
//! use mediacapture_types::*;
//!
//! let video = MediaTrackConstraints::new()
//!     .width(ConstrainULong::ideal(1280))
//!     .facing_mode(VideoFacingModeEnum::User)
//!     .advanced(MediaTrackConstraintSet::new().frame_rate(60.0));
//! let c = MediaStreamConstraints::new().video(video).audio(true);
//! assert_eq!(
//!     serde_json::to_string(&c).unwrap(),
//!     r#"{"video":{"width":{"ideal":1280},"facingMode":"user","advanced":[{"frameRate":60.0}]},"audio":true}"#
//! );
//! ```
#![forbid(unsafe_code)]

pub mod constraints;
pub mod dictionaries;
pub mod enums;
pub mod error;
pub mod native;
pub mod webidl;

pub use constraints::*;
pub use dictionaries::*;
pub use enums::*;
pub use error::{Error, ErrorKind, Result};
pub use webidl::clamp_ulong_f64;
