//! Where a command's output file goes, without losing what was there.
//!
//! A regular file (new or existing) is written to a temporary file beside it,
//! `NAME.<pid>-<n>.part` in the same directory, which is renamed over `NAME` only when the
//! command keeps its result: an existing file is untouched until then, and a command that
//! fails before it has anything to keep leaves it as it was. Only a process killed with
//! SIGKILL (or a power cut) leaves the `.part` file behind.
//!
//! `-` is standard output, as is a path that is this process's standard output
//! (`/dev/stdout`); other non-regular files (a FIFO, `/dev/null`) are written in place. Those
//! are streams: no seeking, nothing to rename.
//!
//! The output may not be one of the command's inputs: the same file is refused whatever the
//! path says (relative, through a symbolic or a hard link).

use crate::{CliResult, Failure};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output carries media: status and JSON then go to stderr.
static MEDIA_ON_STDOUT: AtomicBool = AtomicBool::new(false);

/// `true` once a command writes its media to standard output.
pub(crate) fn media_on_stdout() -> bool {
    MEDIA_ON_STDOUT.load(Ordering::SeqCst)
}

/// Prints a machine-readable line where it cannot mix with media: stdout, or stderr when
/// stdout carries the media.
pub(crate) fn print_json(v: &serde_json::Value) {
    if media_on_stdout() {
        eprintln!("{v}");
    } else {
        println!("{v}");
    }
}

/// Where the output goes.
#[derive(Debug)]
enum Target {
    /// A regular file, written to `temp` and renamed over `path` on commit.
    File {
        path: PathBuf,
        temp: PathBuf,
        committed: bool,
    },
    /// Standard output.
    Stdout,
    /// A non-regular file written in place (FIFO, device).
    Stream(PathBuf),
}

/// An output being written. Dropped without [`Output::commit`], it removes its temporary file
/// and leaves the destination as it was.
#[derive(Debug)]
pub(crate) struct Output {
    /// The path as the user gave it, for messages.
    shown: PathBuf,
    target: Target,
}

/// (device, inode) of a file, following symbolic links.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// (device, inode) of this process's standard output.
fn stdout_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let m = File::from(fd).metadata().ok()?;
    Some((m.dev(), m.ino()))
}

impl Output {
    /// Resolves `arg` (the `-o` argument) and, for a regular file, creates the temporary file
    /// beside it (so an unwritable place fails now, before any device opens). `inputs` are
    /// the files the command reads: the output may not be one of them.
    pub(crate) fn prepare(arg: &Path, inputs: &[&Path]) -> CliResult<Output> {
        let shown = arg.to_path_buf();
        if arg.as_os_str() == "-" {
            MEDIA_ON_STDOUT.store(true, Ordering::SeqCst);
            return Ok(Output {
                shown,
                target: Target::Stdout,
            });
        }
        let cannot = |e: &dyn std::fmt::Display| {
            Failure::Other(format!("cannot write {}: {e}", arg.display()))
        };
        // An existing path is followed to the file it names (a symbolic link stays a link
        // to the new file); a new one is created where it says.
        let (path, meta) = match std::fs::metadata(arg) {
            // A pipe reached through /dev/stdout or /proc/self/fd has no path to resolve.
            Ok(m) if !m.is_file() => (arg.to_path_buf(), Some(m)),
            Ok(m) => (std::fs::canonicalize(arg).map_err(|e| cannot(&e))?, Some(m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(arg).is_ok() {
                    return Err(Failure::Usage(format!(
                        "{}: a symbolic link to a missing file",
                        arg.display()
                    )));
                }
                (arg.to_path_buf(), None)
            }
            Err(e) => return Err(cannot(&e)),
        };
        if let Some(m) = &meta {
            let id = Some((m.dev(), m.ino()));
            for input in inputs {
                if identity(input) == id {
                    return Err(Failure::Usage(format!(
                        "{} is the input file {}: writing it would destroy what is read \
                         (give another output file)",
                        arg.display(),
                        input.display()
                    )));
                }
            }
            if id == stdout_identity() {
                MEDIA_ON_STDOUT.store(true, Ordering::SeqCst);
                return Ok(Output {
                    shown,
                    target: Target::Stdout,
                });
            }
            let ft = m.file_type();
            if ft.is_dir() {
                return Err(Failure::Usage(format!("{} is a directory", arg.display())));
            }
            if ft.is_fifo() || ft.is_char_device() || ft.is_block_device() || ft.is_socket() {
                return Ok(Output {
                    shown,
                    target: Target::Stream(path),
                });
            }
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .ok_or_else(|| Failure::Usage(format!("{}: not a file name", arg.display())))?
            .to_string_lossy()
            .into_owned();
        let mut n = 0u32;
        let temp = loop {
            let temp = dir.join(format!("{name}.{}-{n}.part", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(_) => break temp,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(cannot(&e)),
            }
        };
        // The result keeps the permissions of the file it replaces.
        if let Some(m) = &meta
            && let Err(e) = std::fs::set_permissions(&temp, m.permissions())
        {
            tracing::debug!("cannot copy the permissions of {}: {e}", path.display());
        }
        Ok(Output {
            shown,
            target: Target::File {
                path,
                temp,
                committed: false,
            },
        })
    }

    /// The path to give in messages (as the user wrote it).
    pub(crate) fn shown(&self) -> &Path {
        &self.shown
    }

    /// The file to write to, for a regular file (the temporary one); `None` for a stream.
    pub(crate) fn file_path(&self) -> Option<&Path> {
        match &self.target {
            Target::File { temp, .. } => Some(temp),
            _ => None,
        }
    }

    /// Opens the stream to write to (stdout or a non-regular file); `None` for a regular file.
    pub(crate) fn open_stream(&self) -> CliResult<Option<Box<dyn Write + Send>>> {
        match &self.target {
            Target::File { .. } => Ok(None),
            Target::Stdout => Ok(Some(Box::new(std::io::stdout()))),
            Target::Stream(p) => {
                let f = OpenOptions::new().write(true).open(p).map_err(|e| {
                    Failure::Other(format!("cannot write {}: {e}", self.shown.display()))
                })?;
                Ok(Some(Box::new(f)))
            }
        }
    }

    /// Bytes written so far (the temporary file's size; streams count their own).
    pub(crate) fn file_len(&self) -> u64 {
        self.file_path()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len())
    }

    /// Keeps the result: the temporary file, synced, replaces the destination.
    pub(crate) fn commit(&mut self) -> CliResult<()> {
        if let Target::File {
            path,
            temp,
            committed,
        } = &mut self.target
        {
            let sync = File::open(&*temp).and_then(|f| f.sync_all());
            if let Err(e) = sync.and_then(|()| std::fs::rename(&*temp, &*path)) {
                // Nothing is lost: the temporary file stays.
                *committed = true;
                return Err(Failure::Other(format!(
                    "cannot move the result into {}: {e} (it is kept in {})",
                    path.display(),
                    temp.display()
                )));
            }
            *committed = true;
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Target::File {
            temp,
            committed: false,
            ..
        } = &self.target
        {
            let _ = std::fs::remove_file(temp);
        }
    }
}
