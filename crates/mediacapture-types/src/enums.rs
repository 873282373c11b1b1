//! The spec's enumerations, serialized with their exact IDL strings.

use serde::{Deserialize, Serialize};

macro_rules! idl_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $variant,)+
        }
        impl $name {
            /// Every value, in IDL order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The IDL string of this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)+ }
            }
            /// Parses the IDL string; `None` for anything else (WebIDL would throw TypeError).
            pub fn from_idl(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

idl_enum! {
    /// `MediaDeviceKind`. Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevicekind>
    MediaDeviceKind {
        /// A microphone or other audio capture device.
        AudioInput = "audioinput",
        /// A speaker or other audio output device.
        AudioOutput = "audiooutput",
        /// A camera or other video capture device.
        VideoInput = "videoinput",
    }
}

idl_enum! {
    /// `VideoFacingModeEnum`. Spec: <https://w3c.github.io/mediacapture-main/#dom-videofacingmodeenum>
    VideoFacingModeEnum {
        /// Facing the user (a selfie camera).
        User = "user",
        /// Facing away from the user.
        Environment = "environment",
        /// Facing to the left of the user.
        Left = "left",
        /// Facing to the right of the user.
        Right = "right",
    }
}

idl_enum! {
    /// `VideoResizeModeEnum`. Spec: <https://w3c.github.io/mediacapture-main/#dom-videoresizemodeenum>
    VideoResizeModeEnum {
        /// Only the device's native modes.
        None = "none",
        /// Downscaled and/or cropped (never upscaled) from a native mode, and decimated frame rates.
        CropAndScale = "crop-and-scale",
    }
}

idl_enum! {
    /// `EchoCancellationModeEnum`. Spec: <https://w3c.github.io/mediacapture-main/#dom-echocancellationmodeenum>
    EchoCancellationModeEnum {
        /// Cancel all echo.
        All = "all",
        /// Cancel only the echo of remote audio.
        RemoteOnly = "remote-only",
    }
}

idl_enum! {
    /// `MediaStreamTrackState`. Spec: <https://w3c.github.io/mediacapture-main/#dom-mediastreamtrackstate>
    MediaStreamTrackState {
        /// The track delivers media (unless muted or disabled).
        Live = "live",
        /// The track has ended for good.
        Ended = "ended",
    }
}

idl_enum! {
    /// `DisplayCaptureSurfaceType`. Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-displaycapturesurfacetype>
    DisplayCaptureSurfaceType {
        /// A whole monitor (screen).
        Monitor = "monitor",
        /// A single window.
        Window = "window",
        /// A browser tab.
        Browser = "browser",
    }
}

idl_enum! {
    /// `CursorCaptureConstraint`. Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-cursorcaptureconstraint>
    CursorCaptureConstraint {
        /// The cursor is never drawn.
        Never = "never",
        /// The cursor is always drawn.
        Always = "always",
        /// The cursor is drawn only while it moves.
        Motion = "motion",
    }
}

/// A value of the `echoCancellation` setting or capability: `boolean or DOMString`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediatracksettings-echocancellation>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EchoCancellation {
    /// `true` (the UA's default mode) or `false` (off).
    Bool(bool),
    /// `"all"` or `"remote-only"`.
    Mode(EchoCancellationModeEnum),
}

idl_enum! {
    /// The kind of a `MediaStreamTrack` (`track.kind`): which constraints apply to it.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediastreamtrack-kind>
    TrackKind {
        /// An audio track.
        Audio = "audio",
        /// A video track.
        Video = "video",
    }
}

idl_enum! {
    /// `CaptureStartFocusBehavior`. Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-capturestartfocusbehavior>
    CaptureStartFocusBehavior {
        /// Focus the application that called getDisplayMedia.
        FocusCapturingApplication = "focus-capturing-application",
        /// Focus the captured surface.
        FocusCapturedSurface = "focus-captured-surface",
        /// Leave focus where it is.
        NoFocusChange = "no-focus-change",
    }
}

idl_enum! {
    /// `SelfCapturePreferenceEnum`. Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-selfcapturepreferenceenum>
    SelfCapturePreferenceEnum {
        /// Offer the calling surface itself.
        Include = "include",
        /// Do not offer the calling surface itself.
        Exclude = "exclude",
    }
}

idl_enum! {
    /// `SystemAudioPreferenceEnum`. Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-systemaudiopreferenceenum>
    SystemAudioPreferenceEnum {
        /// Offer system audio.
        Include = "include",
        /// Do not offer system audio.
        Exclude = "exclude",
    }
}

idl_enum! {
    /// `SurfaceSwitchingPreferenceEnum`. Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-surfaceswitchingpreferenceenum>
    SurfaceSwitchingPreferenceEnum {
        /// Offer switching the captured surface.
        Include = "include",
        /// Do not offer switching the captured surface.
        Exclude = "exclude",
    }
}

idl_enum! {
    /// `MonitorTypeSurfacesEnum`. Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-monitortypesurfacesenum>
    MonitorTypeSurfacesEnum {
        /// Offer whole monitors.
        Include = "include",
        /// Do not offer whole monitors.
        Exclude = "exclude",
    }
}
