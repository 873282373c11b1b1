//! The SDP text work that is ours (str0m parses and writes SDP; these helpers read and adjust
//! single attributes of its output and of remote descriptions, line by line).
//!
//! Everything here takes untrusted text and never panics: it is the target of the
//! `sdp_text` fuzzer (`fuzz/`).
//!
//! Spec: <https://www.rfc-editor.org/rfc/rfc8866> (SDP), <https://www.rfc-editor.org/rfc/rfc8829> (JSEP)

use crate::types::RTCRtpTransceiverDirection;

/// SDP split into its session part and its media sections, each a list of lines (without
/// line ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdpText {
    /// Lines before the first `m=` line.
    pub session: Vec<String>,
    /// One entry per `m=` line.
    pub media: Vec<MediaSection>,
}

/// One media section: its `m=` line first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSection {
    /// The lines, `m=` first.
    pub lines: Vec<String>,
}

/// Largest SDP accepted (Chromium has no limit; a description this big is hostile).
pub const MAX_SDP_LEN: usize = 1 << 20;

impl SdpText {
    /// Splits `sdp` (CRLF or LF line ends). `None` when it is not plausibly SDP: empty, too
    /// long, not starting with `v=`, or with a line that is not `x=…`.
    pub fn parse(sdp: &str) -> Option<SdpText> {
        if sdp.len() > MAX_SDP_LEN {
            return None;
        }
        let mut session = Vec::new();
        let mut media: Vec<MediaSection> = Vec::new();
        for line in sdp.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let b = line.as_bytes();
            if b.len() < 2 || b[1] != b'=' || !b[0].is_ascii_lowercase() {
                return None;
            }
            if line.starts_with("m=") {
                media.push(MediaSection {
                    lines: vec![line.to_string()],
                });
            } else if let Some(m) = media.last_mut() {
                m.lines.push(line.to_string());
            } else {
                session.push(line.to_string());
            }
        }
        if session.first().is_none_or(|l| !l.starts_with("v=")) {
            return None;
        }
        Some(SdpText { session, media })
    }

    /// The SDP text again, CRLF line ends.
    pub fn to_sdp(&self) -> String {
        let mut out = String::new();
        for l in self
            .session
            .iter()
            .chain(self.media.iter().flat_map(|m| m.lines.iter()))
        {
            out.push_str(l);
            out.push_str("\r\n");
        }
        out
    }

    /// The media section with `mid`.
    pub fn section(&self, mid: &str) -> Option<&MediaSection> {
        self.media.iter().find(|m| m.mid().as_deref() == Some(mid))
    }

    /// The media section with `mid`, mutably.
    pub fn section_mut(&mut self, mid: &str) -> Option<&mut MediaSection> {
        self.media
            .iter_mut()
            .find(|m| m.mid().as_deref() == Some(mid))
    }

    /// The session-level `a=ice-ufrag`, or the first section's.
    pub fn ice_ufrag(&self) -> Option<String> {
        attr_value(&self.session, "ice-ufrag")
            .or_else(|| self.media.iter().find_map(|m| m.attr("ice-ufrag")))
    }

    /// Removes every `a=candidate` and `a=end-of-candidates` line and returns the candidate
    /// attributes (`candidate:…`) with their section's mid and index.
    pub fn take_candidates(&mut self) -> Vec<(String, Option<String>, usize)> {
        let mut out = Vec::new();
        for (i, m) in self.media.iter_mut().enumerate() {
            let mid = m.mid();
            m.lines.retain(|l| {
                if let Some(c) = l.strip_prefix("a=") {
                    if c.starts_with("candidate:") {
                        out.push((c.to_string(), mid.clone(), i));
                        return false;
                    }
                    if c == "end-of-candidates" {
                        return false;
                    }
                }
                true
            });
        }
        out
    }
}

fn attr_value(lines: &[String], name: &str) -> Option<String> {
    lines.iter().find_map(|l| {
        let rest = l.strip_prefix("a=")?.strip_prefix(name)?;
        rest.strip_prefix(':').map(|v| v.trim().to_string())
    })
}

impl MediaSection {
    fn m_fields(&self) -> Vec<&str> {
        self.lines
            .first()
            .and_then(|l| l.strip_prefix("m="))
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default()
    }

    /// `audio`, `video`, `application`, …
    pub fn kind(&self) -> Option<String> {
        self.m_fields().first().map(|s| s.to_string())
    }

    /// `true` when the port is 0 (a rejected or stopped section).
    pub fn port_zero(&self) -> bool {
        self.m_fields().get(1).is_some_and(|p| *p == "0")
    }

    /// The `a=mid` value.
    pub fn mid(&self) -> Option<String> {
        self.attr("mid")
    }

    /// The value of the first `a=name:value` attribute.
    pub fn attr(&self, name: &str) -> Option<String> {
        attr_value(&self.lines, name)
    }

