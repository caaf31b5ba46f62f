//! The house rules, checked on the source outside its tests: the engine is pure and
//! knows nothing of the application around it, and imports name what they use.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `crate::…` paths used in `module`'s code (its tests left out) that lead elsewhere.
fn reaches_outside(module: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join(module), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, line) in code.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                let path = &rest[at + "crate::".len()..];
                if !path.starts_with(module) {
                    found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
                }
                rest = path;
            }
        }
    }
    found
}

#[test]
fn the_engine_uses_nothing_but_itself() {
    let outside = reaches_outside("engine");
    assert!(outside.is_empty(), "{}", outside.join("\n"));
}

#[test]
fn imports_name_what_they_use() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut globs = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, line) in code.lines().enumerate() {
            let line = line.trim();
            let import = line.starts_with("use ") || line.starts_with("pub use ");
            if import && line.ends_with("::*;") {
                globs.push(format!("{}:{}: {line}", file.display(), i + 1));
            }
        }
    }
    assert!(globs.is_empty(), "glob imports:\n{}", globs.join("\n"));
}

#[test]
fn storage_and_errors_know_no_pages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("error.rs")];
    rust_files(&root.join("db"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, line) in code.lines().enumerate() {
            if line.contains("crate::web") {
                found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
