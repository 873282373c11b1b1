//! `restrictOwnAudio` and `suppressLocalAudioPlayback`: the two constrainable properties of a
//! getDisplayMedia audio track, settled from its constraints and what its source can do.
//!
//! - `restrictOwnAudio`: the setting says whether own-audio restriction is applied, so it is
//!   `true` only when asked for (bare or `ideal` `true`, or `exact: true`) *and* the source's
//!   backend can keep this process's own playback out of the capture
//!   ([`mediacapture_hal::Backend::system_audio_excludes_own_playback`]). The whole-mix
//!   system audio of PulseAudio (a sink's monitor) cannot: there the setting stays `false`,
//!   and `exact: true` (allowed in applyConstraints) is an `OverconstrainedError`.
//! - `suppressLocalAudioPlayback`: the setting says whether the application *asked* for local
//!   playback suppression (the spec: the capturing document may only observe that, not
//!   whether suppression has an effect); the value asked for, `false` by default. Nothing is
//!   played from a captured surface here, so there is nothing to suppress.
//!
//! Both default to `false` when not constrained, as in Chromium. Only the basic constraint
//! set counts (advanced sets are not allowed in getDisplayMedia).
//!
//! Spec: <https://w3c.github.io/mediacapture-screen-share/#dfn-restrictownaudio>

use crate::{Error, Result};
use mediacapture_types::{ConstrainBoolean, MediaTrackConstraints, MediaTrackSettings};

/// `constraints` without the two properties, for the core's selection (which knows them
/// only as properties a source does not have: an `exact` value would be unsatisfiable).
pub(crate) fn without(constraints: &MediaTrackConstraints) -> MediaTrackConstraints {
    let mut c = constraints.clone();
    for set in std::iter::once(&mut c.basic).chain(c.advanced.iter_mut()) {
        set.restrict_own_audio = None;
        set.suppress_local_audio_playback = None;
    }
    c
}

/// `(exact, ideal)` of a boolean constraint in the basic set.
fn parts(c: Option<&ConstrainBoolean>) -> (Option<bool>, Option<bool>) {
    match c {
        None => (None, None),
        Some(ConstrainBoolean::Value(v)) => (None, Some(*v)),
        Some(ConstrainBoolean::Params(p)) => (p.exact, p.ideal),
    }
}

/// Sets `settings.restrict_own_audio` and `settings.suppress_local_audio_playback` for a
/// display-capture audio track with `constraints` on a source that can (or cannot, per
/// `can_restrict`) keep this process's playback out.
///
/// Errors: `OverconstrainedError` naming `restrictOwnAudio` for `exact: true` on a source
/// that cannot restrict own audio.
pub(crate) fn settle(
    constraints: &MediaTrackConstraints,
    can_restrict: bool,
    settings: &mut MediaTrackSettings,
) -> Result<()> {
    let (exact, ideal) = parts(constraints.basic.restrict_own_audio.as_ref());
    if exact == Some(true) && !can_restrict {
        return Err(Error::overconstrained(
            "restrictOwnAudio",
            "the system audio is the whole output mix: this process's own audio cannot be left out",
        ));
    }
    settings.restrict_own_audio = Some(exact.or(ideal).unwrap_or(false) && can_restrict);
    let (exact, ideal) = parts(constraints.basic.suppress_local_audio_playback.as_ref());
    settings.suppress_local_audio_playback = Some(exact.or(ideal).unwrap_or(false));
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn settled(json: &str, can: bool) -> Result<(Option<bool>, Option<bool>)> {
        let c = MediaTrackConstraints::from_json(json).unwrap();
        let mut s = MediaTrackSettings::default();
        settle(&c, can, &mut s)?;
        Ok((s.restrict_own_audio, s.suppress_local_audio_playback))
    }

    #[test]
    fn unconstrained_both_are_false() {
        assert_eq!(settled("{}", true).unwrap(), (Some(false), Some(false)));
    }

    #[test]
    fn restriction_is_reported_only_where_the_source_can_apply_it() {
        assert_eq!(
            settled(r#"{"restrictOwnAudio":true}"#, true).unwrap().0,
            Some(true)
        );
        assert_eq!(
            settled(r#"{"restrictOwnAudio":true}"#, false).unwrap().0,
            Some(false)
        );
        assert_eq!(
            settled(r#"{"restrictOwnAudio":{"exact":true}}"#, true)
                .unwrap()
                .0,
            Some(true)
        );
        let e = settled(r#"{"restrictOwnAudio":{"exact":true}}"#, false).unwrap_err();
        assert_eq!(
            e.kind,
            crate::ErrorKind::OverconstrainedError {
                constraint: "restrictOwnAudio".into()
            }
        );
        assert_eq!(
            settled(r#"{"restrictOwnAudio":{"exact":false}}"#, false)
                .unwrap()
                .0,
            Some(false)
        );
    }

    #[test]
    fn suppression_reports_what_was_asked() {
        assert_eq!(
            settled(r#"{"suppressLocalAudioPlayback":true}"#, false)
                .unwrap()
                .1,
            Some(true)
        );
        assert_eq!(
            settled(r#"{"suppressLocalAudioPlayback":{"ideal":false}}"#, true)
                .unwrap()
                .1,
            Some(false)
        );
    }
}
