//! Hand edits for history tests: plain `git commit`s (and merges) in a worktree of the
//! branch, as a person would make them, at the test clock's time.

use crate::common::TestRepo;

/// Commits `edits` (path, new text or `None` to leave alone) on the incident branch by
/// hand, then removes the worktree so the tool may write again.
pub fn hand_commit(repo: &TestRepo, message: &str, edit: impl FnOnce(&std::path::Path)) {
    in_worktree(repo, "incidents", |dir| {
        edit(dir);
        repo.git(&["-C", dir.to_str().expect("utf-8"), "add", "-A"]);
        repo.git(&[
            "-C",
            dir.to_str().expect("utf-8"),
            "commit",
            "-q",
            "-m",
            message,
        ]);
    });
}

/// Runs `work` in a temporary worktree of `branch`, removed afterwards.
pub fn in_worktree(repo: &TestRepo, branch: &str, work: impl FnOnce(&std::path::Path)) {
    let worktree = repo.home.path().join("branch");
    let worktree_str = worktree.to_str().expect("utf-8 temp path");
    repo.git(&["worktree", "add", "-q", worktree_str, branch]);
    work(&worktree);
    repo.git(&["worktree", "remove", "--force", worktree_str]);
}

/// Replaces `from` with `to` in a file of the worktree (the text must be there).
pub fn replace(dir: &std::path::Path, path: &str, from: &str, to: &str) {
    let file = dir.join(path);
    let text = std::fs::read_to_string(&file).expect("file on the branch");
    assert!(
        text.contains(from),
        "{path} does not contain {from:?}:\n{text}"
    );
    std::fs::write(&file, text.replacen(from, to, 1)).expect("write");
}

pub fn write(dir: &std::path::Path, path: &str, text: &str) {
    std::fs::write(dir.join(path), text).expect("write");
}
