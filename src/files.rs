//! The one way tokentop touches files: reading a user's credential or
//! config file (regular files only, size-capped, never blocking on a FIFO or
//! device), and creating its own files private to the user (0600 files in
//! 0700 folders).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// The largest credential or config file tokentop reads. Real ones are a few
/// kilobytes (a service-account key is about 2.3 KiB); a `.databrickscfg`
/// with 10,000 profiles is about 1.3 MiB. Far more is not a credential file.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file could not be read, in words that name the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Nothing at that path.
    #[error("no such file")]
    Missing,
    /// A symbolic link whose target does not exist.
    #[error("a symbolic link to {target}, which does not exist")]
    Dangling {
        /// Where the link points.
        target: String,
    },
    /// Symbolic links that point at each other.
    #[error("a loop of symbolic links")]
    Loop,
    /// A FIFO, device, socket or directory.
    #[error("{0}, not a regular file")]
    NotRegular(&'static str),
    /// Bigger than [`MAX_FILE_BYTES`].
    #[error("larger than {limit} bytes: not a credential file")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// Not UTF-8 text.
    #[error("not UTF-8 text")]
    NotText,
    /// Any other I/O failure (permissions, say).
    #[error("cannot read: {0}")]
    Io(String),
}

/// Reads a user's file as text: regular files only, at most
/// [`MAX_FILE_BYTES`]. A FIFO or device is refused without ever blocking on
/// it (the file is opened non-blocking and checked after opening, so a file
/// swapped between a check and the open is caught too).
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    read_text_capped(path, MAX_FILE_BYTES)
}

/// [`read_text`] with an explicit cap.
fn read_text_capped(path: &Path, limit: u64) -> Result<String, ReadError> {
    let file = open_nonblocking(path).map_err(|e| explain(path, &e))?;
    let meta = file.metadata().map_err(|e| ReadError::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(file_type_name(&meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow after the size check: read one byte past the cap to know.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText)
}

fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NONBLOCK | libc::O_NOCTTY,
    );
    options.open(path)
}

fn explain(path: &Path, err: &io::Error) -> ReadError {
    #[cfg(unix)]
    if err.raw_os_error() == Some(libc::ELOOP) {
        return ReadError::Loop;
    }
    if err.kind() == io::ErrorKind::NotFound {
        return match std::fs::read_link(path) {
            Ok(target) => ReadError::Dangling {
                target: target.display().to_string(),
            },
            Err(_) => ReadError::Missing,
        };
    }
    ReadError::Io(err.to_string())
}

fn file_type_name(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// Creates `dir` (and its parents) for tokentop's own files, and makes the
/// last folder private to the user (0700) even if it already existed.
fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Holds an exclusive lock on `PATH.lock` beside `path` (created 0600 in
/// a private folder) until the returned file is dropped: one process at a
/// time reads, changes and replaces `path`.
pub fn exclusive_lock(path: &Path) -> io::Result<File> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    private_dir(dir)?;
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(std::path::PathBuf::from(name))?;
    file.lock()?;
    Ok(file)
}

/// Opens one of tokentop's own files for appending, in a private folder:
/// created 0600, and tightened to 0600 if it existed with a wider mode.
/// A symbolic link at `path` is refused, so a planted link cannot redirect
/// the writes.
pub fn append_private(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Replaces one of tokentop's own files, in a private folder, with
/// `bytes` at once: written 0600 beside it, flushed, then renamed over it,
/// so a reader sees the old file or the new one, never half of one.
pub fn replace_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    private_dir(dir)?;
    let mut file = tempfile::Builder::new()
        .prefix(".tokentop-")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    io::Write::write_all(&mut file, bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    // The rename itself made durable: after a crash, not the old file back.
    File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_replaced_private_file_is_whole_and_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state/logins.json");
        replace_private(&path, b"one").expect("write");
        replace_private(&path, b"two").expect("replace");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no leftovers"
        );
    }

    #[test]
    fn reads_a_regular_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.json");
        std::fs::write(&path, "{}").expect("write");
        assert_eq!(read_text(&path).as_deref(), Ok("{}"));
    }

    #[test]
    fn names_each_kind_of_unreadable_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = |name: &str| dir.path().join(name);
        assert_eq!(read_text(&p("missing")), Err(ReadError::Missing));
        std::os::unix::fs::symlink(p("nowhere"), p("dangling")).expect("link");
        assert_eq!(
            read_text(&p("dangling")),
            Err(ReadError::Dangling {
                target: p("nowhere").display().to_string()
            })
        );
        std::os::unix::fs::symlink(p("loop-b"), p("loop-a")).expect("link");
        std::os::unix::fs::symlink(p("loop-a"), p("loop-b")).expect("link");
        assert_eq!(read_text(&p("loop-a")), Err(ReadError::Loop));
        assert_eq!(
            read_text(dir.path()),
            Err(ReadError::NotRegular("a folder"))
        );
        assert_eq!(
            read_text(Path::new("/dev/zero")),
            Err(ReadError::NotRegular("a device"))
        );
        std::fs::write(p("big"), vec![b'x'; 2048]).expect("write");
        assert_eq!(
            read_text_capped(&p("big"), 1024),
            Err(ReadError::TooLarge { limit: 1024 })
        );
        std::fs::write(p("binary"), [0xff, 0xfe]).expect("write");
        assert_eq!(read_text(&p("binary")), Err(ReadError::NotText));
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(status.success());
        // No writer ever opens it: a blocking open would hang this test.
        assert_eq!(read_text(&fifo), Err(ReadError::NotRegular("a FIFO")));
    }

    #[test]
    fn private_files_and_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state/tokentop");
        std::fs::create_dir_all(&state).expect("mkdir");
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let log = state.join("tokentop.log");
        std::fs::write(&log, "old\n").expect("write");
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        append_private(&log).expect("open");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&log), 0o600);
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").expect("write");
        let planted = state.join("audit.jsonl");
        std::os::unix::fs::symlink(&victim, &planted).expect("link");
        assert!(
            append_private(&planted).is_err(),
            "a planted link is refused"
        );
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep");
    }
}
