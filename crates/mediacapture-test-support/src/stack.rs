//! A private PipeWire + WirePlumber stack (with, on request, a headless sway session,
//! xdg-desktop-portal and GStreamer test cameras) for the PipeWire and portal tests, driven by
//! `scripts/pipewire-stack.sh` (see that script for its commands).
//!
//! ```no_run
//! use mediacapture_test_support::stack::Stack;
//!
//! let test = "my_test";
//! let Some(stack) = Stack::up(test, "mc-doc", &[&["start"], &["camera", "cam", "YUY2", "320", "240", "30"]])
//! else {
//!     return; // skipped, and said why
//! };
//! let socket = stack.pipewire_socket();
//! assert!(stack.run(&["uncamera", "cam"]).is_some());
//! // Dropping the stack stops every process started in it.
//! ```

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The script that starts and stops the stacks.
pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pipewire-stack.sh")
}

/// One private stack in a temporary runtime directory; everything started in it is stopped
/// (only its own processes) when it is dropped.
#[derive(Debug)]
pub struct Stack {
    dir: tempfile::TempDir,
}

impl Stack {
    /// An empty stack (nothing started yet) in a new directory named after `prefix`.
    ///
    /// # Panics
    /// When no temporary directory can be made.
    pub fn new(prefix: &str) -> Stack {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot make a temporary directory: {e}"));
        Stack { dir }
    }

    /// A stack with the script's commands `steps` run in order, or `None` after printing
    /// "skipped: TEST: …" when one of them cannot run here (a component is not installed).
    pub fn up(test: &str, prefix: &str, steps: &[&[&str]]) -> Option<Stack> {
        let stack = Stack::new(prefix);
        for step in steps {
            if stack.run(step).is_none() {
                println!(
                    "skipped: {test}: the PipeWire stack cannot run here ({:?}, see above)",
                    step.first().unwrap_or(&"")
                );
                return None;
            }
        }
        Some(stack)
    }

    /// The stack's runtime directory (its `XDG_RUNTIME_DIR`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `pipewire-stack.sh ARGS[0] DIR ARGS[1..]`, printing what it says on stderr: its
    /// stdout, or `None` when a component is not installed (exit status 77).
    ///
    /// # Panics
    /// When the script fails otherwise (a component that is installed did not start).
    pub fn run(&self, args: &[&str]) -> Option<String> {
        let Some((cmd, rest)) = args.split_first() else {
            panic!("no pipewire-stack.sh command given");
        };
        let out = Command::new("bash")
            .arg(script())
            .arg(cmd)
            .arg(self.dir())
            .args(rest)
            .output()
            .unwrap_or_else(|e| panic!("cannot run bash: {e}"));
        print!("{}", String::from_utf8_lossy(&out.stderr));
        match out.status.code() {
            Some(0) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
            Some(77) => None,
            _ => panic!("pipewire-stack.sh {args:?} failed: {:?}", out.status),
        }
    }

    /// The address of the stack's session bus (after `start`).
    ///
    /// # Panics
    /// Before `start`.
    pub fn bus_address(&self) -> String {
        std::fs::read_to_string(self.dir().join("dbus-address"))
            .unwrap_or_else(|e| panic!("the stack has no session bus: {e}"))
            .trim()
            .to_owned()
    }

    /// The path of the stack's PipeWire socket (after `start`).
    pub fn pipewire_socket(&self) -> String {
        self.dir().join("pipewire-0").display().to_string()
    }

