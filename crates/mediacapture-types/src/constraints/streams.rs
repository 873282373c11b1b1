//! `MediaStreamConstraints` and `DisplayMediaStreamOptions`.

use super::*;

// ---------------------------------------------------------------------------------------------
// MediaStreamConstraints / DisplayMediaStreamOptions

/// `boolean or MediaTrackConstraints`: whether a kind is requested, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(
    clippy::large_enum_variant,
    reason = "mirrors the IDL union; boxing would make every pattern match awkward"
)]
pub enum TrackConstraintsRequest {
    /// `true` (requested, no constraint) or `false` (not requested).
    Bool(bool),
    /// Requested with these constraints.
    Constraints(MediaTrackConstraints),
}

impl Default for TrackConstraintsRequest {
    fn default() -> Self {
        Self::Bool(false)
    }
}

impl TrackConstraintsRequest {
    /// `true` for `true` and for any dictionary (even `{}`).
    pub fn is_requested(&self) -> bool {
        !matches!(self, Self::Bool(false))
    }
    /// The constraints: `{}` for a boolean.
    pub fn constraints(&self) -> MediaTrackConstraints {
        match self {
            Self::Constraints(c) => c.clone(),
            Self::Bool(_) => MediaTrackConstraints::default(),
        }
    }
    /// The constraints by reference, `None` for a boolean.
    pub fn as_constraints(&self) -> Option<&MediaTrackConstraints> {
        match self {
            Self::Constraints(c) => Some(c),
            Self::Bool(_) => None,
        }
    }
}

impl From<bool> for TrackConstraintsRequest {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<MediaTrackConstraints> for TrackConstraintsRequest {
    fn from(v: MediaTrackConstraints) -> Self {
        Self::Constraints(v)
    }
}

impl FromJs for TrackConstraintsRequest {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        match v {
            // null → the dictionary (WebIDL union rule for null with a dictionary member).
            Value::Null | Value::Object(_) | Value::Array(_) => {
                Ok(Self::Constraints(MediaTrackConstraints::from_js(v, path)?))
            }
            other => Ok(Self::Bool(to_boolean(other))),
        }
    }
}
webidl_deserialize!(TrackConstraintsRequest);

/// `MediaStreamConstraints`, the argument of `getUserMedia()`: `{video = false, audio = false}`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediastreamconstraints>
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MediaStreamConstraints {
    /// `video` (default `false`).
    pub video: TrackConstraintsRequest,
    /// `audio` (default `false`).
    pub audio: TrackConstraintsRequest,
}

impl MediaStreamConstraints {
    /// `{}`: nothing requested.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `video` (builder style): `true`, `false` or constraints.
    pub fn video(mut self, v: impl Into<TrackConstraintsRequest>) -> Self {
        self.video = v.into();
        self
    }
    /// Sets `audio` (builder style): `true`, `false` or constraints.
    pub fn audio(mut self, v: impl Into<TrackConstraintsRequest>) -> Self {
        self.audio = v.into();
        self
    }
    /// The request for a kind.
    pub fn get(&self, kind: TrackKind) -> &TrackConstraintsRequest {
        match kind {
            TrackKind::Audio => &self.audio,
            TrackKind::Video => &self.video,
        }
    }
}

impl FromJs for MediaStreamConstraints {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        let m = dictionary(v, path, "MediaStreamConstraints")?;
        Ok(Self {
            audio: opt(m, path, "audio")?.unwrap_or_default(),
            video: opt(m, path, "video")?.unwrap_or_default(),
        })
    }
}
webidl_deserialize!(MediaStreamConstraints);

macro_rules! enum_from_js {
    ($($t:ident),*) => {$(
        impl FromJs for $t {
            fn from_js(v: &Value, path: &str) -> Result<Self> {
                enumeration(v, path, stringify!($t), $t::from_idl)
            }
        }
    )*};
}
enum_from_js!(
    SelfCapturePreferenceEnum,
    SystemAudioPreferenceEnum,
    SurfaceSwitchingPreferenceEnum,
    MonitorTypeSurfacesEnum
);

/// `DisplayMediaStreamOptions`, the argument of `getDisplayMedia()`:
/// `{video = true, audio = false, …}`. (`controller` is an object, not data: the
/// `mediacapture` crate takes it separately.)
///
/// Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-displaymediastreamoptions>
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayMediaStreamOptions {
    /// `video` (default `true`).
    pub video: TrackConstraintsRequest,
    /// `audio` (default `false`).
    pub audio: TrackConstraintsRequest,
    /// `selfBrowserSurface`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_browser_surface: Option<SelfCapturePreferenceEnum>,
    /// `systemAudio`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_audio: Option<SystemAudioPreferenceEnum>,
    /// `surfaceSwitching`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surface_switching: Option<SurfaceSwitchingPreferenceEnum>,
    /// `monitorTypeSurfaces`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor_type_surfaces: Option<MonitorTypeSurfacesEnum>,
}

impl Default for DisplayMediaStreamOptions {
    fn default() -> Self {
        Self {
            video: TrackConstraintsRequest::Bool(true),
            audio: TrackConstraintsRequest::Bool(false),
            self_browser_surface: None,
            system_audio: None,
            surface_switching: None,
            monitor_type_surfaces: None,
        }
    }
}

impl DisplayMediaStreamOptions {
    /// The defaults: `{video: true, audio: false}`.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `video` (builder style).
    pub fn video(mut self, v: impl Into<TrackConstraintsRequest>) -> Self {
        self.video = v.into();
        self
    }
    /// Sets `audio` (builder style).
    pub fn audio(mut self, v: impl Into<TrackConstraintsRequest>) -> Self {
        self.audio = v.into();
        self
    }
}

impl FromJs for DisplayMediaStreamOptions {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        let m = dictionary(v, path, "DisplayMediaStreamOptions")?;
        // Members in lexicographic order, as WebIDL converts them.
        let audio = opt(m, path, "audio")?.unwrap_or(TrackConstraintsRequest::Bool(false));
        let monitor_type_surfaces = opt(m, path, "monitorTypeSurfaces")?;
        let self_browser_surface = opt(m, path, "selfBrowserSurface")?;
        let surface_switching = opt(m, path, "surfaceSwitching")?;
        let system_audio = opt(m, path, "systemAudio")?;
        let video = opt(m, path, "video")?.unwrap_or(TrackConstraintsRequest::Bool(true));
        // getDisplayMedia steps 4–5 reject a dictionary that *contains* `advanced`, an empty
        // `advanced: []` included. The converted `MediaTrackConstraints` cannot tell that
        // from an absent member, so presence is checked here on the value itself (after
        // step 3, `video: false`, which `check_display_options` reports first); non-empty
        // sets are rejected by `check_display_options` too, for options built in Rust.
        if video.is_requested() {
            for kind in ["audio", "video"] {
                let has_advanced = m
                    .and_then(|m| m.get(kind))
                    .and_then(Value::as_object)
                    .is_some_and(|d| d.contains_key("advanced"));
                if has_advanced {
                    return Err(Error::type_error(format!(
                        "getDisplayMedia does not accept 'advanced' constraints ({kind})"
                    )));
                }
            }
        }
        Ok(Self {
            video,
            audio,
            self_browser_surface,
            system_audio,
            surface_switching,
            monitor_type_surfaces,
        })
    }
}
webidl_deserialize!(DisplayMediaStreamOptions);