    /// The direction attribute (`sendrecv` when absent, as RFC 8866 says).
    pub fn direction(&self) -> RTCRtpTransceiverDirection {
        self.lines
            .iter()
            .filter_map(|l| l.strip_prefix("a="))
            .find_map(RTCRtpTransceiverDirection::from_sdp)
            .unwrap_or(RTCRtpTransceiverDirection::Sendrecv)
    }

    /// Sets the direction attribute (replacing the one there, or adding one).
    pub fn set_direction(&mut self, dir: RTCRtpTransceiverDirection) {
        let new = format!("a={}", dir.as_sdp());
        let pos = self.lines.iter().position(|l| {
            l.strip_prefix("a=")
                .is_some_and(|a| RTCRtpTransceiverDirection::from_sdp(a).is_some())
        });
        match pos {
            Some(p) => self.lines[p] = new,
            None => self.lines.push(new),
        }
    }

    /// The `a=msid:<stream> <track>` attributes as (stream id, track id); a stream id of
    /// `-` means "no stream".
    pub fn msids(&self) -> Vec<(String, String)> {
        self.lines
            .iter()
            .filter_map(|l| l.strip_prefix("a=msid:"))
            .map(|v| {
                let mut it = v.split_whitespace();
                let s = it.next().unwrap_or("").to_string();
                let t = it.next().unwrap_or("").to_string();
                (s, t)
            })
            .collect()
    }

    /// Replaces the `a=msid` lines with one per stream id (or `-` for none), all naming
    /// `track_id`; the `a=ssrc:… msid:` lines follow.
    pub fn set_msids(&mut self, stream_ids: &[String], track_id: &str) {
        let track: String = track_id.chars().filter(|c| is_token_char(*c)).collect();
        let streams: Vec<String> = if stream_ids.is_empty() {
            vec!["-".to_string()]
        } else {
            stream_ids
                .iter()
                .map(|s| s.chars().filter(|c| is_token_char(*c)).collect())
                .collect()
        };
        let first = self
            .lines
            .iter()
            .position(|l| l.starts_with("a=msid:"))
            .or_else(|| {
                self.lines
                    .iter()
                    .position(|l| l.starts_with("a=mid:"))
                    .map(|p| p + 1)
            })
            .unwrap_or(self.lines.len());
        self.lines.retain(|l| !l.starts_with("a=msid:"));
        let at = first.min(self.lines.len());
        for (i, s) in streams.iter().enumerate() {
            self.lines.insert(at + i, format!("a=msid:{s} {track}"));
        }
        let first_stream = streams.first().cloned().unwrap_or_else(|| "-".into());
        for l in self.lines.iter_mut() {
            if let Some(rest) = l.strip_prefix("a=ssrc:") {
                let mut parts = rest.splitn(2, ' ');
                let ssrc = parts.next().unwrap_or("").to_string();
                if parts.next().is_some_and(|a| a.starts_with("msid:")) {
                    *l = format!("a=ssrc:{ssrc} msid:{first_stream} {track}");
                }
            }
        }
    }

