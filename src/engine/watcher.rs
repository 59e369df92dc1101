//! Watches the credential files (through their folders, since tools replace
//! files by renaming) and says when one changed, so the engine re-reads them.

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// A running watch; dropping it stops watching.
pub struct FileWatch {
    _watcher: RecommendedWatcher,
}

/// Watches `files`, and whatever is in `folders`; sends `()` on `changed`
/// whenever one of them is created, written, renamed or removed.
pub fn watch(
    files: &BTreeSet<PathBuf>,
    folders: &[PathBuf],
    changed: mpsc::UnboundedSender<()>,
) -> notify::Result<FileWatch> {
    let wanted: BTreeSet<PathBuf> = files.iter().map(|f| absolute(f)).collect();
    let whole: BTreeSet<PathBuf> = folders.iter().map(|f| absolute(f)).collect();
    let watched = wanted.clone();
    let inside = whole.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if event.kind.is_access() {
            return;
        }
        let in_folder = |p: &Path| p.parent().is_some_and(|d| inside.contains(d));
        if event
            .paths
            .iter()
            .map(|p| absolute(p))
            .any(|p| watched.contains(&p) || in_folder(&p))
        {
            // The engine has stopped only when the UI has quit.
            let _ = changed.send(());
        }
    })?;
    let mut parents: BTreeSet<&Path> = wanted.iter().filter_map(|f| f.parent()).collect();
    parents.extend(whole.iter().map(PathBuf::as_path));
    for folder in parents {
        if folder.is_dir() {
            watcher.watch(folder, RecursiveMode::NonRecursive)?;
        }
    }
    Ok(FileWatch { _watcher: watcher })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
