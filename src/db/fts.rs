//! Searches typed by people, turned into FTS5 queries.

/// Words of a search as FTS5 queries, all words required: whole words first, then
/// words as prefixes ("robe" finds "robes"). None when nothing searchable is left.
/// A typed word with inner punctuation is a phrase ("EP-001" is `"ep 001"`), and every
/// word is quoted, so FTS5 syntax typed in a search is read as words.
pub fn queries(search: &str) -> Option<(String, String)> {
    let words: Vec<String> = search
        .split_whitespace()
        .filter_map(|typed| {
            let tokens: Vec<String> = typed
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .map(str::to_lowercase)
                .collect();
            (!tokens.is_empty()).then(|| format!("\"{}\"", tokens.join(" ")))
        })
        .take(8)
        .collect();
    if words.is_empty() {
        return None;
    }
    let prefixes: Vec<String> = words.iter().map(|w| format!("{w}*")).collect();
    Some((words.join(" "), prefixes.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_become_word_then_prefix_queries_without_operators() {
        assert_eq!(
            queries("Robe fleurie"),
            Some((
                "\"robe\" \"fleurie\"".to_string(),
                "\"robe\"* \"fleurie\"*".to_string()
            ))
        );
        // Quotes and FTS5 syntax are dropped, not passed through.
        assert_eq!(
            queries("\"robe\" OR NEAR(x)").map(|q| q.0).as_deref(),
            Some("\"robe\" \"or\" \"near x\"")
        );
        assert_eq!(queries("  ?! "), None);
        assert_eq!(
            queries("EP-001").map(|q| q.1).as_deref(),
            Some("\"ep 001\"*")
        );
    }
}
