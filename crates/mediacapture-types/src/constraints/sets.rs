//! `MediaTrackConstraintSet` and `MediaTrackConstraints`.

use super::*;

// ---------------------------------------------------------------------------------------------
// MediaTrackConstraintSet

/// Which tracks a constrainable property applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Applies {
    /// Video tracks only.
    Video,
    /// Audio tracks only.
    Audio,
    /// Both kinds.
    Both,
}

impl Applies {
    /// Whether a property with this applicability applies to a track of `kind`.
    pub fn to(self, kind: TrackKind) -> bool {
        matches!(
            (self, kind),
            (Applies::Both, _)
                | (Applies::Video, TrackKind::Video)
                | (Applies::Audio, TrackKind::Audio)
        )
    }
}

/// What the library knows about one constrainable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PropertyInfo {
    /// The IDL member name, e.g. `"aspectRatio"`.
    pub name: &'static str,
    /// Which tracks it applies to.
    pub applies: Applies,
    /// Whether it is in the spec's *allowed required constraints for device selection*
    /// (a required constraint on any other property is a TypeError in getUserMedia).
    pub allowed_required: bool,
}

/// A borrowed constraint value of any `Constrain*` type, for generic processing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstraintRef<'a> {
    /// A `ConstrainULong`.
    ULong(&'a ConstrainULong),
    /// A `ConstrainDouble`.
    Double(&'a ConstrainDouble),
    /// A `ConstrainBoolean`.
    Boolean(&'a ConstrainBoolean),
    /// A `ConstrainDOMString`.
    DOMString(&'a ConstrainDOMString),
    /// A `ConstrainBooleanOrDOMString`.
    BooleanOrDOMString(&'a ConstrainBooleanOrDOMString),
}

impl ConstraintRef<'_> {
    /// Whether the value has a `min`, `max` or `exact` member (a *required* constraint when
    /// it is in the basic set). Empty lists count as absent.
    pub fn has_required_member(&self) -> bool {
        match self {
            ConstraintRef::ULong(ConstrainULong::Range(r)) => {
                r.min.is_some() || r.max.is_some() || r.exact.is_some()
            }
            ConstraintRef::Double(ConstrainDouble::Range(r)) => {
                r.min.is_some() || r.max.is_some() || r.exact.is_some()
            }
            ConstraintRef::Boolean(ConstrainBoolean::Params(p)) => p.exact.is_some(),
            ConstraintRef::DOMString(ConstrainDOMString::Params(p)) => match &p.exact {
                Some(DOMStringOrSequence::List(l)) => !l.is_empty(),
                Some(DOMStringOrSequence::One(_)) => true,
                None => false,
            },
            ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::Params(p)) => {
                p.exact.is_some()
            }
            _ => false,
        }
    }
    /// Whether the value has a `min` or `exact` member (getDisplayMedia rejects these).
    pub fn has_min_or_exact(&self) -> bool {
        match self {
            ConstraintRef::ULong(ConstrainULong::Range(r)) => r.min.is_some() || r.exact.is_some(),
            ConstraintRef::Double(ConstrainDouble::Range(r)) => {
                r.min.is_some() || r.exact.is_some()
            }
            ConstraintRef::Boolean(ConstrainBoolean::Params(p)) => p.exact.is_some(),
            ConstraintRef::DOMString(ConstrainDOMString::Params(p)) => p.exact.is_some(),
            ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::Params(p)) => {
                p.exact.is_some()
            }
            _ => false,
        }
    }
    /// The `max` member of a numeric constraint, as a number.
    pub fn max(&self) -> Option<f64> {
        match self {
            ConstraintRef::ULong(ConstrainULong::Range(r)) => r.max.map(f64::from),
            ConstraintRef::Double(ConstrainDouble::Range(r)) => r.max,
            _ => None,
        }
    }
}

macro_rules! constraint_set {
    ($( $(#[$doc:meta])* $field:ident : $ty:ident = $name:literal, $applies:ident, $allowed:literal, $variant:ident; )*) => {
        /// `MediaTrackConstraintSet` (with the screen-capture additions): one set of
        /// constraints, every member optional.
        ///
        /// Builder methods named after the members set them: `set.width(640)`.
        ///
        /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediatrackconstraintset>
        #[derive(Debug, Clone, PartialEq, Default, Serialize)]
        pub struct MediaTrackConstraintSet {
            $(
                $(#[$doc])*
                #[serde(rename = $name, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl MediaTrackConstraintSet {
            $(
                #[doc = concat!("Sets `", $name, "` (builder style).")]
                pub fn $field(mut self, v: impl Into<$ty>) -> Self {
                    self.$field = Some(v.into());
                    self
                }
            )*

            /// The members present, in IDL order, as `(name, value)`.
            pub fn iter(&self) -> impl Iterator<Item = (&'static str, ConstraintRef<'_>)> {
                [$( ($name, self.$field.as_ref().map(ConstraintRef::$variant)) ),*]
                    .into_iter()
                    .filter_map(|(n, v)| v.map(|v| (n, v)))
            }

            /// The member named `name` (IDL spelling), if present.
            pub fn get(&self, name: &str) -> Option<ConstraintRef<'_>> {
                match name {
                    $( $name => self.$field.as_ref().map(ConstraintRef::$variant), )*
                    _ => None,
                }
            }

            /// Removes the member named `name` (IDL spelling); `true` if it was present.
            pub fn remove(&mut self, name: &str) -> bool {
                match name {
                    $( $name => self.$field.take().is_some(), )*
                    _ => false,
                }
            }

            /// Whether no member is present.
            pub fn is_empty(&self) -> bool {
                true $( && self.$field.is_none() )*
            }

            fn from_map(m: Option<&Map<String, Value>>, path: &str) -> Result<Self> {
                Ok(Self { $( $field: opt(m, path, $name)?, )* })
            }
        }

        impl MediaTrackConstraints {
            $(
                #[doc = concat!("Sets `", $name, "` in the basic set (builder style).")]
                pub fn $field(mut self, v: impl Into<$ty>) -> Self {
                    self.basic.$field = Some(v.into());
                    self
                }
            )*
        }

        /// Every constrainable property this library knows, in IDL order.
        pub const PROPERTIES: &[PropertyInfo] = &[
            $( PropertyInfo { name: $name, applies: Applies::$applies, allowed_required: $allowed }, )*
        ];
    };
}

constraint_set! {
    /// `width` (video, pixels).
    width: ConstrainULong = "width", Video, true, ULong;
    /// `height` (video, pixels).
    height: ConstrainULong = "height", Video, true, ULong;
    /// `aspectRatio` (video, width / height).
    aspect_ratio: ConstrainDouble = "aspectRatio", Video, true, Double;
    /// `frameRate` (video, frames per second).
    frame_rate: ConstrainDouble = "frameRate", Video, true, Double;
    /// `facingMode` (video, a `VideoFacingModeEnum` string).
    facing_mode: ConstrainDOMString = "facingMode", Video, true, DOMString;
    /// `resizeMode` (video, `"none"` or `"crop-and-scale"`).
    resize_mode: ConstrainDOMString = "resizeMode", Video, true, DOMString;
    /// `sampleRate` (audio, Hz).
    sample_rate: ConstrainULong = "sampleRate", Audio, true, ULong;
    /// `sampleSize` (audio, bits).
    sample_size: ConstrainULong = "sampleSize", Audio, true, ULong;
    /// `echoCancellation` (audio, boolean or `"all"` / `"remote-only"`).
    echo_cancellation: ConstrainBooleanOrDOMString = "echoCancellation", Audio, true, BooleanOrDOMString;
    /// `autoGainControl` (audio).
    auto_gain_control: ConstrainBoolean = "autoGainControl", Audio, true, Boolean;
    /// `noiseSuppression` (audio).
    noise_suppression: ConstrainBoolean = "noiseSuppression", Audio, true, Boolean;
    /// `latency` (audio, seconds).
    latency: ConstrainDouble = "latency", Audio, true, Double;
    /// `channelCount` (audio).
    channel_count: ConstrainULong = "channelCount", Audio, true, ULong;
    /// `deviceId` (both kinds).
    device_id: ConstrainDOMString = "deviceId", Both, true, DOMString;
    /// `groupId` (both kinds).
    group_id: ConstrainDOMString = "groupId", Both, true, DOMString;
    /// `backgroundBlur` (video).
    background_blur: ConstrainBoolean = "backgroundBlur", Video, false, Boolean;
    /// `displaySurface` (display video; only a preference in getDisplayMedia).
    display_surface: ConstrainDOMString = "displaySurface", Video, false, DOMString;
    /// `logicalSurface` (display video).
    logical_surface: ConstrainBoolean = "logicalSurface", Video, false, Boolean;
    /// `cursor` (display video, a `CursorCaptureConstraint` string).
    cursor: ConstrainDOMString = "cursor", Video, false, DOMString;
    /// `restrictOwnAudio` (display audio).
    restrict_own_audio: ConstrainBoolean = "restrictOwnAudio", Audio, false, Boolean;
    /// `suppressLocalAudioPlayback` (display audio).
    suppress_local_audio_playback: ConstrainBoolean = "suppressLocalAudioPlayback", Audio, false, Boolean;
    /// `voiceIsolation` (audio; mediacapture-extensions). Not among the spec's *allowed
    /// required constraints for device selection*, so `{exact: …}` in getUserMedia is a
    /// TypeError; applyConstraints takes it.
    voice_isolation: ConstrainBoolean = "voiceIsolation", Audio, false, Boolean;
}

/// The [`PropertyInfo`] of a property by IDL name.
pub fn property(name: &str) -> Option<&'static PropertyInfo> {
    PROPERTIES.iter().find(|p| p.name == name)
}

impl MediaTrackConstraintSet {
    /// A set with no member.
    pub fn new() -> Self {
        Self::default()
    }
    /// Removes the members that do not apply to tracks of `kind` (getUserMedia step 6.3).
    pub fn retain_kind(&mut self, kind: TrackKind) {
        for p in PROPERTIES {
            if !p.applies.to(kind) {
                self.remove(p.name);
            }
        }
    }
}

impl FromJs for MediaTrackConstraintSet {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        let m = dictionary(v, path, "MediaTrackConstraintSet")?;
        Self::from_map(m, path)
    }
}
webidl_deserialize!(MediaTrackConstraintSet);

// ---------------------------------------------------------------------------------------------
// MediaTrackConstraints

/// `MediaTrackConstraints`: the basic constraint set plus `advanced` sets, tried in order.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediatrackconstraints>
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MediaTrackConstraints {
    /// The basic set (the dictionary's own members).
    #[serde(flatten)]
    pub basic: MediaTrackConstraintSet,
    /// The advanced sets, in order; each is all-or-nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub advanced: Vec<MediaTrackConstraintSet>,
}

impl MediaTrackConstraints {
    /// No constraint at all (`{}`).
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends an advanced set (builder style).
    pub fn advanced(mut self, set: MediaTrackConstraintSet) -> Self {
        self.advanced.push(set);
        self
    }
    /// Removes, in the basic and advanced sets, the members that do not apply to `kind`.
    pub fn retain_kind(&mut self, kind: TrackKind) {
        self.basic.retain_kind(kind);
        for s in &mut self.advanced {
            s.retain_kind(kind);
        }
    }
    /// A copy with only the members that apply to `kind`.
    pub fn for_kind(&self, kind: TrackKind) -> Self {
        let mut c = self.clone();
        c.retain_kind(kind);
        c
    }
}

impl FromJs for MediaTrackConstraints {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        let m = dictionary(v, path, "MediaTrackConstraints")?;
        // WebIDL reads inherited members before the derived dictionary's own (`advanced`).
        let mut out = MediaTrackConstraints {
            basic: MediaTrackConstraintSet::from_map(m, path)?,
            advanced: Vec::new(),
        };
        if let Some(adv) = m.and_then(|m| m.get("advanced")) {
            let apath = member(path, "advanced");
            for (i, item) in sequence(adv, &apath)?.iter().enumerate() {
                let ipath = format!("{apath}[{i}]");
                out.advanced
                    .push(MediaTrackConstraintSet::from_js(item, &ipath)?);
            }
        }
        Ok(out)
    }
}
webidl_deserialize!(MediaTrackConstraints);
