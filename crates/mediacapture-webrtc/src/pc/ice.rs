//! ICE: which local addresses get a socket (host candidates), which remote candidates can
//! be used, and the validation of `iceServers`.

use crate::types::RTCIceServer;
use crate::{Error, Result};
use std::net::{IpAddr, SocketAddr};

/// Which local addresses get host candidates. Not part of `RTCConfiguration`: a browser
/// decides this itself (Chromium leaves loopback out unless
/// `--allow-loopback-in-peer-connection`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HostCandidates {
    /// Every up interface that is not loopback (IPv4, and IPv6 other than link-local), as
    /// Chromium; loopback when there is no other.
    #[default]
    Interfaces,
    /// `127.0.0.1` only: both peers on this machine, nothing leaves it.
    Loopback,
    /// Those of `Interfaces` and `127.0.0.1`: for a peer that may be on this machine (a local
    /// media server, which may gather loopback only) or elsewhere.
    InterfacesAndLoopback,
    /// These addresses.
    Addresses(Vec<IpAddr>),
}

impl HostCandidates {
    /// The addresses to bind.
    pub(crate) fn addresses(&self) -> Vec<IpAddr> {
        match self {
            HostCandidates::Loopback => vec![IpAddr::from([127, 0, 0, 1])],
            HostCandidates::Addresses(a) => a.clone(),
            HostCandidates::InterfacesAndLoopback => {
                let mut out = HostCandidates::Interfaces.addresses();
                let lo = IpAddr::from([127, 0, 0, 1]);
                if !out.contains(&lo) {
                    out.push(lo);
                }
                out
            }
            HostCandidates::Interfaces => {
                let mut out: Vec<IpAddr> = if_addrs::get_if_addrs()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|i| i.ip())
                    .filter(|ip| !ip.is_loopback() && !ip.is_unspecified() && !is_link_local(ip))
                    .collect();
                out.dedup();
                if out.is_empty() {
                    out.push(IpAddr::from([127, 0, 0, 1]));
                }
                out
            }
        }
    }
}

fn is_link_local(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Whether a socket bound to `local` may exchange packets with `remote`: the same address
/// family, and loopback only with loopback (the kernel would refuse the rest, and a loopback
/// peer must not make us send anywhere else).
pub(crate) fn reachable(local: &SocketAddr, remote: &SocketAddr) -> bool {
    local.is_ipv4() == remote.is_ipv4()
        && local.ip().is_loopback() == remote.ip().is_loopback()
        && !remote.ip().is_unspecified()
        && !remote.ip().is_multicast()
        && remote.port() != 0
}

/// Validates `iceServers`: each URL must be `stun:`, `stuns:`, `turn:` or `turns:` with a
/// host; a TURN URL needs a username and a credential.
///
/// Errors: `SyntaxError` for a URL that does not parse or has another scheme;
/// `InvalidAccessError` for TURN without credentials.
///
/// Spec: <https://w3c.github.io/webrtc-pc/#dfn-validate-the-ice-server-urls>
pub(crate) fn validate_ice_servers(servers: &[RTCIceServer]) -> Result<()> {
    for server in servers {
        let urls = server.urls.to_vec();
        if urls.is_empty() {
            return Err(Error::syntax("an RTCIceServer needs at least one URL"));
        }
        for url in urls {
            let (scheme, rest) = url
                .split_once(':')
                .ok_or_else(|| Error::syntax(format!("{url:?} is not an ICE server URL")))?;
            let scheme = scheme.to_ascii_lowercase();
            if !["stun", "stuns", "turn", "turns"].contains(&scheme.as_str()) {
                return Err(Error::syntax(format!(
                    "{url:?}: the scheme must be stun, stuns, turn or turns"
                )));
            }
            let (hostport, query) = match rest.split_once('?') {
                Some((h, q)) => (h, Some(q)),
                None => (rest, None),
            };
            if hostport.is_empty() || hostport.contains('/') || hostport.contains('@') {
                return Err(Error::syntax(format!("{url:?}: no host")));
            }
            if let Some((_, port)) = hostport
                .rsplit_once(':')
                .filter(|_| !hostport.ends_with(']'))
                && port.parse::<u16>().is_err()
            {
                return Err(Error::syntax(format!("{url:?}: bad port")));
            }
            let is_turn = scheme.starts_with("turn");
            match query {
                None => {}
                Some(q) if is_turn && (q == "transport=udp" || q == "transport=tcp") => {}
                Some(q) => {
                    return Err(Error::syntax(format!("{url:?}: unexpected query {q:?}")));
                }
            }
            if is_turn && (server.username.is_none() || server.credential.is_none()) {
                return Err(Error::invalid_access(format!(
                    "{url:?}: a TURN server needs a username and a credential"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::IceServerUrls;

    fn server(url: &str, creds: bool) -> RTCIceServer {
        RTCIceServer {
            urls: IceServerUrls::One(url.into()),
            username: creds.then(|| "u".into()),
            credential: creds.then(|| "p".into()),
        }
    }

    #[test]
    fn ice_server_urls() {
        for ok in [
            server("stun:127.0.0.1:3478", false),
            server("stun:stun.example.org", false),
            server("turn:[::1]:3478?transport=tcp", true),
            server("turns:turn.example.org", true),
        ] {
            validate_ice_servers(std::slice::from_ref(&ok))
                .unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        }
        for (bad, name) in [
            (server("http://x", false), "SyntaxError"),
            (server("stun:", false), "SyntaxError"),
            (server("stun:host:99999", false), "SyntaxError"),
            (server("stun:host?transport=udp", false), "SyntaxError"),
            (server("turn:host", false), "InvalidAccessError"),
        ] {
            assert_eq!(validate_ice_servers(&[bad]).unwrap_err().name(), name);
        }
    }

    #[test]
    fn loopback_talks_to_loopback_only() {
        let lo: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let other: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        let lo6: SocketAddr = "[::1]:5000".parse().unwrap();
        assert!(reachable(&lo, &"127.0.0.1:6000".parse().unwrap()));
        assert!(!reachable(&lo, &other));
        assert!(!reachable(&other, &lo));
        assert!(!reachable(&lo, &lo6));
        assert!(!reachable(&lo, &"127.0.0.1:0".parse().unwrap()));
        assert_eq!(
            HostCandidates::Loopback.addresses(),
            [IpAddr::from([127, 0, 0, 1])]
        );
    }
}
