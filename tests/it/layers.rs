//! The house rules, checked on the source outside its tests: the engine is pure and
//! knows nothing of the application around it, modules import each other in one
//! direction only (storage and the web frame below the features), and imports name what
//! they use.

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

/// The top-level modules each module's code (tests left out) names: `crate::x::…` and
/// `use crate::{x, y::…}`.
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name != "lib" && name != "main" {
            modules.insert(name);
        }
    }
    let mut graph = std::collections::BTreeMap::new();
    for module in &modules {
        let mut files = Vec::new();
        let dir = root.join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(root.join(format!("{module}.rs")));
        }
        let mut uses = std::collections::BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let mut names = Vec::new();
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    let inside = &group[..group.find(';').unwrap_or(group.len())];
                    // Top-level names in the group: those right after `{` or a `,` at depth 0.
                    let mut depth = 0;
                    let mut start = true;
                    let mut word = String::new();
                    for c in inside.chars() {
                        match c {
                            '{' => depth += 1,
                            '}' => depth -= 1,
                            ',' if depth == 0 => start = true,
                            c if start && (c.is_alphanumeric() || c == '_') => word.push(c),
                            _ if start && !word.is_empty() => {
                                names.push(std::mem::take(&mut word));
                                start = false;
                            }
                            _ => {}
                        }
                    }
                    if !word.is_empty() {
                        names.push(word);
                    }
                } else {
                    let end = rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    names.push(rest[..end].to_string());
                }
            }
            uses.extend(
                names
                    .into_iter()
                    .filter(|n| n != module && modules.contains(n)),
            );
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

#[test]
fn modules_import_each_other_in_one_direction_only() {
    let graph = module_graph();
    // A depth-first walk: meeting a module still on the path is a circle.
    fn visit(
        m: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut circle = path[at..].to_vec();
            circle.push(m.to_string());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in &graph[m] {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    for m in graph.keys() {
        let circle = visit(m, &graph, &mut Vec::new(), &mut done);
        assert!(
            circle.is_none(),
            "modules in a circle: {}",
            circle.unwrap().join(" → ")
        );
    }
}

#[test]
fn storage_and_the_web_frame_know_no_feature() {
    let graph = module_graph();
    let below = [
        "clock", "config", "db", "engine", "events", "secrets", "token",
    ];
    for low in below {
        let above: Vec<_> = graph[low]
            .iter()
            .filter(|m| !below.contains(&m.as_str()))
            .collect();
        assert!(above.is_empty(), "{low} imports {above:?}");
    }
    let features = [
        "accounts",
        "assistant",
        "channels",
        "dashboard",
        "demo",
        "inbox",
        "onboarding",
        "reservations",
        "settings",
        "stores",
        "cli",
    ];
    let reached: Vec<_> = graph["web"]
        .iter()
        .filter(|m| features.contains(&m.as_str()))
        .collect();
    assert!(
        reached.is_empty(),
        "the web frame imports features: {reached:?}"
    );
}

#[test]
fn the_architecture_map_names_every_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("src")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let shown = if name.ends_with(".rs") {
            format!("src/{name}")
        } else {
            format!("src/{name}/")
        };
        if name != "main.rs" && !map.contains(&shown) {
            missing.push(shown);
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not name {missing:?}"
    );
    // And every path it names is there.
    let mut stale = Vec::new();
    for piece in map.split('`').skip(1).step_by(2) {
        let path = piece.split("::").next().unwrap_or_default();
        let file = path.ends_with(".rs") || path.ends_with('/');
        let full = if path.starts_with("src/") {
            path.to_string()
        } else if file
            && root
                .join("src")
                .join(path.split('/').next().unwrap())
                .is_dir()
        {
            format!("src/{path}")
        } else {
            continue;
        };
        if !root.join(&full).exists() {
            stale.push(full);
        }
    }
    assert!(
        stale.is_empty(),
        "ARCHITECTURE.md names paths that are gone: {stale:?}"
    );
}