    /// How many times the ScreenCast portal ran its chooser (its dialog) so far, after
    /// `sway count`.
    pub fn chooser_runs(&self) -> usize {
        std::fs::read_to_string(self.dir().join("chooser-runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    /// Sets `cmd` up to run in the stack's session as a Wayland desktop would (a program
    /// started there): the Wayland display `wayland_display`, the stack's runtime directory
    /// (where PipeWire's socket is) and session bus; no X server, no session type, nothing
    /// that would point the program elsewhere (a fake backend, another PipeWire or
    /// PulseAudio).
    pub fn wayland_session<'c>(
        &self,
        cmd: &'c mut Command,
        wayland_display: &str,
    ) -> &'c mut Command {
        cmd.env_remove("DISPLAY")
            .env_remove("XDG_SESSION_TYPE")
            .env_remove("MEDIACAPTURE_FAKE")
            .env_remove("PIPEWIRE_REMOTE")
            .env_remove("PIPEWIRE_RUNTIME_DIR")
            .env_remove("PULSE_SERVER")
            .env("WAYLAND_DISPLAY", wayland_display)
            .env("XDG_RUNTIME_DIR", self.dir())
            .env("DBUS_SESSION_BUS_ADDRESS", self.bus_address())
    }

    /// Watches the stack's session bus for calls of `interface`.`member` (with
    /// `dbus-monitor`), to count them.
    pub fn monitor_calls(&self, interface: &str, member: &str) -> CallCounter {
        CallCounter::start(&self.bus_address(), interface, member)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir())
            .status();
    }
}

/// Counts the method calls of one interface member on a bus, as seen by `dbus-monitor`.
///
/// The bus sends a monitor the messages in the order it routes them, so a count taken with
/// [`CallCounter::count`] (which sends a marker call and reads up to it) includes every call
/// made before it, without waiting for anything but that marker.
#[derive(Debug)]
pub struct CallCounter {
    child: Child,
    lines: mpsc::Receiver<String>,
    address: String,
    member: String,
    seen: usize,
    markers: usize,
}

/// The bound on waiting for the monitor's output (reached only when it hangs).
const MONITOR_BOUND: Duration = Duration::from_secs(20);

impl CallCounter {
    fn start(address: &str, interface: &str, member: &str) -> CallCounter {
        let mut child = Command::new("dbus-monitor")
            .arg("--address")
            .arg(address)
            .arg(format!(
                "type='method_call',interface='{interface}',member='{member}'"
            ))
            .arg("type='method_call',interface='org.freedesktop.DBus',member='NameHasOwner'")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run dbus-monitor (package dbus): {e}"));
        let Some(stdout) = child.stdout.take() else {
            panic!("dbus-monitor's stdout is not piped");
        };
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let counter = CallCounter {
            child,
            lines,
            address: address.to_owned(),
            member: format!("member={member}"),
            seen: 0,
            markers: 0,
        };
        // The monitor is in place once the bus took its name away (BecomeMonitor sends
        // NameLost after installing it): calls from then on are seen.
        loop {
            let line = counter
                .lines
                .recv_timeout(MONITOR_BOUND)
                .unwrap_or_else(|e| panic!("dbus-monitor did not start monitoring: {e}"));
            if line.starts_with("signal") && line.contains("member=NameLost") {
                break;
            }
        }
        counter
    }

    /// How many calls were made so far.
    ///
    /// # Panics
    /// When the monitor stops answering.
    pub fn count(&mut self) -> usize {
        self.markers += 1;
        let marker = format!("mediacapture.test.marker{}", self.markers);
        let sent = Command::new("dbus-send")
            .arg(format!("--bus={}", self.address))
            .arg("--print-reply")
            .arg("--dest=org.freedesktop.DBus")
            .arg("/org/freedesktop/DBus")
            .arg("org.freedesktop.DBus.NameHasOwner")
            .arg(format!("string:{marker}"))
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run dbus-send: {e}"));
        assert!(sent.success(), "dbus-send failed: {sent:?}");
        let quoted = format!("\"{marker}\"");
        loop {
            let line = self
                .lines
                .recv_timeout(MONITOR_BOUND)
                .unwrap_or_else(|e| panic!("dbus-monitor did not show the marker: {e}"));
            if line.starts_with("method call") && line.contains(&self.member) {
                self.seen += 1;
            } else if line.trim() == format!("string {quoted}") {
                return self.seen;
            }
        }
    }
}

impl Drop for CallCounter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