    /// The payload types of the `m=` line, in order.
    pub fn payload_types(&self) -> Vec<u8> {
        self.m_fields()
            .iter()
            .skip(3)
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    /// The `a=rtpmap` of `pt`: (encoding name, clock rate, channels).
    pub fn rtpmap(&self, pt: u8) -> Option<(String, u32, Option<u16>)> {
        let prefix = format!("a=rtpmap:{pt} ");
        let v = self.lines.iter().find_map(|l| l.strip_prefix(&prefix))?;
        let mut it = v.trim().split('/');
        let name = it.next()?.to_string();
        let rate = it.next()?.parse().ok()?;
        let channels = it.next().and_then(|c| c.parse().ok());
        Some((name, rate, channels))
    }

    /// The `a=fmtp` parameters of `pt`.
    pub fn fmtp(&self, pt: u8) -> Option<String> {
        let prefix = format!("a=fmtp:{pt} ");
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(|v| v.trim().to_string())
    }

    /// Keeps only the payload types `keep` says yes to (in the order of `order`, which ranks
    /// payload types: lower first), with the RTX payload types that repair a kept one.
    /// Returns `false` (and changes nothing) when nothing would be left.
    pub fn retain_codecs(&mut self, keep: impl Fn(u8) -> Option<usize>) -> bool {
        let pts = self.payload_types();
        let mut kept: Vec<(usize, u8)> = pts
            .iter()
            .filter_map(|&pt| keep(pt).map(|rank| (rank, pt)))
            .collect();
        if kept.is_empty() {
            return false;
        }
        kept.sort_by_key(|(rank, _)| *rank);
        let mut order: Vec<u8> = kept.iter().map(|(_, pt)| *pt).collect();
        // RTX (and other apt=) payload types follow the codec they repair.
        for &pt in &pts {
            let apt = self
                .fmtp(pt)
                .and_then(|f| f.strip_prefix("apt=").and_then(|a| a.parse::<u8>().ok()));
            if let Some(a) = apt
                && order.contains(&a)
                && !order.contains(&pt)
            {
                order.push(pt);
            }
        }
        let fields = self.m_fields();
        if fields.len() < 3 {
            return false;
        }
        let head = fields[..3].join(" ");
        let list: Vec<String> = order.iter().map(|p| p.to_string()).collect();
        self.lines[0] = format!("m={head} {}", list.join(" "));
        self.lines.retain(|l| {
            for prefix in ["a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"] {
                if let Some(rest) = l.strip_prefix(prefix) {
                    let pt = rest.split([' ', ':']).next().unwrap_or("");
                    if pt == "*" {
                        return true;
                    }
                    return pt.parse::<u8>().is_ok_and(|p| order.contains(&p));
                }
            }
            true
        });
        true
    }
}

/// RFC 8830 `token-char`, the characters an msid may hold.
fn is_token_char(c: char) -> bool {
    let u = c as u32;
    u == 0x21
        || (0x23..=0x27).contains(&u)
        || (0x2a..=0x2b).contains(&u)
        || (0x2d..=0x2e).contains(&u)
        || (0x30..=0x39).contains(&u)
        || (0x41..=0x5a).contains(&u)
        || (0x5e..=0x7e).contains(&u)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n\
a=ice-ufrag:abcd\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=msid:s1 t1\r\na=sendrecv\r\n\
a=rtpmap:111 opus/48000/2\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99\r\na=mid:1\r\na=recvonly\r\n\
a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n\
a=rtpmap:98 VP9/90000\r\na=fmtp:98 profile-id=0\r\na=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n\
a=ssrc:1 msid:s1 t2\r\n";

    #[test]
    fn sections_mids_directions() {
        let s = SdpText::parse(OFFER).unwrap();
        assert_eq!(s.media.len(), 2);
        assert_eq!(s.media[0].mid().as_deref(), Some("0"));
        assert_eq!(s.media[1].kind().as_deref(), Some("video"));
        assert_eq!(s.media[1].direction(), RTCRtpTransceiverDirection::Recvonly);
        assert_eq!(s.media[0].msids(), [("s1".into(), "t1".into())]);
        assert_eq!(s.ice_ufrag().as_deref(), Some("abcd"));
        assert_eq!(s.media[1].rtpmap(98), Some(("VP9".into(), 90000, None)));
        assert_eq!(
            s.media[0].rtpmap(111),
            Some(("opus".into(), 48000, Some(2)))
        );
        assert_eq!(SdpText::parse(&s.to_sdp()).unwrap(), s);
    }

    #[test]
    fn direction_and_msid_rewrite() {
        let mut s = SdpText::parse(OFFER).unwrap();
        let v = s.section_mut("1").unwrap();
        v.set_direction(RTCRtpTransceiverDirection::Sendonly);
        v.set_msids(&["my stream".into()], "track<1>");
        let v = s.section("1").unwrap();
        assert_eq!(v.direction(), RTCRtpTransceiverDirection::Sendonly);
        assert_eq!(v.msids(), [("mystream".into(), "track1".into())]);
        assert!(
            v.lines
                .contains(&"a=ssrc:1 msid:mystream track1".to_string())
        );
    }

    #[test]
    fn codec_preferences_keep_rtx_of_kept_codecs() {
        let mut s = SdpText::parse(OFFER).unwrap();
        let v = s.section_mut("1").unwrap();
        assert!(v.retain_codecs(|pt| (pt == 98).then_some(0)));
        assert_eq!(v.payload_types(), [98, 99]);
        assert!(v.rtpmap(96).is_none());
        assert!(!v.lines.iter().any(|l| l.starts_with("a=rtcp-fb:96")));
        assert!(!v.retain_codecs(|_| None), "nothing left is refused");
        assert_eq!(v.payload_types(), [98, 99]);
    }

    #[test]
    fn candidates_are_taken_out() {
        let mut s = SdpText::parse(OFFER).unwrap();
        let c = s.take_candidates();
        assert_eq!(c.len(), 1);
        assert!(c[0].0.starts_with("candidate:1 1 udp"));
        assert_eq!(c[0].1.as_deref(), Some("0"));
        assert!(!s.to_sdp().contains("candidate"));
    }

    #[test]
    fn garbage_is_not_sdp() {
        for bad in [
            "",
            "hello",
            "x",
            "v=0\r\nnot a line\r\n",
            "m=audio 9 RTP 0\r\n",
            "=\n",
        ] {
            assert!(SdpText::parse(bad).is_none(), "{bad:?}");
        }
        let s = SdpText::parse("v=0\nm=\na=mid\n").unwrap();
        assert_eq!(s.media[0].kind(), None);
        assert_eq!(s.media[0].mid(), None);
        assert!(s.media[0].payload_types().is_empty());
    }
}
